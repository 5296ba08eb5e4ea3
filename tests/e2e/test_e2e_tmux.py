"""End to end in a real terminal: tmux runs the installed `lobstr-tui`."""

from __future__ import annotations

import difflib
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.terminal import (
    LOBSTR_TUI,
    app_pid,
    screen,
    start,
    stop,
    tmux,
    wait_file,
    wait_screen,
)
from lobstr_tui.sim import SimServer, World

SECRET = "tmux-SECRET-91f0-never-on-screen"


def test_demo_launch_through_confirm_and_quit(tmp_path: Path) -> None:
    name, exit_file = start(f"{LOBSTR_TUI} --demo", tmp_path)
    try:
        wait_screen(name, lambda s: "Google Maps FR" in s and "Instagram posts" in s,
                    "the squid list")
        first = wait_screen(name, lambda s: "live" in s and " results" in s, "live data")
        progress = next(line for line in first.splitlines() if " results" in line)
        wait_screen(name, lambda s: progress not in s, "the running run to move", limit=10.0)
        tmux("send-keys", "-t", name, "j")
        tmux("send-keys", "-t", name, "j")
        wait_screen(name, lambda s: 'Runs of "Instagram posts' in s, "Instagram selected")
        tmux("send-keys", "-t", name, "l")
        dialog = wait_screen(name, lambda s: "Launch a run?" in s, "the confirm dialog")
        assert "Instagram posts #coffee" in dialog and "credits" in dialog
        tmux("send-keys", "-t", name, "y")
        shown = wait_screen(name, lambda s: "launched run" in s, "the launch in the log")
        launched = shown.split("launched run ", 1)[1][:6]
        wait_screen(name, lambda s: f"{launched}…" in s, "the new run in the table")
        tmux("send-keys", "-t", name, "q")
        assert wait_file(exit_file) == "0"
        history = screen(name, history=True)
        assert "Traceback" not in history and "Error" not in history
    finally:
        stop(name)


@pytest.fixture
def secret_sim(world: World) -> Iterator[SimServer]:
    with SimServer(world, token=SECRET) as server:
        yield server


def _monitor(server: SimServer, folder: Path) -> tuple[str, Path]:
    env = f"LOBSTR_TOKEN={SECRET} LOBSTR_API_BASE={server.base_url} XDG_CONFIG_HOME={folder}"
    name, exit_file = start(f"{LOBSTR_TUI}", folder, env=env)
    wait_screen(name, lambda s: "Google Maps FR" in s and "live" in s, "the monitor")
    return name, exit_file


def _no_run_touched(server: SimServer) -> None:
    assert not any(e.method == "POST" for e in list(server.log))
    assert any(r.status == "running" for r in server.world.runs.values())


def test_real_terminal_never_shows_the_token_and_ctrl_c_quits(secret_sim: SimServer,
                                                               tmp_path: Path) -> None:
    name, exit_file = _monitor(secret_sim, tmp_path)
    try:
        tmux("send-keys", "-t", name, "?")
        wait_screen(name, lambda s: "KEYS" in s, "help")
        assert SECRET not in screen(name, history=True)
        tmux("send-keys", "-t", name, "Escape")
        tmux("send-keys", "-t", name, "C-c")
        assert wait_file(exit_file) == "0"
        history = screen(name, history=True)
        assert SECRET not in history and "Traceback" not in history
        _no_run_touched(secret_sim)
    finally:
        stop(name)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signals_end_the_app_cleanly(secret_sim: SimServer, tmp_path: Path,
                                     sig: signal.Signals) -> None:
    name, exit_file = _monitor(secret_sim, tmp_path)
    try:
        os.kill(app_pid(name), sig)
        assert wait_file(exit_file) == "0"
        assert "Traceback" not in screen(name, history=True)
        _no_run_touched(secret_sim)
    finally:
        stop(name)


def test_terminal_loss_ends_the_process_within_10_seconds(secret_sim: SimServer,
                                                          tmp_path: Path) -> None:
    name, _ = _monitor(secret_sim, tmp_path)
    pid = app_pid(name)
    stop(name)
    gone_by = time.monotonic() + 10.0
    alive = True
    while time.monotonic() < gone_by:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            alive = False
            break
        time.sleep(0.1)
    assert not alive, "the app kept running after its terminal went away"
    _no_run_touched(secret_sim)


def test_terminal_loss_right_after_the_first_frame(secret_sim: SimServer,
                                                   tmp_path: Path) -> None:
    """As the startup benchmark does: the session dies as soon as the list shows."""
    pids = []
    for _ in range(3):
        env = (f"LOBSTR_TOKEN={SECRET} LOBSTR_API_BASE={secret_sim.base_url} "
               f"XDG_CONFIG_HOME={tmp_path}")
        name, _ = start(f"{LOBSTR_TUI}", tmp_path, env=env)
        wait_screen(name, lambda s: "Google Maps FR" in s, "the squid list")
        pids.append(app_pid(name))
        stop(name)
    deadline = time.monotonic() + 10.0
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        for pid in list(alive):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                alive.discard(pid)
        time.sleep(0.1)
    assert not alive, f"{len(alive)} of 3 processes outlived their terminal"


def _body(text: str) -> list[str]:
    """The screen without its first line (the header's data age keeps moving) and with
    clock times masked (the log's lines carry the real time of each start)."""
    return [re.sub(r"\d\d:\d\d:\d\d", "hh:mm:ss", line.rstrip())
            for line in text.splitlines()[1:]]


def _steady(name: str, what: str) -> str:
    """The pane once the selected run's progress, its tasks' counts (the Tasks tab's
    label), the paused run's percent (a board read) and the footer's keys are shown (the
    footer is drawn a moment after the first data) and two captures agree. On a loaded
    machine two captures could agree before the first reads had all come back."""
    seen: list[list[str]] = []

    def settled(text: str) -> bool:
        seen.append(_body(text))
        footer = text.rstrip("\n").splitlines()[-1] if text.strip() else ""
        return ("ETA" in text and "Quit" in footer and "Tasks ◌" in text
                and re.search(r"paused · \d+%", text) is not None and len(seen) > 1
                and seen[-1] == seen[-2])

    return wait_screen(name, settled, what)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
def test_resized_terminal_shows_what_a_fresh_start_shows(
        secret_sim: SimServer, tmp_path: Path, size: tuple[int, int]) -> None:
    env = f"LOBSTR_TOKEN={SECRET} LOBSTR_API_BASE={secret_sim.base_url} XDG_CONFIG_HOME={tmp_path}"
    fresh, _ = start(f"{LOBSTR_TUI}", tmp_path, env=env, size=size)
    try:
        expected = _body(_steady(fresh, f"a fresh start at {size}"))
    finally:
        stop(fresh)
    assert any("● running" in line for line in expected), "the full status word"
    # Every key of the footer, whole, on its one line (issue 21: [ Tab was pushed out).
    footer = expected[-1].split("▏")[0].rstrip()
    assert footer.split() == ["q", "Quit", "?", "Help", "l", "Launch", "a", "Abort", "e",
                              "Why", "/", "Filter", "squids", "d", "Download", "w",
                              "Board", "[", "Tab"], footer
    resized, _ = start(f"{LOBSTR_TUI}", tmp_path, env=env, size=(160, 40))
    try:
        _steady(resized, "the wide screen")
        tmux("resize-window", "-t", resized, "-x", str(size[0]), "-y", str(size[1]))
        try:
            wait_screen(resized, lambda s: _body(s) == expected,
                        f"the resized screen to be the fresh one at {size}")
        except AssertionError:
            diff = "\n".join(difflib.unified_diff(expected, _body(screen(resized)),
                                                  "fresh", "resized", lineterm=""))
            raise AssertionError(
                f"resized screen differs from a fresh start:\n{diff}") from None
    finally:
        stop(resized)


def test_quitting_after_a_resize_gives_the_terminal_back_as_it_was(tmp_path: Path) -> None:
    """Issue 21: started at 100x30, resized to 120x40, quit: tmux re-flowed the app's
    wide lines into the shell's screen (ten lines of the last frame above the prompt)."""
    name, exit_file = start(f"{LOBSTR_TUI} --demo", tmp_path,
                            env=f"XDG_CONFIG_HOME={tmp_path}", size=(100, 30))
    try:
        wait_screen(name, lambda s: "Google Maps FR" in s and "live" in s, "the monitor")
        tmux("resize-window", "-t", name, "-x", "120", "-y", "40")

        def redrawn(text: str) -> bool:
            lines = text.rstrip("\n").splitlines()
            return len(lines) == 40 and "Quit" in lines[-1] and "Google Maps FR" in text

        wait_screen(name, redrawn, "the app redrawn at 120x40")
        tmux("send-keys", "-t", name, "q")
        assert wait_file(exit_file) == "0"
        # The pane was blank when the command started: it is blank again, history too.
        left = [line for line in screen(name, history=True).splitlines() if line.strip()]
        assert left == [], "lines of the app left in the terminal:\n" + "\n".join(left)
    finally:
        stop(name)


def test_the_demo_downloads_outside_the_current_folder(tmp_path: Path) -> None:
    """Issue 21: ``make demo`` runs in the repository, and ``d`` saved the CSV there (it
    showed in ``git status``). The demo saves under the temp dir and says where."""
    repo, temp = tmp_path / "repo", tmp_path / "tmp"
    repo.mkdir()
    temp.mkdir()
    name, exit_file = start(f"sh -c 'cd {repo} && exec {LOBSTR_TUI} --demo'", tmp_path,
                            env=f"TMPDIR={temp} XDG_CONFIG_HOME={tmp_path}")
    try:
        wait_screen(name, lambda s: "last_page_reached" in s and "live" in s,
                    "the first squid's done runs")
        tmux("send-keys", "-t", name, "Tab")
        tmux("send-keys", "-t", name, "j")
        wait_screen(name, lambda s: re.search(r"run \w+ · ✓ done", s) is not None,
                    "a done run selected")
        tmux("send-keys", "-t", name, "d")
        saved: list[Path] = []

        def downloaded(_: str) -> bool:
            saved[:] = list(temp.glob("lobstr-tui-demo-*/*.csv"))
            return bool(saved)

        wait_screen(name, downloaded, "the CSV under the temp dir")
        wait_screen(name, lambda s: "saved" in s, "the download said saved")
        tmux("send-keys", "-t", name, "q")
        assert wait_file(exit_file) == "0"
        assert list(repo.iterdir()) == [], "nothing in the current folder"
        said = "".join(screen(name, history=True).splitlines())  # the long line wraps
        assert f"the demo's downloads are in {saved[0].parent}" in said
    finally:
        stop(name)
