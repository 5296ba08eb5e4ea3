"""One truth per run on screen (monitor/agree.py): each contradiction a new user saw in
the demo (issue 20), built as the snapshot that showed it, and the published snapshot
agreeing with the freshest read; then the same in the running scheduler: a run paused
behind the person's back, on a squid not selected, is paused on its squid row, its
board row and its runs without waiting for the squid list."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from lobstr_tui.api import Page, ResultRow, Run, RunStats, RunTask, Squid, StatusKind
from lobstr_tui.monitor import Snapshot
from lobstr_tui.monitor.derive.agree import agreed
from lobstr_tui.monitor.derive.events import EventKind, derive_events
from lobstr_tui.monitor.model.board import BoardRow, EndedRow
from lobstr_tui.monitor.model.snapshot import Progress
from lobstr_tui.monitor.model.story import results_opened, results_read
from lobstr_tui.sim import SimServer
from lobstr_tui.ui.widgets.board_table import board_cells
from tests.conftest import TOKEN
from tests.fake_clock import run_for, settle
from tests.monitor.test_board import active_run, busy_world
from tests.monitor.test_scheduler import watching

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SQUID = "5" * 32
RUN = "7" * 32


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def a_squid(status: str | None, *, last_run_at: datetime = T0) -> Squid:
    return Squid.from_api({"id": SQUID, "name": "Google Maps FR", "last_run_status": status,
                           "last_run_at": last_run_at.replace(tzinfo=None).isoformat()})


def a_run(status: str, *, run_id: str = RUN, created: datetime = T0, results: int = 0,
          done_reason: str | None = None) -> Run:
    return Run.from_api({"id": run_id, "squid": SQUID, "status": status,
                         "created_at": created.isoformat(), "started_at": created.isoformat(),
                         "total_results": results, "done_reason": done_reason,
                         "is_done": status in ("done", "error", "aborted")})


def stats(percent: int, done: int, total: int, results: int) -> RunStats:
    return RunStats.from_api({"id": RUN, "percent_done": f"{percent}%", "total_tasks": total,
                              "total_tasks_done": done, "total_results": results})


def board_row(run: Run, read_at: datetime, progress: RunStats | None = None) -> BoardRow:
    return BoardRow(squid_id=SQUID, squid_name="Google Maps FR", run=run, stats=progress,
                    read_at=read_at, results_per_minute=None, rate_history=(),
                    credits_used=None, eta_seconds=None,
                    needs_person=run.status.kind.value in ("paused", "error"))


def snapshot(**fields: object) -> Snapshot:
    base: dict[str, object] = {"taken_at": at(300), "squids_loaded": True}
    base.update(fields)
    return Snapshot(**base)  # type: ignore[arg-type]


def test_the_squid_row_takes_the_boards_newer_progress_and_age() -> None:
    # Squid list: running, progress read 3 minutes ago at 37 %; board: 78 %, just read.
    kept = Progress(RUN, 37.0, 9, 24, 448, read_at=at(100))
    shown = agreed(snapshot(
        squids=(a_squid("RUNNING"),), progress=MappingProxyType({SQUID: kept}),
        fetched_at=MappingProxyType({"squids": at(250)}),
        board=(board_row(a_run("running", results=939), at(290),
                         stats(78, 18, 24, 939)),)))
    line = shown.progress[SQUID]
    assert (line.percent, line.tasks_done, line.tasks_total, line.results) == (78.0, 18, 24,
                                                                             939)
    assert line.read_at == at(290)
    # An older board read does not replace a newer progress line.
    older = agreed(snapshot(
        squids=(a_squid("RUNNING"),), progress=MappingProxyType({SQUID: kept}),
        board=(board_row(a_run("running"), at(50), stats(20, 5, 24, 100)),)))
    assert older.progress[SQUID] is kept


def test_a_pause_read_on_the_board_is_on_the_squid_row_before_the_list_says_it() -> None:
    # The log said "running → paused" while the squid's row still said running.
    shown = agreed(snapshot(
        squids=(a_squid("RUNNING"),),
        progress=MappingProxyType({SQUID: Progress(RUN, 21.0, 5, 24, 200, read_at=at(60))}),
        fetched_at=MappingProxyType({"squids": at(200)}),
        board=(board_row(a_run("paused"), at(260), stats(21, 5, 24, 200)),)))
    assert shown.squids[0].last_run_status is not None
    assert shown.squids[0].last_run_status.kind.value == "paused"
    # And a resume read later is running again there, at the board's percent.
    resumed = agreed(replace(shown, squids=(a_squid("PAUSED"),), board=(
        board_row(a_run("running"), at(280), stats(56, 13, 24, 500)),)))
    assert resumed.squids[0].last_run_status.kind.value == "running"  # type: ignore[union-attr]
    assert resumed.progress[SQUID].percent == 56.0


def test_the_fresher_squid_list_wins_over_an_older_board_read() -> None:
    shown = agreed(snapshot(
        squids=(a_squid("PAUSED"),), fetched_at=MappingProxyType({"squids": at(290)}),
        board=(board_row(a_run("running"), at(200), stats(40, 9, 24, 300)),)))
    assert shown.squids[0].last_run_status.kind.value == "paused"  # type: ignore[union-attr]


def test_an_older_run_on_the_board_does_not_speak_for_the_squids_newest() -> None:
    # The list says the newest run (launched at T0 + 60 s) is pending; the board's row
    # is an older run of the same squid: it does not change the squid's word.
    old = a_run("running", run_id="8" * 32, created=T0)
    shown = agreed(snapshot(
        squids=(a_squid("PENDING", last_run_at=at(60)),),
        fetched_at=MappingProxyType({"squids": at(100)}),
        board=(board_row(old, at(200), stats(50, 5, 10, 50)),)))
    assert shown.squids[0].last_run_status.kind.value == "pending"  # type: ignore[union-attr]
    assert SQUID not in shown.progress


def test_a_run_seen_ending_after_the_list_ends_its_squid_row_and_progress() -> None:
    ended = a_run("aborted", results=33, done_reason="aborted")
    shown = agreed(snapshot(
        squids=(a_squid("RUNNING"),),
        progress=MappingProxyType({SQUID: Progress(RUN, 60.0, 6, 10, 30, read_at=at(100))}),
        fetched_at=MappingProxyType({"squids": at(150)}),
        recent=(EndedRow(SQUID, "Google Maps FR", ended, at(200), "aborted", "aborted", 33),)))
    assert shown.squids[0].last_run_status.kind.value == "aborted"  # type: ignore[union-attr]
    assert SQUID not in shown.progress, "no progress line for a run that is not active"


def test_the_runs_table_row_follows_a_newer_board_read() -> None:
    # After a launch the squid row said pending while the runs table said uploading: the
    # table's row and the squid row both take the newest read of that run.
    listed = a_run("pending")
    shown = agreed(snapshot(
        squids=(a_squid("PENDING"),), selected_squid_id=SQUID, runs=(listed,),
        runs_squid_id=SQUID,
        fetched_at=MappingProxyType({"squids": at(100), "runs": at(100)}),
        board=(board_row(a_run("uploading", results=12), at(130)),)))
    assert shown.runs[0].status.kind.value == "uploading"
    assert shown.runs[0].total_results == 12
    assert shown.squids[0].last_run_status.kind.value == "uploading"  # type: ignore[union-attr]
    # A board read older than the runs page changes nothing.
    same = snapshot(squids=(a_squid("PENDING"),), runs=(listed,), runs_squid_id=SQUID,
                    fetched_at=MappingProxyType({"squids": at(100), "runs": at(200)}),
                    board=(board_row(a_run("uploading"), at(130)),))
    assert agreed(same).runs == (listed,)


def test_nothing_to_agree_is_the_same_snapshot() -> None:
    plain = snapshot(squids=(a_squid("RUNNING"),))
    assert agreed(plain) is plain
    kept = snapshot(squids=(a_squid("RUNNING"),), fetched_at=MappingProxyType(
        {"squids": at(290)}), board=(board_row(a_run("running"), at(200)),))
    assert agreed(kept) is kept


# -- in the running scheduler, on the fake clock --------------------------------------------


def disagreements(snap: Snapshot) -> list[str]:
    """Places of one published snapshot that show a run older than another place does:
    a squid row's word or progress line behind its run's board row."""
    found = []
    listed_at = snap.fetched_at.get("squids")
    squids = {s.id: s for s in snap.squids}
    for row in snap.board:
        squid = squids.get(row.squid_id)
        if squid is None or row.read_at is None:
            continue
        if listed_at is not None and row.read_at > listed_at and (
                squid.last_run_status is not None
                and squid.last_run_status.kind is not row.run.status.kind):
            found.append(f"{squid.name}: row says {squid.last_run_status.kind.value}, "
                         f"board {row.run.status.kind.value}")
        line = snap.progress.get(row.squid_id)
        if line is not None and line.run_id == row.run.id and line.read_at is not None and (
                line.read_at < row.read_at and row.stats is not None):
            found.append(f"{squid.name}: progress read {line.read_at}, board {row.read_at}")
    return found


async def test_a_pause_behind_the_persons_back_is_on_its_squid_row_within_35_s() -> None:
    world, ids = busy_world(4)
    target = ids[2]  # a squid that is not selected (the idle squid 0 is)
    run_id = active_run(world, target)
    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            await settle(watch.scheduler)
            await run_for(watch.clock, watch.scheduler, 60)
            assert watch.snapshot.selected_squid_id != target
            world.pause_run(run_id, "cookies_expired", "session expired")
            paused_at = watch.clock.t
            seen = None
            for _ in range(60):  # bounded: one simulated second at a time
                await run_for(watch.clock, watch.scheduler, 1)
                snap = watch.snapshot
                assert disagreements(snap) == [], disagreements(snap)
                row = next(s for s in snap.squids if s.id == target)
                if row.last_run_status is not None and row.last_run_status.kind is (
                        StatusKind.PAUSED):
                    seen = watch.clock.t - paused_at
                    break
            assert seen is not None and seen <= 35, seen
            board = next(r for r in watch.snapshot.board if r.run.id == run_id)
            assert board.run.status.kind is StatusKind.PAUSED
            assert target not in watch.snapshot.progress or (
                watch.snapshot.progress[target].read_at == board.read_at)


async def test_a_squid_left_behind_shows_its_runs_newest_progress_not_the_last_seen() -> None:
    # Select a running squid, then another: two minutes later the first one's row said
    # "2m old · 14%" while the board had its run at 67 %, 10 s old.
    world, ids = busy_world(4)
    first, other = ids[1], ids[2]
    run_id = active_run(world, first)
    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            await settle(watch.scheduler)
            watch.scheduler.select_squid(first)
            await run_for(watch.clock, watch.scheduler, 30)
            kept = watch.snapshot.progress[first]
            assert kept.run_id == run_id and kept.read_at is not None
            watch.scheduler.select_squid(other)
            for _ in range(12):  # two minutes, checked every 10 s
                await run_for(watch.clock, watch.scheduler, 10)
                assert disagreements(watch.snapshot) == [], disagreements(watch.snapshot)
            snap = watch.snapshot
            board = next(r for r in snap.board if r.run.id == run_id)
            line = snap.progress[first]
            assert board.read_at is not None and line.read_at == board.read_at
            assert board.read_at > kept.read_at
            assert line.percent == board.percent and line.results == board.results


def test_the_board_shows_the_rows_results_as_the_squid_row_does() -> None:
    # The run was read after its stats (a pause's reason): 169 results, stats said 145.
    # The board said 145 while the squid row said 169.
    row = board_row(a_run("paused", results=169), at(200), stats(12, 3, 24, 145))
    assert board_cells(row, at(210))["results"] == "169" == f"{row.results}"
    shown = agreed(snapshot(squids=(a_squid("PAUSED"),), board=(row,),
                            fetched_at=MappingProxyType({"squids": at(100)})))
    assert shown.progress[SQUID].results == 169  # a paused run keeps its progress line


def result_rows(count: int) -> Page[ResultRow]:
    items = tuple(ResultRow.from_api({"id": f"r{n}", "run": RUN, "name": f"place {n}"})
                  for n in range(count))
    return Page(items=items, total_results=173, page=1, limit=50, total_pages=4, next=None,
                previous=None, warning=None)


def test_the_results_tab_counts_what_the_run_counted_since_its_page() -> None:
    # The Results tab kept "Results 173" and "50 of 173 rows" while the run had 203.
    state = snapshot(runs=(a_run("running", results=190),), runs_squid_id=SQUID,
                     selected_squid_id=SQUID, selected_run_id=RUN, stats=stats(60, 9, 24, 203))
    state = results_read(results_opened(state), RUN, result_rows(50), 1, at(100))
    assert state.results.total == 173
    shown = agreed(state).results
    assert (shown.total, len(shown.rows), shown.has_more) == (203, 50, True)
    # A page read after the stats (more rows than they counted) keeps its own count.
    later = replace(state, stats=stats(60, 9, 24, 150),
                    runs=(a_run("running", results=150),))
    assert agreed(later).results is later.results


def a_task(task_id: str, status: str) -> RunTask:
    return RunTask.from_api({"id": task_id, "run": RUN, "status": status,
                             "params": {"url": f"https://example.com/{task_id}"}})


def test_a_paused_runs_task_is_not_shown_running() -> None:
    # "Tasks ◌6 ✓5 ▸1" beside "no current task" for a paused run.
    tasks = (a_task("t1", "completed"), a_task("t2", "running"), a_task("t3", "pending"))
    base = snapshot(runs_squid_id=SQUID, selected_squid_id=SQUID, selected_run_id=RUN,
                    tasks=tasks)
    paused = agreed(replace(base, runs=(a_run("paused", done_reason="too_many_requests"),)))
    assert [t.status for t in paused.tasks] == ["completed", "paused", "pending"]
    again = agreed(replace(base, runs=(a_run("paused"),), taken_at=at(305)))
    assert again.tasks is paused.tasks  # one read, one tuple: the tab is drawn once
    ended = agreed(replace(base, runs=(a_run("aborted", done_reason="aborted"),)))
    assert [t.status for t in ended.tasks] == ["completed", "stopped", "pending"]
    running = replace(base, runs=(a_run("running"),))
    assert agreed(running).tasks is tasks
    # Held by the run is not ended: the log says nothing of the task.
    said = derive_events(agreed(running), paused)
    assert [e.text for e in said if e.kind is EventKind.TASK] == []


def test_after_a_launch_and_an_abort_the_squid_row_says_what_the_runs_table_says() -> None:
    # The squid row said "◌ pending" while the runs table, read after the list, said
    # "⇡ uploading" for the same run.
    uploading = a_run("uploading", done_reason="aborted")
    shown = agreed(snapshot(
        squids=(a_squid("PENDING"),), runs=(uploading,), runs_squid_id=SQUID,
        selected_squid_id=SQUID, selected_run_id=RUN,
        fetched_at=MappingProxyType({"squids": at(100), "runs": at(110)})))
    assert shown.squids[0].last_run_status is not None
    assert shown.squids[0].last_run_status.kind is StatusKind.UPLOADING
    assert shown.runs[0].status.kind is StatusKind.UPLOADING
    # A list read after the runs page wins the other way.
    later = agreed(snapshot(
        squids=(a_squid("ABORTED"),), runs=(uploading,), runs_squid_id=SQUID,
        selected_squid_id=SQUID, selected_run_id=RUN,
        fetched_at=MappingProxyType({"squids": at(120), "runs": at(110)})))
    assert later.runs[0].status.kind is StatusKind.ABORTED
    assert later.runs[0].done_reason == "aborted"
