"""A day simulated: the real app (headless) for 24 hours of fake time, 10 runs cycling.

The issue's target: "24 h simulated (fake clock, 10 active runs cycling): RSS growth
<= 10 MB, asyncio tasks flat". The app is ``LobstrApp`` at 120x40 under ``run_test``
with the default poll policy (30 requests a minute); its scheduler runs on a
:class:`~tests.fake_clock.FakeClock` whose wall time is the simulated world's manual
clock, so runs progress exactly as much as the scheduler's time passes. The app's own
one-second UI tick and Textual's repaints use real time (they only redraw).

The simulator runs in a child process: over a day it keeps every run it ever started
(about 1,500) and logs every request, and in this process that would be counted as the
app's growth. The child serves real loopback HTTP; each move of the fake clock moves the
child's world clock too (one pipe round trip), and the child then keeps 10 runs active:
when runs end (done, aborted, some after a pause) it launches others, round robin over 20
squids. Every 10 simulated minutes the app's selection moves to the next squid.

Time moves from one scheduler wake-up to the next, at least ``step`` seconds at a time
(wake-ups closer than that are served together, a little late), at most ``MAX_STEP``.
RSS, asyncio tasks, threads and gc-tracked objects (after a full collection) are read
after the warm-up (the first sample, the baseline) and then every simulated hour.

    python -m bench.day --hours 24             # one JSON document (each sample on stderr)
    python -m bench.day --hours 24 --trace     # + tracemalloc growth, first sample to end

A day takes about 5 to 7 minutes on a 2-core machine, most of it Textual painting; with
``--trace`` about 25 minutes, and RSS then includes tracemalloc's own bookkeeping (read
the growth sites, not the RSS figures).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import re
import sys
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

from textual.worker import Worker

from bench.common import TOKEN, rss_mb
from lobstr_tui.api import LobstrClient
from lobstr_tui.launch import build_scheduler
from lobstr_tui.monitor import PollScheduler
from lobstr_tui.sim import SimClock, SimServer, World
from lobstr_tui.sim.entities import SimRun
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.widgets.squid_list import SquidList
from tests.fake_clock import FakeClock

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
SQUIDS = 20
ACTIVE = 10
STEP = 2.0
"""Seconds: the smallest move of the fake clock (the budget allows a request every 2 s)."""
MAX_STEP = 10.0
"""Seconds: the largest move, so ended runs are replaced and RSS read at least this often."""
SWITCH_EVERY = 600.0
"""Simulated seconds between two moves of the app's squid selection."""
PEAK_EVERY = 60.0
"""Simulated seconds between two RSS readings for the peak."""
QUIET_TURNS = 3
WAKE_TURNS = 20
IO_WAIT = 0.0005
SETTLE_LIMIT = 30.0
"""Real seconds a step may take to settle before the benchmark gives up."""
CHILD_LIMIT = 60.0
TRACE_TOP = 15


# -- the simulator, in its own process -------------------------------------------------


def day_world(seed: int = 7) -> World:
    """20 squids with some history on a manual clock; runs of 6 to 15 minutes."""
    world = World(seed=seed, clock=SimClock(start=START, manual=True))
    for index in range(SQUIDS):
        squid = world.add_squid(
            f"Day squid {index + 1:02d}", "Google Maps Search Export",
            tasks=[({"url": f"https://maps.example/{index}/{t}"}, 30 + t) for t in range(12)],
            concurrency=1, results_per_second=0.5 + (index % 4) * 0.25)
        for n in range(5):
            world.add_history_run(squid, status="done", done_reason="tasks_done",
                                  started_at=world.now - timedelta(days=n + 1), duration=600)
    world.account.available = 1e12
    world.account.total_slots = 100
    return world


class RunCycler:
    """Keeps ``active`` runs going: launches a run of the next free squid whenever one
    ends; some runs pause (and resume by themselves), some are aborted half way."""

    def __init__(self, world: World, active: int = ACTIVE) -> None:
        self.world = world
        self.active = active
        self.tracked: dict[str, SimRun] = {}
        self.started = 0
        self.ended = 0
        self._turn = 0

    def top_up(self) -> None:
        """Bring the world up to its clock, count ended runs, launch new ones."""
        world = self.world
        with world.lock:
            world.advance()
            for run_id, run in list(self.tracked.items()):
                if not run.is_active:
                    del self.tracked[run_id]
                    self.ended += 1
                elif (self._abort_this(run) and run.status == "running"
                      and run.total_results > 150):
                    world.abort_run(run_id)
            squids = list(world.squids.values())
            for _ in range(len(squids)):
                if len(self.tracked) >= self.active:
                    break
                squid = squids[self._turn % len(squids)]
                self._turn += 1
                if world.launch_problem(squid) is not None:
                    continue
                run = world.start_run(squid.id, origin="schedule" if self._turn % 3 else "user")
                self.started += 1
                if self.started % 3 == 0:
                    world.plan_pause(run, after_tasks=2 + self.started % 5,
                                     reason="request_failed", resume_after=60.0)
                elif self.started % 5 == 1:
                    world.plan_pause(run, after_tasks=4, reason="cookies_expired",
                                     resume_after=90.0)
                self.tracked[run.id] = run

    def _abort_this(self, run: SimRun) -> bool:
        return int(run.id[:6], 16) % 11 == 0

    def figures(self) -> dict[str, int]:
        """Runs launched and ended so far, and how many are active now."""
        return {"runs_started": self.started, "runs_ended": self.ended,
                "runs_active": len(self.tracked), "world_runs": len(self.world.runs)}


def serve_world(conn: Connection, seed: int) -> None:
    """The child process: serve the day's world and obey the parent's commands
    (``advance`` seconds, ``figures``, ``stop``)."""
    world = day_world(seed)
    cycler = RunCycler(world)
    with SimServer(world, token=TOKEN) as server:
        cycler.top_up()
        conn.send(server.base_url)
        while True:
            try:
                command, argument = conn.recv()
            except EOFError:  # the parent is gone
                return
            if command == "advance":
                world.clock.advance(argument)
                server.log.clear()  # the request log would grow all day
                cycler.top_up()
                conn.send(None)
            elif command == "figures":
                conn.send(cycler.figures())
            else:
                conn.send(None)
                return


class RemoteWorldClock(SimClock):
    """A manual clock mirrored in the simulator's process: each advance moves both and
    returns once the child's world has caught up (and replaced any ended run)."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(start=START, manual=True)
        self.conn = conn

    def advance(self, seconds: float) -> None:
        """Move this clock and the world's by ``seconds``."""
        super().advance(seconds)
        if seconds > 0:
            self.ask("advance", seconds)

    def ask(self, command: str, argument: object = None) -> Any:
        """Send a command to the simulator and return its answer."""
        self.conn.send((command, argument))
        if not self.conn.poll(CHILD_LIMIT):
            raise RuntimeError(f"the simulator did not answer {command!r}")
        return self.conn.recv()


@contextmanager
def simulator_process(seed: int) -> Iterator[tuple[str, RemoteWorldClock]]:
    """The simulator in a child process: its base URL and the clock that drives it."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=serve_world, args=(theirs, seed), daemon=True,
                            name="day-simulator")
    child.start()
    theirs.close()  # ours alone: if the child dies, reading our end ends at once
    try:
        if not ours.poll(CHILD_LIMIT):
            raise RuntimeError("the simulator did not start")
        base_url = ours.recv()
        clock = RemoteWorldClock(ours)
        yield base_url, clock
        clock.ask("stop")
    finally:
        ours.close()  # a child still waiting for a command sees the end and stops
        child.join(5.0)
        if child.is_alive():
            child.terminate()
            child.join(5.0)


# -- the app, in this process ---------------------------------------------------------


async def settle(scheduler: PollScheduler, app: LobstrApp, woke: bool) -> None:
    """Let the scheduler send what is due and take in every answer, and the app take in
    every snapshot, until both wait. ``woke``: the last clock move woke a sleeper, which
    takes a few loop turns to start work (until then the scheduler still looks quiet)."""
    for _ in range(WAKE_TURNS if woke else 0):
        await asyncio.sleep(0)
        if not scheduler.quiet:
            break
    deadline = time.monotonic() + SETTLE_LIMIT
    quiet_turns = 0
    while quiet_turns < QUIET_TURNS:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the scheduler did not settle within {SETTLE_LIMIT} s")
        busy = not scheduler.quiet or app.snapshot is not scheduler.snapshot
        await asyncio.sleep(IO_WAIT if busy else 0)
        quiet_turns = 0 if busy else quiet_turns + 1


def reading(clock: FakeClock, origin: float, wall_start: float, scheduler: PollScheduler,
            runs: dict[str, int]) -> dict[str, float | int]:
    """One sample: memory, tasks, threads and objects now (after a full collection)."""
    gc.collect()
    return {
        "hour": round((clock.t - origin) / 3600, 2),
        "wall_s": round(time.monotonic() - wall_start, 1),
        "rss_mb": round(rss_mb(), 1),
        "tasks": len(asyncio.all_tasks()),
        "threads": threading.active_count(),
        "gc_objects": len(gc.get_objects()),
        "requests": scheduler.requests_sent,
        "runs_started": runs["runs_started"],
        "runs_ended": runs["runs_ended"],
    }


def task_names() -> Counter[str]:
    """The running asyncio tasks by coroutine (and name, unless asyncio's Task-N)."""
    names: Counter[str] = Counter()
    for task in asyncio.all_tasks():
        coro = task.get_coro()
        name = task.get_name()
        label = getattr(coro, "__qualname__", type(coro).__name__)
        frame = getattr(coro, "cr_frame", None)
        owner = frame.f_locals.get("self") if frame is not None else None
        if isinstance(owner, Worker):  # which worker, not just Worker._run
            label += f" ({owner.name}, group {owner.group})"
        names[label if name.startswith("Task-") else f"{name}: {label}"] += 1
    return names


def thread_names() -> Counter[str]:
    """The running threads by name, numbers dropped (``Thread-3 (work)``: ``Thread (work)``)."""
    return Counter(re.sub(r"-\d+", "", thread.name) for thread in threading.enumerate())


def type_counts() -> Counter[str]:
    """Objects tracked by the collector (frozen ones aside), by type."""
    return Counter(type(o).__qualname__ for o in gc.get_objects())


class Growth:
    """What changed between the first sample and the end: asyncio tasks and threads; with
    ``trace``, objects by type and tracemalloc's live memory by allocating line (or call
    path, with ``frames`` above 1). tracemalloc slows the day down (about 3x at one
    frame, far more with more) and its own bookkeeping inflates RSS."""

    def __init__(self, *, trace: bool, frames: int = 1) -> None:
        self.trace = trace
        self.frames = frames
        self._tasks: Counter[str] | None = None
        self._threads: Counter[str] = Counter()
        self._types: Counter[str] = Counter()
        self._snapshot: tracemalloc.Snapshot | None = None

    def start(self) -> None:
        """Begin tracing allocations (before the warm-up: the first sample is the base)."""
        if self.trace:
            tracemalloc.start(self.frames)

    def traced_mb(self) -> float | None:
        """Python's live traced memory now, in MB (None when not tracing)."""
        return round(tracemalloc.get_traced_memory()[0] / 2**20, 1) if self.trace else None

    def first_sample(self) -> None:
        """Remember the state at the first sample (called after a full collection)."""
        if self._tasks is not None:
            return
        self._tasks = task_names()
        self._threads = thread_names()
        if self.trace:
            self._types = type_counts()
            self._snapshot = tracemalloc.take_snapshot()

    def report(self) -> dict[str, object]:
        """The differences from the first sample to now; tracing stops."""
        tasks, threads = task_names(), thread_names()
        first_tasks = self._tasks or Counter()
        found: dict[str, object] = {"tasks_new": dict(tasks - first_tasks),
                                    "tasks_gone": dict(first_tasks - tasks),
                                    "threads_new": dict(threads - self._threads),
                                    "threads_gone": dict(self._threads - threads)}
        if self.trace and self._snapshot is not None:
            gc.collect()
            last = tracemalloc.take_snapshot()
            tracemalloc.stop()
            found["types_growth"] = dict((type_counts() - self._types).most_common(TRACE_TOP))
            found["tracemalloc_growth"] = self._sites(self._snapshot, last)
        return found

    def _sites(self, first: tracemalloc.Snapshot, last: tracemalloc.Snapshot
               ) -> list[dict[str, object]]:
        ignored = [tracemalloc.Filter(False, tracemalloc.__file__),
                   tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
                   tracemalloc.Filter(False, "<unknown>")]
        first, last = first.filter_traces(ignored), last.filter_traces(ignored)
        grouping = "traceback" if self.frames > 1 else "lineno"
        return [{"size_diff_kb": round(stat.size_diff / 1024, 1),
                 "size_kb": round(stat.size / 1024, 1), "count_diff": stat.count_diff,
                 "at": [f"{frame.filename}:{frame.lineno}" for frame in stat.traceback]}
                for stat in last.compare_to(first, grouping)[:TRACE_TOP]]


async def day(hours: float, *, step: float = STEP, seed: int = 7, trace: bool = False,
              trace_frames: int = 1, progress: bool = False) -> dict[str, object]:
    """Run the app through ``hours`` simulated hours; its figures (``trace``: see
    :class:`Growth`; ``progress``: each sample also goes to stderr as it is taken)."""
    if hours <= 0:
        raise ValueError("hours must be above 0")
    sample_every = min(3600.0, hours * 3600 / 4)
    with simulator_process(seed) as (base_url, world_clock):
        clock = FakeClock(world_clock)
        client = LobstrClient(TOKEN, base_url, timeout=10.0)
        scheduler = build_scheduler(client, clocks=clock.clocks, seed=seed)
        app = LobstrApp(scheduler)
        async with app.run_test(size=(120, 40)) as pilot:
            growth = Growth(trace=trace, frames=trace_frames)
            growth.start()
            origin, wall_start = clock.t, time.monotonic()
            end = origin + hours * 3600
            next_sample, next_switch, next_peak = origin + sample_every, origin, origin
            samples: list[dict[str, float | int]] = []
            peak, switches = 0.0, 0
            options = app.query_one(SquidList).options
            await settle(scheduler, app, woke=True)
            while clock.t < end:
                if clock.t >= next_switch:
                    options.focus()
                    await pilot.press("j" if switches % 20 else "home")
                    switches += 1
                    next_switch += SWITCH_EVERY
                deadline = clock.next_deadline
                target = min(end, next_sample, clock.t + MAX_STEP,
                             max(clock.t + step, deadline if deadline is not None else end))
                clock.advance(target - clock.t)
                await settle(scheduler, app, woke=deadline is not None and deadline <= target)
                if clock.t >= next_peak:
                    peak = max(peak, rss_mb())
                    next_peak += PEAK_EVERY
                if clock.t >= next_sample or clock.t >= end:
                    samples.append(reading(clock, origin, wall_start, scheduler,
                                           world_clock.ask("figures")))
                    growth.first_sample()
                    if trace:
                        samples[-1]["traced_mb"] = growth.traced_mb() or 0.0
                    peak = max(peak, samples[-1]["rss_mb"])
                    if progress:
                        print(json.dumps(samples[-1]), file=sys.stderr, flush=True)
                    next_sample += sample_every
            wall_seconds = time.monotonic() - wall_start
            runs = world_clock.ask("figures")
            found = growth.report()
            log_lines = app.query_one("#log").line_count  # type: ignore[attr-defined]
        await client.aclose()
    start, final = samples[0], samples[-1]
    figures: dict[str, object] = {
        "simulated_hours": round((clock.t - origin) / 3600, 4),
        "wall_seconds": round(wall_seconds, 1),
        "baseline_hour": start["hour"],
        "rss_start_mb": start["rss_mb"], "rss_end_mb": final["rss_mb"],
        "rss_growth_mb": round(float(final["rss_mb"]) - float(start["rss_mb"]), 1),
        "rss_peak_mb": round(peak, 1),
        "tasks_start": start["tasks"], "tasks_end": final["tasks"],
        "tasks_max": max(int(s["tasks"]) for s in samples),
        "threads_start": start["threads"], "threads_end": final["threads"],
        "gc_objects_start": start["gc_objects"], "gc_objects_end": final["gc_objects"],
        "requests": scheduler.requests_sent, "errors_seen": scheduler.errors_seen,
        "runs_started": runs["runs_started"], "runs_ended": runs["runs_ended"],
        "runs_active_end": runs["runs_active"], "log_lines": log_lines,
        "squid_switches": switches, **found, "samples": samples,
    }
    return figures


def run(hours: float = 24.0, *, step: float = STEP, trace: bool = False,
        trace_frames: int = 1, progress: bool = False) -> dict[str, object]:
    """The figures of a simulated day of ``hours`` hours (for run_all)."""
    os.environ.setdefault("TZ", "UTC")
    time.tzset()
    return asyncio.run(day(hours, step=step, trace=trace, trace_frames=trace_frames,
                           progress=progress))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--step", type=float, default=STEP,
                        help="smallest move of the fake clock, seconds (default 2)")
    parser.add_argument("--trace", action="store_true",
                        help="tracemalloc: where memory grew from the first sample to the end")
    parser.add_argument("--trace-frames", type=int, default=1,
                        help="frames kept per allocation with --trace (default 1: by line)")
    args = parser.parse_args()
    figures = run(args.hours, step=args.step, trace=args.trace,
                  trace_frames=args.trace_frames, progress=True)
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
