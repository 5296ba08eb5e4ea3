"""Alert delivery outside the app's window (lobstr_tui/notify/): the OSC encoders of
desktop notifications, which channels an alert takes, and the --notify-cmd runner with
real shell commands."""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lobstr_tui.api.text import BIDI_CONTROLS, cell_width
from lobstr_tui.notify import (
    ALERTS,
    BELL,
    BELL_ALERTS,
    AlertSettings,
    CommandNotifier,
    alert_title,
    channels_for,
    desktop_sequence,
    encode_payload,
    terminal_protocol,
    tmux_passthrough,
)
from lobstr_tui.notify.osc import BODY_CELLS, TITLE_CELLS, plain_text

ESC = "\x1b"
ST = ESC + "\\"
HOSTILE = "Maps\x1b]0;pwned\x07 FR;\x9b2J\u202e\nline two\x00\x7f"
"""A squid name with an OSC, a C1 CSI, a bidi override, a newline, NUL and DEL."""

PAYLOAD: dict[str, object] = {
    "event": "run.paused",
    "at": "2026-11-02T09:00:00Z",
    "squid": {"id": "sq1", "name": "Google Maps FR"},
    "run": {"id": "3f2a9c", "status": "paused", "done_reason": "cookies_expired",
            "done_reason_desc": "Cookies expired", "percent": 62.0, "results": 1240,
            "credits": 1240.0},
}


# -- the OSC encoders --------------------------------------------------------------------


def test_osc_777_by_default() -> None:
    assert desktop_sequence("run paused", "Google Maps FR", env={}) == (
        "\x1b]777;notify;run paused;Google Maps FR\x07")
    assert terminal_protocol({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}) == "777"


@pytest.mark.parametrize("env", [{"TERM_PROGRAM": "iTerm.app"}, {"LC_TERMINAL": "iTerm2"}])
def test_osc_9_for_iterm2(env: dict[str, str]) -> None:
    assert desktop_sequence("run paused", "Google Maps FR", env=env) == (
        "\x1b]9;run paused: Google Maps FR\x07")


@pytest.mark.parametrize("env", [{"TERM": "xterm-kitty"}, {"KITTY_WINDOW_ID": "3"}])
def test_osc_99_for_kitty_title_then_body_under_one_id(env: dict[str, str]) -> None:
    sequence = desktop_sequence("run paused", "Maps; cookies expired", env=env)
    match = re.fullmatch(r"\x1b\]99;i=(lobstr-[0-9a-f]{8}):d=0;run paused\x1b\\"
                         r"\x1b\]99;i=(lobstr-[0-9a-f]{8}):d=1:p=body;"
                         r"Maps; cookies expired\x1b\\", sequence)
    assert match is not None, repr(sequence)
    assert match[1] == match[2]
    assert desktop_sequence("credits low", "", env=env) == "\x1b]99;;credits low\x1b\\"


def test_the_protocol_can_be_forced() -> None:
    assert terminal_protocol({"LOBSTR_TUI_OSC": "9", "TERM": "xterm-kitty"}) == "9"
    assert terminal_protocol({"LOBSTR_TUI_OSC": "99"}) == "99"
    assert terminal_protocol({"LOBSTR_TUI_OSC": "bogus", "TERM": "xterm-kitty"}) == "99"


@pytest.mark.parametrize("env", [{}, {"TERM_PROGRAM": "iTerm.app"}, {"TERM": "xterm-kitty"}])
def test_tmux_passthrough_doubles_every_escape(env: dict[str, str]) -> None:
    plain = desktop_sequence("run error", "Insta posts", env=env)
    wrapped = desktop_sequence("run error", "Insta posts", env={**env, "TMUX": "/tmp/t,1,0"})
    assert wrapped == tmux_passthrough(plain)
    assert wrapped.startswith("\x1bPtmux;\x1b\x1b]") and wrapped.endswith(ST)
    inner = wrapped.removeprefix("\x1bPtmux;").removesuffix(ST)
    assert ESC not in inner.replace(ESC + ESC, "")
    assert inner.replace(ESC + ESC, ESC) == plain


def test_control_characters_never_reach_the_terminal() -> None:
    for env in ({}, {"TERM_PROGRAM": "iTerm.app"}, {"TERM": "xterm-kitty"}):
        sequence = desktop_sequence(HOSTILE, HOSTILE, env=env)
        assert "pwned" in sequence, "the text is kept, only the controls go"
        assert "\x9b" not in sequence and "\u202e" not in sequence and "\n" not in sequence
    osc_777 = desktop_sequence(HOSTILE, HOSTILE, env={})
    assert osc_777.count(ESC) == 1 and osc_777.count(BELL) == 1 and osc_777.endswith(BELL)
    assert osc_777.count(";") == 3, "a ; in the text would start another field"
    assert "Maps]0,pwned FR,2J line two" in osc_777


def test_long_texts_are_cut() -> None:
    sequence = desktop_sequence("T" * 500, "日本" * 500, env={})
    title, body = sequence.removesuffix(BELL).split(";")[2:]
    assert cell_width(title) <= TITLE_CELLS and title.endswith("…")
    assert cell_width(body) <= BODY_CELLS and body.endswith("…")


@settings(max_examples=200, deadline=None)
@given(title=st.text(), body=st.text(),
       env=st.sampled_from([{}, {"TERM_PROGRAM": "iTerm.app"}, {"TERM": "xterm-kitty"}]),
       tmux=st.booleans())
def test_any_text_gives_exactly_the_framing_and_printable_text(
        title: str, body: str, env: dict[str, str], tmux: bool) -> None:
    sequence = desktop_sequence(title, body, env={**env, **({"TMUX": "x"} if tmux else {})})
    if tmux:
        sequence = sequence.removeprefix("\x1bPtmux;").removesuffix(ST).replace(ESC * 2, ESC)
    framing = {"777": r"\x1b\]777;notify;[^;]*;[^;]*\x07",
               "9": r"\x1b\]9;[^;]*\x07",
               "99": r"(\x1b\]99;[^;]*;[^\x1b]*\x1b\\){1,2}"}[terminal_protocol(env)]
    assert re.fullmatch(framing, sequence, flags=re.DOTALL), repr(sequence)
    texts = re.sub(r"\x1b\][0-9]+;(notify;|[^;]*;)?|\x07|\x1b\\", "", sequence)
    assert not any(unicodedata.category(c) in ("Cc", "Cs") or ord(c) in BIDI_CONTROLS
                   for c in texts), repr(texts)


def test_plain_text_collapses_spaces() -> None:
    assert plain_text("  a\t\tb \n\r c  ", 80) == "a b c"
    assert plain_text("a;b", 80, semicolons=False) == "a,b"


# -- channels ----------------------------------------------------------------------------


@pytest.mark.parametrize("alert", ALERTS)
def test_channels_by_default_toast_log_and_the_bell_when_it_needs_the_person(
        alert: str) -> None:
    expected = {"toast", "log"} | ({"bell"} if alert in BELL_ALERTS else set())
    assert channels_for(alert, AlertSettings()) == expected


def test_bell_only_for_paused_error_and_credits_low() -> None:
    assert {"run.paused", "run.error", "credits.low"} == BELL_ALERTS


def test_channels_with_every_option() -> None:
    every = AlertSettings(bell=True, desktop=True, command="cat", credits_warn=100)
    assert channels_for("run.error", every) == {"toast", "log", "bell", "desktop", "command"}
    assert channels_for("run.done", every) == {"toast", "log", "desktop", "command"}
    quiet = AlertSettings(bell=False)
    assert channels_for("run.paused", quiet) == {"toast", "log"}
    assert channels_for("run.someday", every) == {"toast", "log", "desktop", "command"}


def test_settings_repr_hides_the_command_and_titles_name_the_squid() -> None:
    assert "hook-secret" not in repr(AlertSettings(command="curl -H 'Auth: hook-secret' x"))
    assert alert_title("run.paused", "Google Maps FR") == "lobstr: run paused · Google Maps FR"
    assert alert_title("credits.low") == "lobstr: credits low"


# -- the --notify-cmd runner -------------------------------------------------------------


def collector() -> tuple[list[str], Callable[[str], None]]:
    reported: list[str] = []
    return reported, reported.append


async def test_the_command_gets_the_alert_as_one_json_object_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "alert.json"
    reported, report = collector()
    notifier = CommandNotifier(f"cat > '{out}'", on_failure=report)
    assert await notifier.send(PAYLOAD) is None
    text = out.read_text()
    assert text.endswith("\n") and text.count("\n") == 1
    assert json.loads(text) == PAYLOAD
    assert reported == [] and notifier.succeeded == 1


async def test_a_failing_command_is_reported_once_and_the_next_send_works(
        tmp_path: Path) -> None:
    flag, out = tmp_path / "ready", tmp_path / "out.jsonl"
    reported, report = collector()
    notifier = CommandNotifier(f"test -e '{flag}' || {{ echo 'not ready yet' >&2; exit 3; }}; "
                               f"cat >> '{out}'", on_failure=report)
    first = await notifier.send(PAYLOAD)
    assert first is not None and "exit status 3: not ready yet" in first
    assert await notifier.send(PAYLOAD) is None, "the same failure again stays quiet"
    assert reported == [first] and notifier.failed == 2
    flag.touch()
    assert await notifier.send(PAYLOAD) is None
    assert json.loads(out.read_text()) == PAYLOAD
    flag.unlink()
    again = await notifier.send(PAYLOAD)
    assert again is not None and reported == [first, again], "a new failure after success"


async def test_a_missing_command_is_a_message_not_an_exception() -> None:
    reported, report = collector()
    notifier = CommandNotifier("no-such-notifier-9f2c --flag", on_failure=report)
    message = await notifier.send(PAYLOAD)
    assert message is not None and "command not found" in message
    assert "no-such-notifier-9f2c" in message, "the shell's own words explain it"
    assert reported == [message]


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its parent counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


async def test_a_hanging_command_is_killed_at_the_timeout_with_its_children(
        tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    notifier = CommandNotifier(f"sleep 30 & echo $! > '{pid_file}'; wait", timeout=0.5)
    message = await notifier.send(PAYLOAD)
    assert message is not None and "timed out after 0.5s and was stopped" in message
    assert notifier.running == 0
    child = int(pid_file.read_text())
    for _ in range(200):  # the orphaned child is reaped by init, soon but not at once
        if not alive(child):
            break
        await asyncio.sleep(0.01)
    assert not alive(child), "the shell's child was killed with it"


async def test_the_token_never_reaches_the_command(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOBSTR_TOKEN", "tok_secret_do_not_pass_41")
    monkeypatch.setenv("LOBSTR_TUI_TEST_MARK", "kept")
    out = tmp_path / "env.txt"
    assert await CommandNotifier(f"env > '{out}'").send(PAYLOAD) is None
    seen = out.read_text()
    assert "LOBSTR_TUI_TEST_MARK=kept" in seen
    assert "LOBSTR_TOKEN" not in seen and "tok_secret_do_not_pass_41" not in seen


async def test_the_command_never_writes_on_the_terminal(
        capfd: pytest.CaptureFixture[str]) -> None:
    notifier = CommandNotifier("echo on-stdout; echo on-stderr >&2; exit 4")
    message = await notifier.send(PAYLOAD)
    assert message is not None and "exit status 4: on-stderr" in message
    written = capfd.readouterr()
    assert "on-stdout" not in written.out + written.err
    assert "on-stderr" not in written.out + written.err


async def test_a_command_that_ignores_its_input_is_fine() -> None:
    big = {**PAYLOAD, "padding": "x" * 300_000}  # more than a pipe holds
    assert await CommandNotifier("true").send(big) is None
    assert await CommandNotifier("exit 0").send(PAYLOAD) is None


async def test_at_most_n_run_the_queue_is_bounded_and_the_excess_counted(
        tmp_path: Path) -> None:
    go, out = tmp_path / "go", tmp_path / "out.jsonl"
    reported, report = collector()
    notifier = CommandNotifier(
        f"while [ ! -e '{go}' ]; do sleep 0.02; done; cat >> '{out}'",
        max_running=1, max_waiting=1, on_failure=report)
    running = notifier.submit({**PAYLOAD, "n": 1})
    await asyncio.sleep(0)  # it takes the one slot
    waiting = notifier.submit({**PAYLOAD, "n": 2})
    await asyncio.sleep(0)  # it waits for the slot
    dropped = await notifier.send({**PAYLOAD, "n": 3})
    assert dropped is not None and "alerts dropped (1 so far)" in dropped
    assert await notifier.send({**PAYLOAD, "n": 4}) is None, "reported once per burst"
    assert notifier.dropped == 2 and reported == [dropped]
    go.touch()
    assert await running is None and await waiting is None
    assert [json.loads(line)["n"] for line in out.read_text().splitlines()] == [1, 2]


async def test_close_kills_what_runs(tmp_path: Path) -> None:
    notifier = CommandNotifier("sleep 30", timeout=60)
    task = notifier.submit(PAYLOAD)
    for _ in range(500):
        if notifier.running:
            break
        await asyncio.sleep(0.01)
    assert notifier.running == 1
    notifier.close()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert notifier.running == 0


def test_payload_encoding_is_strict_json() -> None:
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    line = encode_payload({"at": at, "run": {"percent": math.nan, "credits": math.inf},
                           "tags": ("a", "é")})
    assert line.endswith(b"\n") and line.isascii()
    assert json.loads(line) == {"at": "2026-11-02T09:00:00+00:00",
                                "run": {"percent": None, "credits": None},
                                "tags": ["a", "é"]}


def test_notifier_refuses_an_empty_command_and_hides_its_own() -> None:
    with pytest.raises(ValueError, match="empty"):
        CommandNotifier("   ")
    assert "hook-secret" not in repr(CommandNotifier("curl -H 'Auth: hook-secret' x"))


def test_environment_is_read_without_the_token() -> None:
    notifier = CommandNotifier("true", environ={"LOBSTR_TOKEN": "t", "PATH": os.defpath})
    assert "LOBSTR_TOKEN" not in notifier._env and notifier._env["PATH"] == os.defpath
