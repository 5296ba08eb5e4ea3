"""The active-runs board across several squids, driven by the simulator's steering
(pause, resume, error, finish) on a fake clock, and the history it keeps bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lobstr_tui.api import Run, RunStats, StatusKind
from lobstr_tui.monitor.model.board import BoardRow, board_order
from lobstr_tui.monitor.model.history import HISTORY_MINUTES, RECENT_POINTS, RateSeries
from lobstr_tui.monitor.polling.tracker import MAX_ROWS, RunTracker
from lobstr_tui.sim import SimServer, World
from tests.conftest import TOKEN, manual_world
from tests.fake_clock import run_for, settle
from tests.monitor.test_scheduler import watching

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def busy_world(count: int) -> tuple[World, list[str]]:
    """A world whose squids 1..count have slow runs going (squid 0 is the idle one the
    scheduler selects first)."""
    world = manual_world("large", squids=count + 2, runs=3)
    squids = list(world.squids.values())
    for squid in squids:
        squid.results_per_second = 0.05
    for squid in squids[2:count + 1]:
        world.start_run(squid.id)
    for run in world.runs.values():
        if run.status == "pending":
            world.advance_run_for(run, 4)  # running when watching starts
    return world, [s.id for s in squids[1:count + 1]]


def active_run(world: World, squid_id: str) -> str:
    run = world.active_run(world.squids[squid_id])
    assert run is not None
    return run.id


async def test_rows_and_order_follow_pause_resume_error_finish() -> None:
    world, ids = busy_world(5)
    runs = [active_run(world, s) for s in ids]
    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            await settle(watch.scheduler)
            snap = watch.snapshot
            assert snap.board_since == T0
            assert {r.run.id for r in snap.board} == set(runs)
            assert all(not r.needs_person for r in snap.board)
            await run_for(watch.clock, watch.scheduler, 60)
            world.pause_run(runs[3], "cookies_expired", "session expired")
            world.fail_run(runs[1], "Proxy pool unreachable")
            world.finish_run(runs[2])
            await run_for(watch.clock, watch.scheduler, 60)
            snap = watch.snapshot
            order = [(r.run.id, r.run.status.kind) for r in snap.board]
            assert order[:2] == [(runs[3], StatusKind.PAUSED), (runs[1], StatusKind.ERROR)]
            assert {r for r, _ in order[2:]} == {runs[0], runs[4]}
            etas = [r.eta_seconds for r in snap.board[2:]]
            assert None not in etas and etas == sorted(etas), "then by ETA"
            paused = snap.board[0]
            assert paused.needs_person and paused.run.done_reason == "cookies_expired"
            assert paused.squid_name == world.squids[ids[3]].name
            assert [(e.run.id, e.status, e.done_reason) for e in snap.recent] == [
                (runs[1], "error", None), (runs[2], "done", "tasks_done")] or [
                (e.run.id, e.status) for e in snap.recent] == [
                (runs[2], "done"), (runs[1], "error")]
            finished = next(e for e in snap.recent if e.run.id == runs[2])
            assert finished.results == world.runs[runs[2]].total_results > 0
            world.resume_run(runs[3])
            await run_for(watch.clock, watch.scheduler, 40)
            resumed = next(r for r in watch.snapshot.board if r.run.id == runs[3])
            assert resumed.run.status.kind is StatusKind.RUNNING and not resumed.needs_person
            assert watch.snapshot.board[0].run.id == runs[1], "the error still needs you"


async def test_rows_carry_rates_credits_and_age() -> None:
    world, _ = busy_world(3)
    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            await run_for(watch.clock, watch.scheduler, 200)
            now = watch.clock.now()
            for row in watch.snapshot.board:
                age = row.age(now)
                assert row.read_at is not None and age is not None and 0 <= age <= 30
                assert row.stats is not None and row.stats.id == row.run.id
                assert row.results_per_minute is not None and row.results_per_minute > 0
                assert 3 <= len(row.rate_history) <= 4, "one sample per minute watched"
                assert row.credits_used is not None and row.credits_used > 0
                assert row.results >= row.run.total_results


async def test_selected_run_is_a_row_and_has_a_history(server: SimServer,
                                                       world: World) -> None:
    async for watch in watching(server, world):
        await run_for(watch.clock, watch.scheduler, 150)
        snap = watch.snapshot
        selected = next(r for r in snap.board if r.run.id == snap.selected_run_id)
        age = selected.age(watch.clock.now())
        assert age is not None and age <= 5.0
        history = snap.selected_history
        assert history is not None and history.run_id == snap.selected_run_id
        assert len(history.results_per_minute) == 2 and history.results_per_minute[-1] > 0
        assert len(history.credits_per_minute) == 2 and history.credits_per_minute[-1] > 0


def test_history_is_bounded() -> None:
    series = RateSeries()
    for second in range(0, 3 * 86400, 5):  # three days of 5 s polls
        series.add(T0 + timedelta(seconds=second), second * 2.0)
    assert len(series.samples) == HISTORY_MINUTES
    assert all(rate == 120.0 for rate in series.samples)
    assert len(series._recent) <= RECENT_POINTS
    assert series.rate() == 120.0
    sparse = RateSeries()
    sparse.add(T0, 0.0)
    sparse.add(T0 + timedelta(minutes=3), 300.0)
    assert sparse.samples == (100.0, 100.0, 100.0), "one sample per minute, even if slow"


def test_tracker_keeps_at_most_max_rows() -> None:
    tracker = RunTracker(since=T0)
    for n in range(MAX_ROWS + 50):
        run = Run.from_api({"id": f"{n:032x}", "squid": f"{n:031x}s", "status": "running",
                            "created_at": "2026-11-02T08:00:00Z"})
        tracker.run_read(run, T0 + timedelta(seconds=n))
    board, _ = tracker.build(T0 + timedelta(hours=1))
    assert len(board) == MAX_ROWS
    assert tracker.take_changes() == [], "found at start: no change"


def row(name: str, status: str, eta: float | None) -> BoardRow:
    run = Run.from_api({"id": name * 32, "squid": name, "status": status})
    stats = RunStats.from_api({"id": name * 32, "percent_done": "10%"})
    return BoardRow(name, name, run, stats, T0, None, (), None, eta,
                    status in ("paused", "error"))


def test_board_order_puts_the_person_first_then_eta() -> None:
    rows = [row("a", "running", 300.0), row("b", "error", None), row("c", "running", None),
            row("d", "paused", 10.0), row("e", "pending", 60.0)]
    assert [r.squid_id for r in board_order(rows)] == ["d", "b", "e", "a", "c"]


def test_a_paused_row_has_its_progress_read_once_then_only_its_status() -> None:
    tracker = RunTracker(since=T0)
    run_id = "a" * 32
    paused = Run.from_api({"id": run_id, "squid": "s" * 32, "status": "paused",
                           "created_at": "2026-11-02T08:00:00Z"})
    tracker.run_read(paused, T0)
    later = T0 + timedelta(minutes=5)
    first = tracker.next_read(later, selected_run=None, selected_squid=None)
    assert first is not None and (first.kind, first.target) == ("stats", run_id)
    tracker.stats_read(run_id, RunStats.from_api({"id": run_id, "percent_done": "40%"}),
                       later)
    second = tracker.next_read(later + timedelta(minutes=5), selected_run=None,
                               selected_squid=None)
    assert second is not None and (second.kind, second.target) == ("run", run_id)
    board, _ = tracker.build(later + timedelta(minutes=5))
    assert board[0].percent == 40.0 and board[0].needs_person
