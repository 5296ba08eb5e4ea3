"""Soak: the real app (headless) against an accelerated, faulty simulator for a while.

20 squids, 10 active runs, pauses and faults sprinkled; the app is driven from squid to
squid. Reports RSS at start and end, asyncio tasks, threads, requests sent and errors.

    python bench/soak.py --seconds 600          # prints a table and one JSON line
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from lobstr_tui.api import LobstrClient
from lobstr_tui.launch import build_scheduler
from lobstr_tui.monitor import PollPolicy
from lobstr_tui.sim import FaultPlan, SimServer, World
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.widgets.squid_list import SquidList

FAULTS = ("*:status=503@0.02;*:html@0.01;runs/:malformed@0.01;squids:latency=0.3@0.05;"
          "runs:hang=12@0.003;*:ratelimit=2@0.005")
WARMUP_SECONDS = 5.0


@dataclass
class SoakResult:
    """What a soak measured."""

    seconds: float
    rss_start_mb: float
    rss_end_mb: float
    rss_peak_mb: float
    tasks_start: int
    tasks_end: int
    threads_start: int
    threads_end: int
    requests_sent: int
    errors_seen: int
    faults_injected: int
    log_lines: int
    squid_switches: int


def rss_mb() -> float:
    """Resident memory of this process, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def soak_world(seed: int = 7, speed: float = 20.0) -> World:
    """20 squids with history, 10 of them running (some will pause), on a fast clock."""
    from datetime import timedelta

    world = World(seed=seed, speed=speed)
    for index in range(20):
        squid = world.add_squid(
            f"Soak squid {index + 1:02d}", "Google Maps Search Export",
            tasks=[({"url": f"https://maps.example/{index}/{t}"}, 30 + t)
                   for t in range(12)],
            concurrency=1, end_mode="all_tasks" if index % 4 == 0 else "no_credit",
            schedule_every=120.0 if index % 3 == 0 else None,
            next_launch_at=world.now + timedelta(seconds=30))
        for n in range(5):
            world.add_history_run(squid, status="done", done_reason="tasks_done",
                                  started_at=world.now - timedelta(days=n + 1), duration=300)
        if index < 10:
            run = world.start_run(squid.id)
            if index % 3 == 0:
                world.plan_pause(run, after_tasks=2 + index % 5, reason="request_failed",
                                 resume_after=60.0)
            if index % 5 == 1:
                world.plan_pause(run, after_tasks=4, reason="cookies_expired",
                                 resume_after=90.0)
    world.account.available = 1e9
    return world


async def soak(seconds: float, *, faults: str = FAULTS) -> SoakResult:
    """Run the soak and return its figures."""
    world = soak_world()
    plan = FaultPlan(seed=7)
    plan.add(faults)
    policy = PollPolicy(stats_every=2.0, active_runs_every=4.0, quiet_runs_every=15.0,
                        squids_every=10.0, credits_every=10.0, tasks_min_every=6.0,
                        balance_every=30.0, backoff_cap=20.0)
    with SimServer(world, token="soak", faults=plan, rate_limits={}) as server:
        client = LobstrClient("soak", server.base_url, timeout=5.0)
        app = LobstrApp(build_scheduler(client, policy=policy, seed=7))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(WARMUP_SECONDS)
            rss_start, peak = rss_mb(), rss_mb()
            tasks_start = len(asyncio.all_tasks())
            threads_start = threading.active_count()
            started = time.monotonic()
            switches = 0
            options = app.query_one(SquidList).options
            while time.monotonic() - started < seconds:
                await pilot.pause(3.0)
                options.focus()
                await pilot.press("j" if switches % 7 else "home")
                switches += 1
                peak = max(peak, rss_mb())
            result = SoakResult(
                seconds=round(time.monotonic() - started, 1),
                rss_start_mb=round(rss_start, 1), rss_end_mb=round(rss_mb(), 1),
                rss_peak_mb=round(peak, 1),
                tasks_start=tasks_start, tasks_end=len(asyncio.all_tasks()),
                threads_start=threads_start, threads_end=threading.active_count(),
                requests_sent=app.scheduler.requests_sent,
                errors_seen=app.scheduler.errors_seen,
                faults_injected=plan.injected,
                log_lines=app.query_one("#log").line_count,  # type: ignore[attr-defined]
                squid_switches=switches,
            )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    os.environ.setdefault("TZ", "UTC")
    result = asyncio.run(soak(args.seconds))
    for key, value in asdict(result).items():
        print(f"{key:>16}: {value}")
    print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
