"""Running the polling floor (``bench.poll_floor``) beside the monitor: every GET the
monitor's simulator answers is passed on, as it comes, to the floor, which sends it to its
own simulator (built from the same world, so the same ids answer)."""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import cpu_seconds, monitor_env, simulator
from bench.terminal import app_pid, start, stop, wait_screen
from lobstr_tui.sim import SimServer, World


@dataclass
class Floor:
    """The floor's process and its simulator (whose log counts its answers)."""

    pid: int
    server: SimServer

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def answers(self) -> int:
        return len(self.server.log)


def _tap(server: SimServer, lines: queue.SimpleQueue[str]) -> None:
    """Copy each API GET ``server`` answers (path and query) into ``lines``."""
    serve = server.serve

    def tapped(handler: object) -> None:
        path = getattr(handler, "path", "")
        if getattr(handler, "command", "") == "GET" and path.startswith("/v1/"):
            lines.put(path)
        serve(handler)  # type: ignore[arg-type]

    server.serve = tapped  # type: ignore[method-assign]


def _write(fifo: Path, lines: queue.SimpleQueue[str]) -> None:
    try:
        with open(fifo, "w", encoding="utf-8") as feed:  # waits for the floor to open it
            while (line := lines.get()) != "":
                feed.write(line + "\n")
                feed.flush()
    except BrokenPipeError:  # the floor was stopped: nothing more to pass on
        pass


def floor_figures(cpu: float, answers: int, seconds: float, app_cpu: float
                  ) -> dict[str, float]:
    """The floor's CPU over ``seconds``, per answer, and the app's CPU over the floor's
    (0 when the floor used no CPU /proc could count, in a very short run)."""
    return {"floor_cpu_percent": round(100 * cpu / seconds, 2),
            "floor_requests_per_min": round(60 * answers / seconds, 1),
            "floor_cpu_ms_per_answer": round(1000 * cpu / max(answers, 1), 1),
            "ratio_app_to_floor": round(app_cpu / cpu, 2) if cpu else 0.0}


@contextmanager
def floor_beside(app_server: SimServer, world: World, home: Path) -> Iterator[Floor]:
    """The floor in its own 120x40 tmux session, fed the GETs ``app_server`` answers
    from now on, against a simulator of ``world``."""
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()
    fifo = home / "floor.fifo"
    os.mkfifo(fifo)
    _tap(app_server, lines)
    writer = threading.Thread(target=_write, args=(fifo, lines), daemon=True)
    writer.start()
    with simulator(world) as server:
        env = f"{monitor_env(server, home)} FLOOR_FEED={fifo}"
        command = f"{sys.executable} {Path(__file__).with_name('poll_floor.py')}"
        name, _ = start(command, home, env=env)
        try:
            wait_screen(name, lambda s: "live" in s, "the polling floor")
            yield Floor(app_pid(name), server)
        finally:
            lines.put("")
            stop(name)
