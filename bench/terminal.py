"""Driving the installed command in a real terminal with tmux (tests and benchmarks)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

LOBSTR_TUI = Path(sys.executable).with_name("lobstr-tui")


def tmux(*args: str) -> str:
    """Run a tmux command and return what it printed."""
    done = subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=20,
                          check=False)
    return done.stdout


def start(command: str, folder: Path, env: str = "", *, size: tuple[int, int] = (120, 40),
          ) -> tuple[str, Path]:
    """Start ``command`` in a new 120x40 tmux session; its exit code goes to a file."""
    if shutil.which("tmux") is None:
        raise RuntimeError("tmux is not installed: .ci/run installs it (apt-get install tmux)")
    name = f"lobstr-test-{uuid.uuid4().hex[:8]}"
    exit_file = folder / f"{name}.exit"
    # pytest exports COLUMNS/LINES; the app must see the real terminal's size.
    shell = (f"env -u COLUMNS -u LINES TZ=UTC TERM=xterm-256color {env} {command}; "
             f"echo $? > {exit_file}; sleep 30")
    command_line = ["tmux", "new-session", "-d", "-s", name, "-x", str(size[0]), "-y",
                    str(size[1]), shell]
    # Right after the last session was killed the tmux server may still be exiting and
    # refuse a new session: try again a few times before giving up.
    for attempt in range(6):
        done = subprocess.run(command_line, capture_output=True, text=True, timeout=20,
                              check=False)
        if done.returncode == 0:
            break
        if attempt == 5:
            raise RuntimeError(f"tmux new-session failed: {done.stderr.strip()}")
        time.sleep(0.3)
    return name, exit_file


def stop(name: str) -> None:
    """Kill a session (no error if it is gone)."""
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True, timeout=20,
                   check=False)


def stop_and_wait(name: str, limit: float = 10.0) -> None:
    """Kill a session and wait (at most ``limit`` seconds) until the program its pane's
    shell runs has exited: a program still exiting takes CPU from the next one
    measured."""
    shell_pid = subprocess.run(["tmux", "display", "-p", "-t", name, "#{pane_pid}"],
                               capture_output=True, text=True, check=False).stdout.strip()
    pids = subprocess.run(["pgrep", "-P", shell_pid], capture_output=True, text=True,
                          check=False).stdout.split() if shell_pid else []
    stop(name)
    deadline = time.monotonic() + limit
    while pids and time.monotonic() < deadline:
        pids = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
        time.sleep(0.02)


def screen(name: str, history: bool = False) -> str:
    """The pane's text, optionally with its scrollback."""
    if history:
        return tmux("capture-pane", "-p", "-S", "-2000", "-t", name)
    return tmux("capture-pane", "-p", "-t", name)


def wait_screen(name: str, check: Callable[[str], bool], what: str,
                limit: float = 20.0) -> str:
    """Poll the pane until ``check`` accepts it; fail with the screen after ``limit``."""
    deadline = time.monotonic() + limit
    text = ""
    while time.monotonic() < deadline:
        text = screen(name)
        if check(text):
            return text
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; screen was:\n{text}")


def wait_file(path: Path, limit: float = 15.0) -> str:
    """Wait for a file to appear and return its text."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.1)
    raise AssertionError(f"{path.name} never appeared")


def app_pid(name: str) -> int:
    """The pid of the program the pane's shell runs."""
    shell_pid = tmux("display", "-p", "-t", name, "#{pane_pid}").strip()
    for _ in range(50):
        done = subprocess.run(["pgrep", "-P", shell_pid], capture_output=True, text=True,
                              check=False)
        children = done.stdout.split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise AssertionError("the app process was not found")
