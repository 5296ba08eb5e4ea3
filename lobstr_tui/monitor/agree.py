"""One truth per run on screen: the places of a published snapshot that show the same run
agree with the freshest read of it.

A run is read by several jobs at their own pace: the squid list says each squid's last
run status (every 25 s), the selected squid's runs page its runs (5 s), the board's rows
each active run of every squid, and the selected run's stats its progress. Merged as
they came, the squid row could say ``● running · 37%`` from a read of three minutes ago
while the board, read a moment ago, had the same run at 78 % or paused. :func:`agreed`
is applied to every snapshot before it is published (and before the log's events are
derived from it): where one place holds an older read of a run than another, it shows
the fresher one.

- A squid's status word follows the freshest read of its newest run: a board row read
  after the squid list, or a run seen ending after it.
- A squid's progress line follows the board's read of its active run when that is newer
  than the progress kept from when the squid was selected; a squid whose run is no
  longer active loses its progress line.
- The runs table's row of a run follows a board read newer than the runs page (status,
  done reason, results).
- The Results tab's count is the run's own when the run (or its stats) has counted more
  than the results page read earlier: ``50 of 203 rows``, not ``50 of 173``.
- A task read as running in a run that is no longer running (paused, or ended) shows as
  held with it (``paused``, or ``stopped``): the Tasks tab never has a task running
  beside a run line that says none is.

Pure: no clock and no I/O; the instants are the snapshot's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import TypeVar

from lobstr_tui.api import Run, RunTask, Squid, StatusKind
from lobstr_tui.monitor.board import BoardRow, EndedRow
from lobstr_tui.monitor.snapshot import Progress, ResultsPreview, Snapshot
from lobstr_tui.monitor.transitions import status_changed

_EPOCH = datetime.min.replace(tzinfo=UTC)
SAME_RUN_SLACK = timedelta(seconds=1)
"""A squid's ``last_run_at`` and its run's ``created_at`` may differ by rounding."""


def _created(run: Run) -> datetime:
    return run.created_at or run.started_at or _EPOCH


def is_latest(run: Run, squid: Squid) -> bool:
    """Whether ``run`` can be the squid's newest run (not older than its last run)."""
    if squid.last_run_at is None or (run.created_at is None and run.started_at is None):
        return True
    return _created(run) >= squid.last_run_at - SAME_RUN_SLACK


RowT = TypeVar("RowT", BoardRow, EndedRow)


def _newest_by_squid(rows: Iterable[RowT]) -> dict[str, RowT]:
    """Each squid's newest run among ``rows``."""
    newest: dict[str, RowT] = {}
    for row in rows:
        kept = newest.get(row.squid_id)
        if kept is None or _created(row.run) > _created(kept.run):
            newest[row.squid_id] = row
    return newest


def _squid_status(squid: Squid, row: BoardRow | None, end: EndedRow | None,
                  listed_at: datetime | None) -> Squid:
    """The squid as its freshest news of its newest run says."""
    if row is not None and row.read_at is not None and is_latest(row.run, squid) and (
            listed_at is None or row.read_at > listed_at) and status_changed(
            squid.last_run_status, row.run.status):
        return replace(squid, last_run_status=row.run.status)
    active = squid.last_run_status is not None and squid.last_run_status.is_active
    if end is not None and active and listed_at is not None and end.ended_at > listed_at \
            and is_latest(end.run, squid) and (row is None or row.run.id == end.run.id
                                                or _created(end.run) >= _created(row.run)):
        return replace(squid, last_run_status=end.run.status)
    return squid


def _progress(squid: Squid, row: BoardRow | None, kept: Progress | None
              ) -> Progress | None:
    """The squid's progress line: the board's read of its run when that is newer."""
    if squid.last_run_status is not None and not squid.last_run_status.is_active:
        return None
    if row is None or row.stats is None or row.read_at is None or (
            not row.run.status.is_active) or not is_latest(row.run, squid):
        return kept
    if kept is not None and kept.run_id == row.run.id and kept.read_at is not None and (
            kept.read_at >= row.read_at):
        return kept
    stats = row.stats
    return Progress(row.run.id, stats.percent_done, stats.total_tasks_done,
                    stats.total_tasks, row.results, read_at=row.read_at)


def _table_run(run: Run, row: BoardRow | None, runs_at: datetime | None) -> Run:
    """A runs-table row, as a newer board read of the same run says."""
    if row is None or row.read_at is None or (runs_at is not None and row.read_at <= runs_at):
        return run
    fresh = row.run
    if not status_changed(run.status, fresh.status) and run.total_results >= fresh.total_results:
        return run
    return replace(run, status=fresh.status, is_done=fresh.is_done,
                   done_reason=fresh.done_reason or run.done_reason,
                   done_reason_desc=fresh.done_reason_desc or run.done_reason_desc,
                   ended_at=fresh.ended_at or run.ended_at,
                   total_results=max(run.total_results, fresh.total_results))


def _results(snapshot: Snapshot) -> ResultsPreview:
    """The Results tab, counting what its run has counted since its page was read."""
    results, run = snapshot.results, snapshot.selected_run
    if run is None or results.run_id != run.id or not results.pages:
        return results
    stats = snapshot.stats
    counted = max(run.total_results,
                  stats.total_results if stats is not None and stats.id == run.id else 0)
    if counted <= results.total:
        return results
    return replace(results, total=counted, exhausted=False)


HELD_TASK = {StatusKind.PAUSED: "paused"}
"""What a task read as running is, in a run of this kind that is not running (an ended
run's: ``stopped``)."""
_held_last: list[tuple[tuple[RunTask, ...], str, tuple[RunTask, ...]]] = []
"""The last tasks held (in, word, out): every snapshot of one read shares one tuple, so
the Tasks tab is counted and drawn once per read, not once per snapshot."""


def _tasks(snapshot: Snapshot) -> tuple[RunTask, ...]:
    """The selected run's tasks, none running unless the run is."""
    tasks, run = snapshot.tasks, snapshot.selected_run
    if not tasks or run is None or run.status.kind in (StatusKind.RUNNING,
                                                         StatusKind.PENDING):
        return tasks
    word = HELD_TASK.get(run.status.kind, "stopped" if not run.status.is_active else "")
    if not word or all(task.status != "running" for task in tasks):
        return tasks
    if _held_last and _held_last[0][0] is tasks and _held_last[0][1] == word:
        return _held_last[0][2]
    held = tuple(replace(task, status=word) if task.status == "running" and (
        task.run == run.id) else task for task in tasks)
    _held_last[:] = [(tasks, word, held)]
    return held


def agreed(snapshot: Snapshot) -> Snapshot:
    """``snapshot`` with every place that shows a run showing its freshest read."""
    story: dict[str, object] = {}
    results = _results(snapshot)
    if results is not snapshot.results:
        story["results"] = results
    tasks = _tasks(snapshot)
    if tasks is not snapshot.tasks:
        story["tasks"] = tasks
    if story:
        snapshot = replace(snapshot, **story)  # type: ignore[arg-type]
    if not snapshot.board and not snapshot.recent:
        return snapshot
    rows = _newest_by_squid(row for row in snapshot.board if row.read_at is not None)
    ends = _newest_by_squid(snapshot.recent)
    listed_at = snapshot.fetched_at.get("squids")
    # Only squids with a board row, an end or a progress line can change: a long squid
    # list is not walked on every answer.
    concerned = rows.keys() | ends.keys() | snapshot.progress.keys()
    squids = tuple(_squid_status(s, rows.get(s.id), ends.get(s.id), listed_at)
                   if s.id in concerned else s for s in snapshot.squids)
    progress = dict(snapshot.progress)  # squids not (yet) listed keep theirs
    for squid in squids:
        if squid.id in concerned:
            line = _progress(squid, rows.get(squid.id), progress.get(squid.id))
            if line is None:
                progress.pop(squid.id, None)
            else:
                progress[squid.id] = line
    by_run = {row.run.id: row for row in snapshot.board}
    runs_at = snapshot.fetched_at.get("runs")
    runs = tuple(_table_run(run, by_run.get(run.id), runs_at) for run in snapshot.runs)
    changed: dict[str, object] = {}
    if squids != snapshot.squids:
        changed["squids"] = squids
    if progress != dict(snapshot.progress):
        changed["progress"] = MappingProxyType(progress)
    if runs != snapshot.runs:
        changed["runs"] = runs
    return replace(snapshot, **changed) if changed else snapshot  # type: ignore[arg-type]
