"""An unexpected exception that ends the program: exit status 1, one line on stderr that
names a crash report under $XDG_STATE_HOME/lobstr-tui/, and the token masked in it."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

import lobstr_tui.crash
from lobstr_tui import launch
from lobstr_tui.api import Token
from lobstr_tui.cli import main
from lobstr_tui.crash import mask_secrets, state_dir
from lobstr_tui.exit_codes import EXIT_CRASH
from lobstr_tui.sim import SimServer
from tests.conftest import TOKEN
from tests.e2e.test_startup import after_the_app, run_on_terminal

SECRET = "tok_crash_secret_5521"
REPORT = re.compile(r"details in (\S+/lobstr-tui/crash-[0-9-]+\.log) ")

CRASHING_APP = """
import os
from lobstr_tui.api import Token
from lobstr_tui.cli import main
from lobstr_tui.ui import app as ui_app


class CrashingApp(ui_app.LobstrApp):
    def on_ready(self) -> None:
        token = os.environ["LOBSTR_TOKEN"]
        raise RuntimeError(f"cannot go on with {token} in hand")


ui_app.LobstrApp = CrashingApp  # launch imports it from there when it starts the app
raise SystemExit(main([]))
"""


def report_named_in(line: str, home: Path) -> Path:
    found = REPORT.search(line)
    assert found, line
    path = Path(found.group(1))
    assert path.parent == home / "state" / "lobstr-tui"
    assert path.stat().st_mode & 0o077 == 0, "the report is readable by its owner only"
    return path


def test_a_crash_inside_the_app_exits_1_with_a_masked_report(tmp_path: Path,
                                                             server: SimServer) -> None:
    code, output = run_on_terminal(
        [sys.executable, "-c", CRASHING_APP],
        {"LOBSTR_TOKEN": TOKEN, "LOBSTR_API_BASE": server.base_url}, tmp_path)
    assert code == EXIT_CRASH, output[-600:]
    lines = after_the_app(output)
    assert len(lines) == 1, lines
    assert lines[0].startswith("lobstr-tui: internal error (RuntimeError); details in ")
    assert TOKEN not in output, "not on the terminal"
    assert "Traceback" not in output, "Textual's traceback never reaches the terminal"
    report = report_named_in(lines[0], tmp_path).read_text()
    assert "Traceback (most recent call last)" in report
    assert "RuntimeError: cannot go on with *** in hand" in report
    assert ", in on_ready" in report
    assert TOKEN not in report


def test_a_crash_before_the_app_exits_1_with_a_masked_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LOBSTR_TOKEN", f"  {SECRET}\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken(**_: object) -> None:
        raise KeyError(f"no such thing as {SECRET}")

    monkeypatch.setattr(launch, "resolve_settings", broken)
    assert main([]) == EXIT_CRASH
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("lobstr-tui: internal error (KeyError); details in ")
    report = report_named_in(captured.err, tmp_path).read_text()
    assert "in broken" in report and "KeyError: 'no such thing as ***'" in report
    assert SECRET not in report + captured.err


def test_a_report_that_cannot_be_written_is_said_and_still_exits_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv("LOBSTR_TOKEN", SECRET)
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))

    def broken(**_: object) -> None:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(launch, "resolve_settings", broken)
    assert main([]) == EXIT_CRASH
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and SECRET not in err
    assert f"the details could not be saved in {blocker / 'lobstr-tui'}" in err


def test_state_dir_follows_xdg_and_ignores_a_relative_path(tmp_path: Path) -> None:
    assert state_dir({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "lobstr-tui"
    default = Path.home() / ".local" / "state" / "lobstr-tui"
    assert state_dir({}) == default
    assert state_dir({"XDG_STATE_HOME": "relative/state"}) == default


def test_mask_secrets_masks_every_occurrence_longest_first() -> None:
    text = f"a {SECRET} b {SECRET}x c tok"
    assert mask_secrets(text, ["", "tok", SECRET]) == "a *** b ***x c ***"


def test_the_crash_module_imports_no_textual() -> None:
    tree = ast.parse(Path(lobstr_tui.crash.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0] in ("textual", "rich") for name in imported)


def test_textuals_own_report_is_dropped_when_the_token_is_cut_across_lines() -> None:
    # Used only if Textual ever stops keeping the exception: its rendered traceback wraps
    # at the terminal width, so a token split over two lines must not be written.
    target = launch._Target(Token(SECRET), "http://127.0.0.1:9/v1/", secrets=[SECRET])
    wrapped = "│ token = 'tok_crash_sec │\n│ ret_5521'              │\nboom\n"
    kept = launch._rendered_report(wrapped, target)
    assert "tok_crash_sec" not in kept and "left out" in kept
    harmless = "│ x = 1 │\nRuntimeError: boom\n"
    assert launch._rendered_report(harmless, target) == harmless
