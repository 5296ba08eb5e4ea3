"""Bytes written to the terminal: the installed monitor in a pseudo-terminal of its own
(120x40), every byte it writes counted, and the screen replayed with ``pyte`` to count the
cells that changed. Once watching the demo's running run at real pace (speed 1), once with
nothing active. Beside each: the floor, the changed cells themselves (a cell's character
and style, plus a cursor move per changed run of cells).

    python -m bench.tty_bytes --seconds 60
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import struct
import subprocess
import tempfile
import termios
import time

import pyte

from bench.common import LOBSTR_TUI, TOKEN, bench_main, simulator
from bench.idle import quiet_demo
from lobstr_tui.sim import World, build

SIZE = (120, 40)
MARKER = "Google Maps FR"
# What the floor counts for one changed cell (its character and a colour change, about
# 10 bytes in 256 colours) and for each run of changed cells (a cursor move, 8 bytes).
FLOOR_CELL, FLOOR_MOVE = 10, 8


class Terminal:
    """A pseudo-terminal the app writes to, and a pyte screen that replays it."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                                        env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self.screen = pyte.Screen(*SIZE)
        self.stream = pyte.ByteStream(self.screen)
        self.bytes = 0
        self.writes = 0
        self.changed = 0
        self.runs = 0

    def text(self) -> str:
        """The screen's text now."""
        return "\n".join(self.screen.display)

    def pump(self, seconds: float) -> None:
        """Read what the app writes for ``seconds``, replaying it and counting."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            before = self._cells()
            self.stream.feed(data)
            self._count(before, self._cells())
            self.bytes += len(data)
            self.writes += 1

    def wait_for(self, text: str, limit: float = 30.0) -> None:
        """Pump until ``text`` is on the screen."""
        deadline = time.monotonic() + limit
        while text not in self.text():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{text!r} never appeared:\n{self.text()}")
            self.pump(0.1)

    def reset_counts(self) -> None:
        self.bytes = self.writes = self.changed = self.runs = 0

    def _cells(self) -> list[list[tuple[object, ...]]]:
        buffer = self.screen.buffer
        return [[tuple(buffer[y][x]) for x in range(SIZE[0])] for y in range(SIZE[1])]

    def _count(self, before: list[list[tuple[object, ...]]],
               after: list[list[tuple[object, ...]]]) -> None:
        for old_row, new_row in zip(before, after, strict=True):
            if old_row == new_row:
                continue
            inside = False
            for old, new in zip(old_row, new_row, strict=True):
                if old != new:
                    self.changed += 1
                    if not inside:
                        self.runs += 1
                    inside = True
                else:
                    inside = False

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 15)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
        os.close(self.master)


def measure(world: World, seconds: float, warm_up: float = 5.0,
            command: list[str] | None = None) -> dict[str, float]:
    """Bytes and changed cells a minute over ``seconds``, after ``warm_up`` on screen."""
    with tempfile.TemporaryDirectory() as folder, simulator(world) as server:
        env = {**os.environ, "LOBSTR_TOKEN": TOKEN, "LOBSTR_API_BASE": server.base_url,
               "XDG_CONFIG_HOME": folder, "TERM": "xterm-256color", "TZ": "UTC"}
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        terminal = Terminal(command or [str(LOBSTR_TUI)], env)
        try:
            terminal.wait_for(MARKER)
            terminal.pump(warm_up)
            terminal.reset_counts()
            started = time.monotonic()
            terminal.pump(seconds)
            elapsed = time.monotonic() - started
        finally:
            terminal.close()
    per_min = 60 / elapsed
    floor = (terminal.changed * FLOOR_CELL + terminal.runs * FLOOR_MOVE) * per_min
    return {
        "kib_per_min": round(terminal.bytes * per_min / 1024, 2),
        "writes_per_min": round(terminal.writes * per_min, 1),
        "changed_cells_per_min": round(terminal.changed * per_min, 1),
        "bytes_per_changed_cell": round(terminal.bytes / max(terminal.changed, 1), 1),
        "floor_kib_per_min": round(floor / 1024, 2),
        "seconds": round(elapsed, 1),
    }


def run(seconds: float = 60.0, warm_up: float = 20.0) -> dict[str, dict[str, float]]:
    """A running run watched at real pace, then nothing active."""
    return {"watching_running_run_speed_1": measure(build("demo", seed=1), seconds,
                                                    warm_up),
            "nothing_active": measure(quiet_demo(), seconds, warm_up)}


def main() -> int:
    return bench_main("terminal bytes benchmark", run, seconds=(float, 60.0),
                      warm_up=(float, 20.0))


if __name__ == "__main__":
    raise SystemExit(main())
