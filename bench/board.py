"""The board with 10 active runs: the installed monitor started on the board (``--board``)
in tmux at 120x40, default budget, against a simulator where ten squids each have a run
going. CPU % of one core (from /proc), requests a minute (the simulator's log), and the
oldest age any row showed (read off the screen's Age column twice a second). Beside it,
the floor (``bench.poll_floor``): the same GETs at the same moments, parsed and shown in
plain Textual widgets, with our code removed.

    python -m bench.board --seconds 60     # after three minutes on the board
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from bench.common import LOBSTR_TUI, cpu_seconds, monitor_env, rss_mb, simulator
from bench.floor_feed import floor_beside, floor_figures
from bench.terminal import app_pid, screen, start, stop, wait_screen
from lobstr_tui.sim import World

ACTIVE = 10
AGE = re.compile(r"(\d+)([smh])\s*$")
UNIT = {"s": 1, "m": 60, "h": 3600}


def busy_world(active: int = ACTIVE) -> World:
    """``active`` squids with a long run going each (hours of tasks at speed 1)."""
    world = World(seed=3)
    for index in range(active):
        squid = world.add_squid(
            f"Board squid {index + 1:02d}", "Google Maps Search Export",
            tasks=[({"url": f"https://maps.example/{index}/{t}"}, 400) for t in range(300)],
            concurrency=1)
        world.start_run(squid.id)
    world.account.available = 1e9
    return world


def row_ages(text: str) -> dict[str, int]:
    """Each board row's age in seconds, by squid name, from the screen's text."""
    ages: dict[str, int] = {}
    for line in text.splitlines():
        name = re.search(r"Board squid \d+", line)
        age = AGE.search(line.rstrip(" │┃|"))
        if name and age:
            ages[name.group()] = int(age.group(1)) * UNIT[age.group(2)]
    return ages


def run(seconds: float = 60.0, active: int = ACTIVE, warm_up: float = 180.0
        ) -> dict[str, float]:
    """CPU, requests a minute and the oldest row age over ``seconds`` on the board, after
    ``warm_up`` seconds on it (whose oldest row age is reported too)."""
    world = busy_world(active)
    with (tempfile.TemporaryDirectory() as folder, simulator(world) as server,
          floor_beside(server, busy_world(active), Path(folder)) as floor):
        home = Path(folder)
        opened = time.monotonic()
        name, _ = start(f"{LOBSTR_TUI} --board", home, env=monitor_env(server, home))
        try:
            pid = app_pid(name)
            wait_screen(name, lambda s: f"Active runs ({active})" in s and len(
                row_ages(s)) == active, "the board with every run", limit=60.0)
            all_rows = time.monotonic() - opened
            # The first minutes: every run's first reads and status changes, and the
            # start-up's requests in the budget's window (tests/monitor/test_budget.py measures
            # after six). Their worst row age is reported on its own, and the first
            # minute's CPU and requests.
            warm_worst = 0
            first_minute: tuple[float, int] | None = None
            warm_end = time.monotonic() + warm_up
            while time.monotonic() < warm_end:
                warm_worst = max([warm_worst, *row_ages(screen(name)).values()])
                if first_minute is None and time.monotonic() - opened >= 60.0:
                    first_minute = (cpu_seconds(pid), len(server.log))
                time.sleep(0.5)
            cpu_start, started = cpu_seconds(pid), time.monotonic()
            floor_start, floor_answers_start = floor.cpu(), floor.answers()
            first_request = len(server.log)
            worst = 0
            rows_seen = 0
            while time.monotonic() - started < seconds:
                ages = row_ages(screen(name))
                rows_seen = max(rows_seen, len(ages))
                worst = max([worst, *ages.values()])
                time.sleep(0.5)
            elapsed = time.monotonic() - started
            cpu = cpu_seconds(pid) - cpu_start
            floor_cpu = floor.cpu() - floor_start
            floor_answers = floor.answers() - floor_answers_start
            requests = len(server.log) - first_request
            rss = rss_mb(pid)
        finally:
            stop(name)
        log = list(server.log)
    instants = [entry.at for entry in log]
    busiest_5_min = max((sum(1 for s in instants if t - 300.0 < s <= t) for t in instants),
                        default=0)
    figures: dict[str, float] = {
        "active_runs": active, "rows_seen": rows_seen,
        "cpu_percent": round(100 * cpu / elapsed, 2),
        "requests_per_min": round(60 * requests / elapsed, 1),
        "cpu_ms_per_answer": round(1000 * cpu / max(requests, 1), 1),
        "worst_row_age_s": worst, "warm_up_worst_row_age_s": warm_worst,
        "every_row_on_screen_after_s": round(all_rows, 1),
        "busiest_5_min_requests_per_min": round(busiest_5_min / 5, 1),
        "http_429": sum(1 for entry in log if entry.status == 429),
        **floor_figures(floor_cpu, floor_answers, elapsed, cpu),
        "rss_mb": round(rss, 1), "seconds": round(elapsed, 1), "warm_up_s": warm_up}
    if first_minute is not None:
        figures["first_minute_cpu_percent"] = round(100 * first_minute[0] / 60.0, 2)
        figures["first_minute_requests"] = first_minute[1]
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description="board benchmark")
    parser.add_argument("--seconds", type=float, default=60.0)
    print(json.dumps(run(parser.parse_args().seconds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
