"""One truth per run, as a property (issue 20): random sequences of changes made behind
the person's back in the simulator (pause, resume, error, finish, launch, abort, results
growing, tasks failing) and of what the person does (select a squid, open the board, a
tab), on the fake clock; after every published snapshot, every place that shows a run
shows it the same way: its status on the squid row, the runs table, the board and
Recently ended; its results on the runs table, the board and the squid's progress line;
no task running in a run that is not."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from lobstr_tui.api import StatusKind
from lobstr_tui.monitor import Event, PollScheduler, Snapshot
from lobstr_tui.monitor.derive.agree import is_latest
from lobstr_tui.monitor.model.snapshot import StoryTab
from lobstr_tui.sim import SimServer, World
from tests.conftest import TOKEN
from tests.fake_clock import run_for, settle
from tests.monitor.test_board import busy_world
from tests.monitor.test_scheduler import Watch, watching

STEPS = 30
SEEDS = range(12)


@dataclass(frozen=True)
class Shown:
    """How one place shows one run."""

    place: str
    status: StatusKind | None
    results: int | None


def places(snap: Snapshot) -> dict[str, list[Shown]]:
    """Every place of ``snap`` that shows a run, by run id."""
    shown: dict[str, list[Shown]] = {}

    def add(run_id: str, place: str, status: StatusKind | None, results: int | None) -> None:
        shown.setdefault(run_id, []).append(Shown(place, status, results))

    known = {}  # run id -> (squid id, run) of every run the snapshot holds
    if snap.runs_squid_id is not None:
        for run in snap.runs:
            add(run.id, "runs table", run.status.kind, run.total_results)
            known[run.id] = (snap.runs_squid_id, run)
    for row in snap.board:
        add(row.run.id, "board", row.run.status.kind, row.results)
        known[row.run.id] = (row.squid_id, row.run)
    for ended in snap.recent:
        add(ended.run.id, "recently ended", ended.run.status.kind, None)
        known.setdefault(ended.run.id, (ended.squid_id, ended.run))
    for squid in snap.squids:
        mine = [run for squid_id, run in known.values()
                if squid_id == squid.id and is_latest(run, squid)]
        newest = max(mine, key=lambda run: run.created_at or run.started_at, default=None)
        if newest is not None and squid.last_run_status is not None:
            add(newest.id, f"squid row {squid.name}", squid.last_run_status.kind, None)
        line = snap.progress.get(squid.id)
        if line is not None:
            add(line.run_id, f"progress line {squid.name}", None, line.results)
    return shown


def disagreements(snap: Snapshot) -> list[str]:
    """What one published snapshot shows two ways."""
    found = []
    for run_id, shown in places(snap).items():
        statuses = {s.status for s in shown if s.status is not None}
        results = {s.results for s in shown if s.results is not None}
        if len(statuses) > 1 or len(results) > 1:
            found.append(f"run {run_id[:6]}: " + ", ".join(
                f"{s.place}={s.status.value if s.status else '-'}/{s.results}"
                for s in shown))
    rows = {row.run.id: row for row in snap.board}
    for squid_id, line in snap.progress.items():
        row = rows.get(line.run_id)
        if row is not None and row.read_at is not None and line.read_at is not None and (
                line.read_at < row.read_at and row.stats is not None):
            found.append(f"squid {squid_id[:6]}: progress read {line.read_at:%T}, "
                         f"its board row {row.read_at:%T}")
    stats, read = snap.stats, snap.fetched_at.get("stats")
    row = rows.get(stats.id) if stats is not None else None
    if stats is not None and row is not None and read is not None and row.read_at is not None \
            and row.read_at < read and row.percent != stats.percent_done:
        found.append(f"run {stats.id[:6]}: board {row.percent}% read {row.read_at:%T}, "
                     f"detail {stats.percent_done}% read {read:%T}")
    run = snap.selected_run
    if run is not None and run.status.kind is not StatusKind.RUNNING and any(
            task.status == "running" and task.run == run.id for task in snap.tasks):
        found.append(f"run {run.id[:6]} is {run.status.kind.value} with a task running")
    return found


Change = Callable[[World, random.Random, Watch], None]


def _active(world: World, status: str) -> list[str]:
    return [run.id for run in world.runs.values() if run.status == status]


def pause(world: World, rng: random.Random, watch: Watch) -> None:
    if running := _active(world, "running"):
        world.pause_run(rng.choice(running), "too_many_requests", "slow down")


def resume(world: World, rng: random.Random, watch: Watch) -> None:
    if paused := _active(world, "paused"):
        world.resume_run(rng.choice(paused))


def error(world: World, rng: random.Random, watch: Watch) -> None:
    if running := _active(world, "running") + _active(world, "paused"):
        world.fail_run(rng.choice(running), "the crawler crashed")


def finish(world: World, rng: random.Random, watch: Watch) -> None:
    if running := _active(world, "running"):
        world.finish_run(rng.choice(running))


def launch(world: World, rng: random.Random, watch: Watch) -> None:
    idle = [squid.id for squid in world.squids.values()
            if world.active_run(squid) is None and world.launch_problem(squid) is None]
    if idle:
        world.start_run(rng.choice(idle))


def abort(world: World, rng: random.Random, watch: Watch) -> None:
    if running := _active(world, "running") + _active(world, "pending"):
        world.abort_run(rng.choice(running))


def task_fails(world: World, rng: random.Random, watch: Watch) -> None:
    with world.locked():
        tasks = [task for run in world.runs.values() if run.status == "running"
                 for task in run.tasks if task.status == "pending"]
        if tasks:
            rng.choice(tasks).status = "error"


def select(world: World, rng: random.Random, watch: Watch) -> None:
    squids = watch.snapshot.squids
    if squids:
        watch.scheduler.select_squid(rng.choice(squids).id)


def board(world: World, rng: random.Random, watch: Watch) -> None:
    watch.scheduler.show_board(not watch.snapshot.board_view)


def tab(world: World, rng: random.Random, watch: Watch) -> None:
    watch.scheduler.show_tab(rng.choice(list(StoryTab)))


CHANGES: tuple[Change, ...] = (pause, resume, error, finish, launch, abort, task_fails,
                               select, board, tab)


@pytest.mark.parametrize("seed", SEEDS)
async def test_every_place_shows_a_run_one_way_after_every_snapshot(seed: int) -> None:
    rng = random.Random(seed)
    world, _ = busy_world(4)
    seen: list[str] = []
    count = [0]

    def check(snap: Snapshot, found: list[Event]) -> None:
        count[0] += 1
        seen.extend(f"snapshot {count[0]}: {text}" for text in disagreements(snap))

    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            scheduler: PollScheduler = watch.scheduler
            scheduler.listener = check
            await settle(scheduler)
            done = []
            for _ in range(STEPS):
                change = rng.choice(CHANGES)
                change(world, rng, watch)
                done.append(change.__name__)
                await run_for(watch.clock, scheduler, rng.uniform(0.5, 12.0))
            assert count[0] > STEPS  # snapshots were published and checked
            assert seen == [], f"after {done}: {seen[:5]}"
