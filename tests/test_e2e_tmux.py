"""End to end in a real terminal: tmux runs the installed `lobstr-tui --demo`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

LOBSTR_TUI = Path(sys.executable).with_name("lobstr-tui")


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=20,
                          check=False)
    return done.stdout


@pytest.fixture
def session(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: .ci/run installs it (apt-get install tmux)")
    name = f"lobstr-e2e-{uuid.uuid4().hex[:8]}"
    exit_file = tmp_path / "exit-code"
    # Textual draws on stderr, so it stays on the terminal; what the app prints after
    # it leaves the alternate screen stays in the pane's history.
    command = (f"env -u COLUMNS -u LINES TZ=UTC TERM=xterm-256color {LOBSTR_TUI} --demo; "
               f"echo $? > {exit_file}; sleep 30")
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40",
                    command], check=True, timeout=20)
    subprocess.run(["tmux", "resize-window", "-t", name, "-x", "120", "-y", "40"],
                   check=False, timeout=20, capture_output=True)
    try:
        yield name, tmp_path
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True,
                       timeout=20, check=False)


def wait_screen(name: str, check: Callable[[str], bool], what: str,
                limit: float = 20.0) -> str:
    deadline = time.monotonic() + limit
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", name)
        if check(screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; screen was:\n{screen}")


def test_demo_launch_through_confirm_and_quit(session: tuple[str, Path]) -> None:
    name, folder = session
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
    screen = wait_screen(name, lambda s: "launched run" in s, "the launch in the log")
    launched = screen.split("launched run ", 1)[1][:6]
    wait_screen(name, lambda s: f"{launched}…" in s, "the new run in the table")
    tmux("send-keys", "-t", name, "q")
    exit_file = folder / "exit-code"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not exit_file.exists():
        time.sleep(0.2)
    assert exit_file.exists(), "the app did not exit after q"
    assert exit_file.read_text().strip() == "0"
    history = tmux("capture-pane", "-p", "-S", "-2000", "-t", name)
    assert "Traceback" not in history and "Error" not in history
