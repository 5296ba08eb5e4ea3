"""Alerts read from the real app in a pseudo-terminal: the bell and the OSC desktop
notification bytes it writes (wrapped for tmux when TMUX is set), and --notify-cmd's JSON.

The simulator's world is steered in-process: the selected run pauses while the app
watches, so the pause is an alert (a state found at start never is).
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from bench.terminal import LOBSTR_TUI
from lobstr_tui.sim import SimServer, World
from tests.conftest import TOKEN

PAUSE_REASON = "cookies_expired"
FAST_BUDGET = ["--budget", "300"]
"""These tests are about the channels, not the budget (test_budget.py): with the default
30 requests a minute, the first minute's discovery of every squid's run can delay the
selected squid's runs list, and with it the pause, by up to a minute."""


class Terminal:
    """The installed command on a pseudo-terminal; everything it writes is kept."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        # A real terminal's size (a fresh pty has none): 120x40.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        os.set_blocking(self.master, False)
        self.proc = subprocess.Popen([str(LOBSTR_TUI), *args], stdin=slave, stdout=slave,
                                     stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.data = b""

    def read_until(self, wanted: bytes, limit: float = 60.0) -> bytes:
        deadline = time.monotonic() + limit
        while wanted not in self.data and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.data += os.read(self.master, 65536)
                except OSError:
                    break
        if wanted not in self.data:
            raise AssertionError(f"{wanted!r} never written; last bytes: {self.data[-400:]!r}")
        return self.data

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        os.close(self.master)


def _env(server: SimServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TMUX", "TERM_PROGRAM", "KITTY_WINDOW_ID", "LC_TERMINAL",
                        "COLUMNS", "LINES")}
    env.update(LOBSTR_TOKEN=TOKEN, LOBSTR_API_BASE=server.base_url, TERM="xterm-256color",
               XDG_CONFIG_HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path), TZ="UTC",
               **extra)
    return env


def _running_run(world: World) -> str:
    squid = next(s for s in world.squids.values() if s.name == "Google Maps FR restaurants")
    return squid.run_ids[0]


@pytest.mark.parametrize("tmux", [False, True], ids=["plain", "tmux"])
def test_pause_rings_the_bell_and_notifies_the_desktop(world: World, tmp_path: Path,
                                                       tmux: bool) -> None:
    out = tmp_path / "alerts.jsonl"
    with SimServer(world, token=TOKEN) as server:
        env = _env(server, tmp_path, **({"TMUX": "/tmp/tmux-0/default,1,0"} if tmux else {}))
        term = Terminal(["--notify", "desktop", "--notify-cmd", f"cat >> {out}",
                         *FAST_BUDGET], env)
        try:
            term.read_until(b"Google Maps FR")
            term.read_until(b"live")
            # The running run is seen running (its progress has an ETA) before it pauses:
            # a pause that came before the first look would be the state found at start.
            term.read_until(b"ETA")
            before = len(term.data)
            world.pause_run(_running_run(world), PAUSE_REASON, "session expired")
            osc = b"\x1bPtmux;\x1b\x1b]777;notify;" if tmux else b"\x1b]777;notify;"
            data = term.read_until(osc)[before:]
            assert b"\a" in data, "the bell rang for the pause"
            notice = data[data.index(osc):]
            assert PAUSE_REASON.encode() in notice.split(b"\a")[0], "the body names the reason"
            if tmux:
                assert notice.split(b"\x1b\\")[0].count(b"\x1b\x1b") >= 1, "ESC doubled"
            deadline = time.monotonic() + 30
            while (not out.exists() or not out.read_text().strip()) and (
                    time.monotonic() < deadline):
                time.sleep(0.1)
            events = [json.loads(line) for line in out.read_text().splitlines()]
            paused = [e for e in events if e["event"] == "run.paused"]
            assert len(paused) == 1
            assert paused[0]["run"]["done_reason"] == PAUSE_REASON
            assert paused[0]["squid"]["name"] == "Google Maps FR restaurants"
            assert TOKEN not in out.read_text()
        finally:
            term.close()
        assert TOKEN.encode() not in term.data


def test_no_alert_for_the_state_found_at_start(world: World, tmp_path: Path) -> None:
    out = tmp_path / "alerts.jsonl"
    with SimServer(world, token=TOKEN) as server:
        term = Terminal(["--notify-cmd", f"cat >> {out}", *FAST_BUDGET],
                        _env(server, tmp_path))
        try:
            term.read_until(b"LinkedIn leads")  # a squid whose run is paused at start
            term.read_until(b"live")
            # The running run is seen running (its progress has an ETA) before it pauses:
            # a pause that came before the first look would be the state found at start.
            term.read_until(b"ETA")
            # An alert written later (a pause now) proves the command works; the paused
            # run found at start must not be among the alerts.
            world.pause_run(_running_run(world), PAUSE_REASON)
            deadline = time.monotonic() + 60
            while (not out.exists() or "run.paused" not in out.read_text()) and (
                    time.monotonic() < deadline):
                time.sleep(0.1)
            events = [json.loads(line) for line in out.read_text().splitlines()]
            assert [e["squid"]["name"] for e in events if e["event"] == "run.paused"] == [
                "Google Maps FR restaurants"]
        finally:
            term.close()
