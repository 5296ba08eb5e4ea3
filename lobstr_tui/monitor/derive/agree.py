"""One truth per run on screen: the places of a published snapshot that show the same run
agree with the freshest read of it.

A run is read by several jobs at their own pace: the squid list says each squid's last
run status (every 25 s), the selected squid's runs page its runs (5 s), the board's rows
each active run of every squid, and the selected run's stats its progress. Merged as
they came, the squid row could say ``● running · 37%`` from a read of three minutes ago
while the board, read a moment ago, had the same run at 78 % or paused. :func:`agreed`
is applied to every snapshot before it is published (and before the log's events are
derived from it):

- Each run's status is its freshest read among the runs page, its board row, its end
  seen, and the squid list (for a squid's newest run). The squid row, the runs table
  and the board show that status (with its reason when the read had one).
- Each run's results are the most any read counted, and its credits the most spent
  (both only grow): the runs table, the board, the dialogs and the squid's progress
  line show one number.
- A squid's progress line follows the board's read of its active run when that is newer
  than the progress kept from when the squid was selected; a squid whose run is no
  longer active loses its progress line.
- The Results tab's count is the run's own when the run (or its stats) has counted more
  than the results page read earlier: ``50 of 203 rows``, not ``50 of 173``.
- A task read as running in a run that is no longer running (paused, or ended) shows as
  held with it (``paused``, or ``stopped``): the Tasks tab never has a task running
  beside a run line that says none is.

Pure: no clock and no I/O; the instants are the snapshot's own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from lobstr_tui.api import Run, RunStatus, RunTask, Squid, StatusKind
from lobstr_tui.monitor.model.board import BoardRow
from lobstr_tui.monitor.model.snapshot import Progress, ResultsPreview, Snapshot
from lobstr_tui.monitor.model.transitions import status_changed

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


@dataclass(frozen=True, slots=True)
class _Read:
    """One read of a run's status: when, what it said, and the run as read (None: the
    squid list, which says only the status of a squid's newest run)."""

    at: datetime
    status: RunStatus
    run: Run | None = None

    def beats(self, other: _Read) -> bool:
        """Whether this read is the newer."""
        return self.at > other.at


def _known_runs(snapshot: Snapshot) -> dict[str, tuple[str, Run]]:
    """Every run the snapshot holds, by id, with its squid."""
    known: dict[str, tuple[str, Run]] = {}
    if snapshot.runs_squid_id is not None:
        known.update((run.id, (snapshot.runs_squid_id, run)) for run in snapshot.runs)
    known.update((end.run.id, (end.squid_id, end.run)) for end in snapshot.recent)
    known.update((row.run.id, (row.squid_id, row.run)) for row in snapshot.board)
    return known


def _newest_runs(snapshot: Snapshot, known: dict[str, tuple[str, Run]]) -> dict[str, Run]:
    """Each listed squid's newest run among those the snapshot holds (one the squid
    list's ``last_run_at`` can be speaking of)."""
    squids = {squid.id: squid for squid in snapshot.squids}
    newest: dict[str, Run] = {}
    for squid_id, run in known.values():
        squid = squids.get(squid_id)
        if squid is None or not is_latest(run, squid):
            continue
        kept = newest.get(squid_id)
        if kept is None or _created(run) > _created(kept):
            newest[squid_id] = run
    return newest


def _freshest_reads(snapshot: Snapshot, newest: dict[str, Run]) -> dict[str, _Read]:
    """Each run's freshest read of its status."""
    freshest: dict[str, _Read] = {}

    def offer(run_id: str, read: _Read) -> None:
        kept = freshest.get(run_id)
        if kept is None or read.beats(kept):
            freshest[run_id] = read

    runs_at = snapshot.fetched_at.get("runs")
    if runs_at is not None and snapshot.runs_squid_id is not None:
        for run in snapshot.runs:
            offer(run.id, _Read(runs_at, run.status, run))
    for row in snapshot.board:
        if row.read_at is not None:
            offer(row.run.id, _Read(row.read_at, row.run.status, row.run))
    for end in snapshot.recent:
        offer(end.run.id, _Read(end.ended_at, end.run.status, end.run))
    listed_at = snapshot.fetched_at.get("squids")
    if listed_at is not None:
        for squid in snapshot.squids:
            last = newest.get(squid.id)
            if last is not None and squid.last_run_status is not None:
                offer(last.id, _Read(listed_at, squid.last_run_status))
    return freshest


def _most_results(snapshot: Snapshot) -> dict[str, int]:
    """Each run's results as the read that counted the most says (they only grow)."""
    most: dict[str, int] = {}

    def offer(run_id: str, count: int) -> None:
        if count > most.get(run_id, -1):
            most[run_id] = count

    for run in snapshot.runs:
        offer(run.id, run.total_results)
    for row in snapshot.board:
        offer(row.run.id, row.results)
    for line in snapshot.progress.values():
        offer(line.run_id, line.results)
    if snapshot.stats is not None:
        offer(snapshot.stats.id, snapshot.stats.total_results)
    if snapshot.credits is not None:
        offer(snapshot.credits.run_id, snapshot.credits.total_results)
    return most


def _as_read(run: Run, read: _Read | None, results: int | None, spent: float | None
             ) -> Run:
    """``run`` as its freshest read says, with the most results and credits any read
    counted (both only grow)."""
    fresh = run
    if read is not None and status_changed(run.status, read.status):
        if read.run is None:
            fresh = replace(run, status=read.status)
        else:
            now = read.run
            fresh = replace(run, status=now.status, is_done=now.is_done,
                            done_reason=now.done_reason or run.done_reason,
                            done_reason_desc=now.done_reason_desc or run.done_reason_desc,
                            ended_at=now.ended_at or run.ended_at)
    if results is not None and results > fresh.total_results:
        fresh = replace(fresh, total_results=results)
    if spent is not None and spent > (fresh.credit_used or 0.0):
        fresh = replace(fresh, credit_used=spent)
    return fresh


def _board_row(row: BoardRow, run: Run) -> BoardRow:
    if run is row.run:
        return row
    return replace(row, run=run, needs_person=row.needs_person or (
        run.status.kind in (StatusKind.PAUSED, StatusKind.ERROR)))


def _squid_status(squid: Squid, read: _Read | None) -> Squid:
    """The squid as the freshest read of its newest run says."""
    if read is None or not status_changed(squid.last_run_status, read.status):
        return squid
    return replace(squid, last_run_status=read.status)


def _progress(squid: Squid, row: BoardRow | None, kept: Progress | None,
              results: dict[str, int]) -> Progress | None:
    """The squid's progress line: the board's read of its run when that is newer."""
    if squid.last_run_status is not None and not squid.last_run_status.is_active:
        return None
    line = kept
    if row is not None and row.stats is not None and row.read_at is not None and (
            row.run.status.is_active) and is_latest(row.run, squid) and not (
            kept is not None and kept.run_id == row.run.id and kept.read_at is not None
            and kept.read_at >= row.read_at):
        stats = row.stats
        line = Progress(row.run.id, stats.percent_done, stats.total_tasks_done,
                        stats.total_tasks, row.results, read_at=row.read_at)
    if line is not None and results.get(line.run_id, 0) > line.results:
        line = replace(line, results=results[line.run_id])
    return line


def _results(snapshot: Snapshot) -> ResultsPreview:
    """The Results tab, counting what its run (agreed: the most any read counted) has
    counted since its page was read."""
    results, run = snapshot.results, snapshot.selected_run
    if run is None or results.run_id != run.id or not results.pages or (
            run.total_results <= results.total):
        return results
    return replace(results, total=run.total_results, exhausted=False)


HELD_TASK = {StatusKind.PAUSED: "paused"}
"""What a task read as running is, in a run of this kind that is not running (an ended
run's: ``stopped``)."""
HELD_STATUSES = frozenset({*HELD_TASK.values(), "stopped"})
"""Task statuses that are this projection's, not lobstr.io's: no task ended by them."""
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
    known = _known_runs(snapshot)
    if not known:
        return _story(snapshot)
    newest = _newest_runs(snapshot, known)
    reads = _freshest_reads(snapshot, newest)
    results = _most_results(snapshot)
    credits = snapshot.credits  # the selected run's breakdown: its newest spend
    spent = {credits.run_id: credits.total_credits} if credits is not None else {}
    runs = tuple(_as_read(run, reads.get(run.id), results.get(run.id), spent.get(run.id))
                 for run in snapshot.runs)
    board = tuple(_board_row(row, _as_read(row.run, reads.get(row.run.id),
                                           results.get(row.run.id), spent.get(row.run.id)))
                  for row in snapshot.board)
    # Only squids with a known run or a progress line can change: a long squid list is
    # not walked through on every answer.
    concerned = newest.keys() | snapshot.progress.keys()
    squids = tuple(_squid_status(s, reads.get(newest[s.id].id)) if s.id in newest else s
                   for s in snapshot.squids)
    rows = {row.squid_id: row for row in board if row.run.id == getattr(
        newest.get(row.squid_id), "id", None)}
    progress = dict(snapshot.progress)  # squids not (yet) listed keep theirs
    for squid in squids:
        if squid.id in concerned:
            line = _progress(squid, rows.get(squid.id), progress.get(squid.id), results)
            if line is None:
                progress.pop(squid.id, None)
            else:
                progress[squid.id] = line
    changed: dict[str, object] = {}
    if squids != snapshot.squids:
        changed["squids"] = squids
    if progress != dict(snapshot.progress):
        changed["progress"] = MappingProxyType(progress)
    if runs != snapshot.runs:
        changed["runs"] = runs
    if board != snapshot.board:
        changed["board"] = board
    return _story(replace(snapshot, **changed) if changed else snapshot)  # type: ignore[arg-type]


def _story(snapshot: Snapshot) -> Snapshot:
    """The run's tabs as its agreed row says."""
    story: dict[str, object] = {}
    preview = _results(snapshot)
    if preview is not snapshot.results:
        story["results"] = preview
    tasks = _tasks(snapshot)
    if tasks is not snapshot.tasks:
        story["tasks"] = tasks
    return replace(snapshot, **story) if story else snapshot  # type: ignore[arg-type]
