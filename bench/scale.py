"""Scale: the `large` scenario (2,000 squids, one squid with 5,000 runs) and a flood of
log events. Time to first frame (process start, in tmux), key press → handled latency
p50/p95 for cursor moves, filter typing and switching squids (Pilot, in-process), RSS,
and 100k derived events into the log panel (time, extra memory).

    python -m bench.scale --squids 2000 --runs 5000 --events 100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from textual import events
from textual.widgets import Input

from bench.common import TOKEN, percentile, rss_mb, simulator
from bench.startup import time_to_first_frame
from lobstr_tui.api import LobstrClient
from lobstr_tui.launch import build_scheduler
from lobstr_tui.monitor import Event, EventKind
from lobstr_tui.sim import SimServer, build
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.widgets.runs_table import RunsTable
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.tabs.event_log import EventLog


async def key_latency(app: LobstrApp, key: str, changed: object) -> float:
    """Seconds from a key event reaching the app to ``changed()`` becoming true and the
    screen having been painted after it."""
    started = time.perf_counter()
    character = " " if key == "space" else (key if len(key) == 1 else None)
    app.post_message(events.Key(key, character))
    for _ in range(20000):  # bounded: 10 s
        if callable(changed) and changed():
            break
        await asyncio.sleep(0.0005)
    painted = asyncio.Event()
    app.call_after_refresh(painted.set)  # the repaint that the change scheduled
    await asyncio.wait_for(painted.wait(), 10.0)
    return time.perf_counter() - started


async def interactive(server: SimServer, presses: int) -> dict[str, float]:
    """Latencies and RSS of the app (in this process) on the large account."""
    app = LobstrApp(build_scheduler(LobstrClient(TOKEN, server.base_url, timeout=10.0)))
    async with app.run_test(size=(120, 40)) as pilot:
        options = app.query_one(SquidList).options
        total = len(server.world.squids)
        for _ in range(600):
            if options.option_count >= total:
                break
            await pilot.pause(0.05)
        await pilot.pause(1.0)
        moves: list[float] = []
        for index in range(presses):
            before = options.highlighted
            key = "j" if index % 10 < 8 else "k"
            moves.append(await key_latency(app, key, lambda b=before: options.highlighted != b))
        await pilot.press("slash")
        box = app.query_one("#squid-filter", Input)
        typing: list[float] = []
        names = [squid.name.lower() for squid in server.world.squids.values()]
        typed = ""
        for char in "squid 01":
            # Handled = the list shows exactly the squids that match what is typed.
            typed += char
            matches = sum(typed.strip() in name for name in names)
            typing.append(await key_latency(
                app, "space" if char == " " else char,
                lambda t=typed, m=matches: box.value == t and options.option_count == m))
        await pilot.press("escape")
        await pilot.pause(0.5)
        options.focus()
        switches: list[float] = []
        for _ in range(max(3, presses // 10)):
            before = app.snapshot.selected_squid_id
            switches.append(await key_latency(
                app, "j", lambda b=before: app.snapshot.selected_squid_id != b))
            await pilot.pause(0.2)
        runs_shown_s, oldest_s, oldest_requests = await end_to_oldest(app, server)
        rss = rss_mb()
    return {
        "cursor_p50_ms": round(percentile(moves, 0.5) * 1000, 1),
        "cursor_p95_ms": round(percentile(moves, 0.95) * 1000, 1),
        "filter_p50_ms": round(percentile(typing, 0.5) * 1000, 1),
        "filter_p95_ms": round(percentile(typing, 0.95) * 1000, 1),
        "switch_p50_ms": round(percentile(switches, 0.5) * 1000, 1),
        "switch_p95_ms": round(percentile(switches, 0.95) * 1000, 1),
        "squid_to_its_runs_s": round(runs_shown_s, 3),
        "end_to_oldest_s": round(oldest_s, 3),
        "end_to_oldest_runs_requests": oldest_requests,
        "rss_mb_app_and_sim": round(rss, 1),
    }


async def end_to_oldest(app: LobstrApp, server: SimServer) -> tuple[float, float, int]:
    """Moving to the squid with the long history, timed until its newest runs are on
    screen (the cursor rests, then they are read); then End, timed until the oldest run
    has the cursor (and is painted), with the ``runs`` requests it took (the simulator's
    log)."""
    world = server.world
    big = max(world.squids.values(), key=lambda squid: len(squid.run_ids))
    oldest = min(big.run_ids, key=lambda run_id: world.runs[run_id].created_at)
    options = app.query_one(SquidList).options
    options.focus()
    table = app.query_one(RunsTable)
    started = time.perf_counter()
    options.highlighted = options.get_option_index(big.id)
    for _ in range(6000):  # bounded: the newest page of its runs on screen
        if app.snapshot.selected_squid_id == big.id and table.row_count >= 50:
            break
        await asyncio.sleep(0.005)
    shown = time.perf_counter() - started
    table.focus()
    await asyncio.sleep(0.1)
    mark = len(server.log)
    elapsed = await key_latency(app, "end", lambda: table.cursor_run_id == oldest)
    requests = sum(1 for entry in list(server.log)[mark:] if entry.path == "runs")
    return shown, elapsed, requests


async def log_flood(count: int) -> dict[str, float]:
    """``count`` events into the log panel: seconds and extra MB."""
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    made = [Event(at, EventKind.PROGRESS, f"run 3f2a1b tasks {i}/50 · {i:,} results")
            for i in range(count)]
    with simulator(build("empty", seed=1)) as server:
        app = LobstrApp(build_scheduler(LobstrClient(TOKEN, server.base_url)))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            log = app.query_one(EventLog)
            before = rss_mb()
            started = time.perf_counter()
            for chunk in range(0, count, 1000):
                log.add(made[chunk:chunk + 1000])
                if chunk % 5000 == 0:
                    log.flush()
                    await pilot.pause(0)
            log.flush()
            await pilot.pause(0)
            elapsed = time.perf_counter() - started
            extra = rss_mb() - before
    return {"events": count, "seconds": round(elapsed, 3), "extra_mb": round(extra, 1)}


def run(squids: int = 2000, runs: int = 5000, events_count: int = 100_000,
        presses: int = 60) -> dict[str, object]:
    """Every scale figure."""
    world = build("large", seed=1, squids=squids, runs=runs)
    with tempfile.TemporaryDirectory() as folder, simulator(world) as server:
        first = time_to_first_frame(server, Path(folder), "Squid 00", limit=60.0)
        latency = asyncio.run(interactive(server, presses))
    flood = asyncio.run(log_flood(events_count))
    return {"squids": squids, "runs_on_one_squid": runs, "first_frame_s": round(first, 3),
            **latency, "log_flood": flood}


def main() -> int:
    parser = argparse.ArgumentParser(description="scale benchmark")
    parser.add_argument("--squids", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--presses", type=int, default=60)
    args = parser.parse_args()
    print(json.dumps(run(args.squids, args.runs, args.events, args.presses), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
