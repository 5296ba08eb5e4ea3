"""Idle cost: the monitor in tmux at 120x40 for a while, CPU % of one core and RSS from
/proc; once with nothing active, once watching the demo's running run with the demo at
``--speed 4`` (its run moves four times as fast: more changes to show).

    python -m bench.idle --seconds 60
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.common import cpu_seconds, live_monitor, rss_mb, simulator
from bench.terminal import app_pid
from lobstr_tui.sim import World, build


def quiet_demo() -> World:
    """The demo with every active run finished: nothing moves."""
    world = build("demo", seed=1)
    for run in world.runs.values():
        if run.is_active:
            run.status, run.done_reason = "done", "tasks_done"
    for squid in world.squids.values():
        squid.schedule_every = None
    return world


def measure(world: World, seconds: float) -> dict[str, float]:
    """CPU % of one core and RSS of the monitor process over ``seconds``."""
    with (tempfile.TemporaryDirectory() as folder, simulator(world) as server,
          live_monitor(server, Path(folder)) as name):
        time.sleep(3.0)  # let the first polls and layout settle
        pid = app_pid(name)
        cpu_start, started = cpu_seconds(pid), time.monotonic()
        time.sleep(seconds)
        cpu = cpu_seconds(pid) - cpu_start
        elapsed = time.monotonic() - started
        rss = rss_mb(pid)
    return {"cpu_percent": round(100 * cpu / elapsed, 2), "rss_mb": round(rss, 1),
            "seconds": round(elapsed, 1)}


def run(seconds: float = 60.0) -> dict[str, dict[str, float]]:
    """Nothing active, then one running run selected (demo at speed 4)."""
    return {"nothing_active": measure(quiet_demo(), seconds),
            "watching_running_run_speed_4": measure(build("demo", seed=1, speed=4.0),
                                                    seconds)}


def main() -> int:
    parser = argparse.ArgumentParser(description="idle cost benchmark")
    parser.add_argument("--seconds", type=float, default=60.0)
    print(json.dumps(run(parser.parse_args().seconds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
