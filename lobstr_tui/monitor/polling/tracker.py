"""Every run going on across the account, followed from whatever polling reads.

:class:`RunTracker` is fed by the scheduler: the squid list (which squids have an active
run, since when), the selected squid's runs and the selected run's stats and credits
(taken from each published snapshot), the newest run of a squid read for an event, and
the board's own reads (:class:`RowRead`: find a squid's newest run, read a run, read its
stats). From these it keeps one record per followed run, says which read the board needs
next, notes every status change it sees (:class:`RunChange`, for alerts) and builds the
snapshot's board, recently ended runs and the selected run's history.

Only changes seen while watching count: a run is *found at start* when it existed before
the tracker's ``since`` and was not newer than its squid's last run on the first squid
list;
its first status is a baseline, not a change. Memory is bounded: at most
:data:`MAX_ROWS` followed runs, :data:`MAX_RECENT` ended ones, :data:`MAX_KNOWN` remembered
statuses and :data:`MAX_GONE` histories of runs that left the board.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from lobstr_tui.api import Run, RunStats, RunStatus, Squid, StatusKind
from lobstr_tui.monitor.derive.events import short_id
from lobstr_tui.monitor.model.board import NEEDS_PERSON, BoardRow, EndedRow, board_order
from lobstr_tui.monitor.model.history import RateSeries, RunHistory, SteadyRate
from lobstr_tui.monitor.model.snapshot import Snapshot
from lobstr_tui.monitor.model.transitions import status_changed
from lobstr_tui.monitor.polling.budget import SLOW_ROW_WEIGHT

RECENT_SPAN = timedelta(hours=24)
"""How long an ended run stays among the recent ones (and an errored run on the board)."""
RUN_READ_EVERY = 120.0
"""A running row's run (status, credits) is read at least this often; its stats else."""
RETRY_FAILED_ROW = 30.0
"""A row whose read failed waits this long before the board tries it again."""
SAME_RUN_SLACK = timedelta(seconds=1)
MAX_ROWS = 500
MAX_RECENT = 200
MAX_KNOWN = 5000
MAX_GONE = 20

ReadKind = Literal["find", "run", "stats"]


@dataclass(frozen=True, slots=True)
class RowRead:
    """One read the board needs: ``find`` a squid's newest run (``target`` is the squid
    id), or read a run's ``run`` object or its ``stats`` (``target`` is the run id)."""

    kind: ReadKind
    target: str
    first: bool = False
    """The row's first read (its run found, its first stats): it may spend the budget's
    burst allowance."""


@dataclass(frozen=True, slots=True)
class RunChange:
    """A run's status changed while watching (``was`` None: a new run seen first)."""

    squid_id: str
    run: Run
    was: RunStatus | None
    at: datetime
    stats: RunStats | None


@dataclass
class _Followed:
    """What is known about one followed run."""

    squid_id: str
    run: Run
    run_read_at: datetime
    stats: RunStats | None = None
    stats_read_at: datetime | None = None
    credits_total: float | None = None
    credits_read_at: datetime | None = None
    results: RateSeries = field(default_factory=RateSeries)
    credits: RateSeries = field(default_factory=RateSeries)
    recheck_since: datetime | None = None
    superseded: bool = False
    skip_until: datetime | None = None

    @property
    def read_at(self) -> datetime:
        stats = self.stats_read_at
        return self.run_read_at if stats is None else max(stats, self.run_read_at)

    @property
    def slow(self) -> bool:
        return self.run.status.kind in NEEDS_PERSON

    @property
    def credits_used(self) -> float:
        if self.credits_total is not None and self.credits_read_at is not None and (
                self.credits_read_at >= self.run_read_at):
            return self.credits_total
        return self.run.credit_used


class RunTracker:
    """The followed runs, their changes and what the board reads next."""

    def __init__(self, since: datetime) -> None:
        self.since = since
        self._rows: dict[str, _Followed] = {}
        self._squid_run: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._known: OrderedDict[str, RunStatus] = OrderedDict()
        self._ended: deque[EndedRow] = deque(maxlen=MAX_RECENT)
        self._ended_ids: set[str] = set()
        self._finds: dict[str, datetime] = {}
        self._gone: OrderedDict[str, _Followed] = OrderedDict()
        self._changes: list[RunChange] = []
        self._baseline: dict[str, datetime | None] | None = None
        self._synced: dict[str, object] = {}

    # -- what polling read ---------------------------------------------------------------

    def sync(self, state: Snapshot) -> None:
        """Take in what ``state`` holds that was read since the last call."""
        # A new read is a new tuple: compared by identity, since times may repeat (a
        # wall clock that stands still, in tests, or two reads in one clock tick).
        listed = state.fetched_at.get("squids")
        if listed is not None and self._synced.get("squids") is not state.squids and (
                state.squids_loaded):
            self._synced["squids"] = state.squids
            self.squids_listed(state.squids, listed, selected=state.selected_squid_id)
        for latest in state.latest_runs.values():
            key = f"latest:{latest.squid_id}"
            if self._synced.get(key) is not latest:
                self._synced[key] = latest
                self.run_read(latest.run, latest.read_at, squid_id=latest.squid_id,
                              newest=True)
        runs_at = state.fetched_at.get("runs")
        if runs_at is not None and state.runs_squid_id and state.runs and (
                self._synced.get("runs") is not state.runs):
            self._synced["runs"] = state.runs
            self.runs_listed(state.runs_squid_id, state.runs, runs_at)
        stats, stats_at = state.stats, state.fetched_at.get("stats")
        if stats is not None and stats_at is not None and stats.id == state.selected_run_id:
            self.stats_read(stats.id, stats, stats_at)
        credits, credits_at = state.credits, state.fetched_at.get("credits")
        if credits is not None and credits_at is not None and (
                credits.run_id in ("", state.selected_run_id)):
            self.credits_read(state.selected_run_id or "", credits.total_credits, credits_at)

    def squids_listed(self, squids: tuple[Squid, ...], at: datetime, *,
                      selected: str | None) -> None:
        """A full read of the squid list: find new runs, re-read runs it shows changed."""
        self._names = {s.id: s.name for s in squids}
        for squid_id, run_id in list(self._squid_run.items()):
            if squid_id not in self._names:
                self._leave(run_id)
                del self._squid_run[squid_id]
        for squid_id in [s for s in self._finds if s not in self._names]:
            del self._finds[squid_id]
        if self._baseline is None:
            self._baseline = {s.id: s.last_run_at for s in squids}
        for squid in squids:
            status = squid.last_run_status
            if status is None:
                continue
            wanted = status.is_active or (status.kind is StatusKind.ERROR and (
                squid.last_run_at is not None and at - squid.last_run_at <= RECENT_SPAN))
            if squid.id == selected:
                continue  # its runs list, polled for the selection, covers it
            row = self._rows.get(self._squid_run.get(squid.id, ""))
            if row is None:
                if wanted:
                    self._finds.setdefault(squid.id, at)
                continue
            created = row.run.created_at
            if squid.last_run_at is not None and created is not None and (
                    squid.last_run_at > created + SAME_RUN_SLACK):
                self._finds.setdefault(squid.id, at)
                row.recheck_since = row.recheck_since or at
            elif status_changed(row.run.status, status) and at > row.run_read_at:
                row.recheck_since = row.recheck_since or at

    def runs_listed(self, squid_id: str, runs: tuple[Run, ...], at: datetime) -> None:
        """The selected squid's runs, newest first."""
        for index, run in enumerate(runs):
            if index == 0 or run.id in self._rows or run.id in self._known or (
                    run.status.is_active):
                self.run_read(run, at, squid_id=squid_id, newest=index == 0)

    def found(self, squid_id: str, run: Run | None, at: datetime) -> None:
        """The newest run of a squid, as a board read found it (None: it has none)."""
        if run is None:
            self._finds.pop(squid_id, None)
            return
        self.run_read(run, at, squid_id=squid_id, newest=True)

    def run_read(self, run: Run, at: datetime, *, squid_id: str | None = None,
                 newest: bool = False) -> None:
        """A run as read at ``at`` (an older read than the last one changes nothing)."""
        squid = run.squid or squid_id or ""
        row = self._rows.get(run.id)
        if row is not None and at < row.run_read_at:
            return
        if newest and self._finds.get(squid, at) <= at:
            self._finds.pop(squid, None)
        known = self._known.get(run.id)
        recent_error = run.status.kind is StatusKind.ERROR and self._recent(run, at)
        if known is None and row is None:
            new = self._is_new(squid, run)
            if not (run.status.is_active or new or (newest and recent_error)):
                return
            self._remember(run.id, run.status)
            if new:
                self._change(squid, run, None, at, None)
        elif known is not None and status_changed(known, run.status):
            self._remember(run.id, run.status)
            self._change(squid, run, known, at, row.stats if row else None)
        if not (run.status.is_active or recent_error):
            self._leave(run.id)
            return
        if row is None:
            row = self._rows[run.id] = _Followed(squid, run, at)
            self._cap_rows()
        row.run, row.run_read_at = run, at
        row.results.add(at, run.total_results)
        row.credits.add(at, row.credits_used)
        if row.recheck_since is not None and at >= row.recheck_since:
            row.recheck_since = None
        row.skip_until = None
        self._place(squid, row)
        if row.superseded and row.recheck_since is None:
            self._leave(run.id)  # a newer run of its squid took its place

    def stats_read(self, run_id: str, stats: RunStats, at: datetime) -> None:
        """A followed run's progress as read at ``at``."""
        row = self._rows.get(run_id)
        if row is None or (row.stats_read_at is not None and at <= row.stats_read_at):
            return
        row.stats, row.stats_read_at, row.skip_until = stats, at, None
        row.results.add(at, stats.total_results)

    def credits_read(self, run_id: str, total: float, at: datetime) -> None:
        """A followed run's credits breakdown total as read at ``at``."""
        row = self._rows.get(run_id)
        if row is None or (row.credits_read_at is not None and at <= row.credits_read_at):
            return
        row.credits_total, row.credits_read_at = total, at
        row.credits.add(at, total)

    def read_failed(self, read: RowRead, now: datetime, *, missing: bool) -> None:
        """A board read failed: a run or squid that no longer exists is forgotten; any
        other failure puts it behind the others for a while (one odd answer costs only
        its own row)."""
        if read.kind == "find":
            if missing or read.target in self._finds:
                self._finds.pop(read.target, None)
            return
        if missing:
            self._leave(read.target)
            return
        row = self._rows.get(read.target)
        if row is not None:
            row.skip_until = now + timedelta(seconds=RETRY_FAILED_ROW)
            row.recheck_since = None

    def take_changes(self) -> list[RunChange]:
        """The status changes seen since the last call."""
        changes, self._changes = self._changes, []
        return changes

    # -- what the board reads next -----------------------------------------------------

    def next_read(self, now: datetime, *, selected_run: str | None,
                  selected_squid: str | None, skip: frozenset[str] = frozenset()
                  ) -> RowRead | None:
        """The read the board needs most now: a squid's new run to find, a run the squid
        list shows changed, else the row whose data is oldest (paused and errored rows'
        ages count four times slower). ``skip``: squids whose newest run is read anyway."""
        urgent = self._urgent_read(now, selected_squid, skip)
        if urgent is not None:
            return urgent
        best: _Followed | None = None
        oldest = -1.0
        for row in self._rows.values():
            if not self._read_by_board(row, selected_run, selected_squid) or self._skipped(
                    row, now):
                continue
            age = (now - row.read_at).total_seconds() * (SLOW_ROW_WEIGHT if row.slow else 1.0)
            if age > oldest:
                best, oldest = row, age
        if best is None:
            return None
        stale_run = (now - best.run_read_at).total_seconds() >= RUN_READ_EVERY
        if best.slow and best.stats is None:
            # A paused or errored row's progress is read once (it is not moving), so
            # its percent is known; after that only its status is watched.
            return RowRead("stats", best.run.id)
        if best.slow or (stale_run and best.squid_id != selected_squid):
            return RowRead("run", best.run.id)
        return RowRead("stats", best.run.id)

    def _urgent_read(self, now: datetime, selected_squid: str | None,
                     skip: frozenset[str]) -> RowRead | None:
        """A find or a status re-read, which go before the rows' turns, at once."""
        for squid_id in self._finds:
            if squid_id not in skip and squid_id != selected_squid:
                return RowRead("find", squid_id, first=True)
        for row in self._rows.values():
            if row.recheck_since is not None and (
                    row.squid_id not in skip and row.squid_id != selected_squid
                    and not self._skipped(row, now)):
                return RowRead("run", row.run.id)
        for row in self._rows.values():
            # A running row found but never read: its first stats go at once too.
            if row.stats is None and not row.slow and not self._skipped(row, now) and (
                    row.squid_id not in skip and row.squid_id != selected_squid
                    and row.run.status.is_active and not row.superseded):
                return RowRead("stats", row.run.id, first=True)
        return None

    def has_urgent(self, now: datetime, *, selected_squid: str | None,
                   skip: frozenset[str] = frozenset()) -> bool:
        """True when a find or a status re-read waits (the rows are not looked at)."""
        return self._urgent_read(now, selected_squid, skip) is not None

    def row_counts(self, *, selected_run: str | None,
                   selected_squid: str | None) -> tuple[int, int, int]:
        """(running rows, paused or errored rows) the board's reads keep fresh, and
        every active run followed."""
        running = slow = active = 0
        for row in self._rows.values():
            if row.superseded:
                continue
            active += row.run.status.is_active
            if self._read_by_board(row, selected_run, selected_squid):
                if row.slow:
                    slow += 1
                else:
                    running += 1
        return running, slow, active

    def knows(self, squid_id: str, status: RunStatus) -> bool:
        """True when the squid's newest followed run is already known in ``status``."""
        row = self._rows.get(self._squid_run.get(squid_id, ""))
        if row is not None:
            return not status_changed(row.run.status, status)
        return any(e.squid_id == squid_id and not status_changed(e.run.status, status)
                   for e in list(self._ended)[-5:])

    # -- what the snapshot shows -------------------------------------------------------

    def name(self, squid_id: str) -> str:
        """The squid's (cleaned) name, or its id's start when it is not listed."""
        return self._names.get(squid_id) or short_id(squid_id)

    def build(self, now: datetime) -> tuple[tuple[BoardRow, ...], tuple[EndedRow, ...]]:
        """The board (ordered) and the runs that ended within the last 24 hours, newest
        first."""
        rows = [self._row(row, now) for row in self._rows.values() if not row.superseded]
        while self._ended and now - self._ended[0].ended_at > RECENT_SPAN:
            self._ended_ids.discard(self._ended.popleft().run.id)
        recent = tuple(sorted(self._ended, key=lambda e: e.ended_at, reverse=True))
        return board_order(rows), recent

    def credits_rate(self, run_id: str) -> SteadyRate | None:
        """Credits per minute of a followed run from its credit reads alone, over the
        last 15 minutes of them (the projection's steady rate)."""
        row = self._rows.get(run_id)
        return None if row is None else row.credits.steady()

    def history(self, run_id: str | None) -> RunHistory | None:
        """The rates of a followed run (or one that left the board lately)."""
        if run_id is None:
            return None
        row = self._rows.get(run_id) or self._gone.get(run_id)
        if row is None:
            return None
        return RunHistory(run_id, row.results.samples, row.credits.samples)

    # -- inside --------------------------------------------------------------------------

    def _row(self, row: _Followed, now: datetime) -> BoardRow:
        stats = row.stats
        eta: float | None = None
        if stats is not None and stats.eta.seconds is not None and row.stats_read_at and (
                row.run.status.is_active):
            eta = max(0.0, stats.eta.seconds - (now - row.stats_read_at).total_seconds())
        moving = row.run.status.kind in (StatusKind.RUNNING, StatusKind.UPLOADING,
                                         StatusKind.PENDING)
        return BoardRow(
            squid_id=row.squid_id, squid_name=self.name(row.squid_id), run=row.run,
            stats=stats, read_at=row.read_at,
            results_per_minute=row.results.rate() if moving else 0.0,
            rate_history=row.results.samples, credits_used=row.credits_used,
            eta_seconds=eta, needs_person=row.slow)

    def _read_by_board(self, row: _Followed, selected_run: str | None,
                       selected_squid: str | None) -> bool:
        """True for rows whose freshness is the board reads' job: not the selected run
        (its stats are polled every 5 s), nor a paused or errored run of the selected
        squid (its runs list says when it moves)."""
        if row.superseded or row.run.id == selected_run:
            return False
        return not (row.squid_id == selected_squid and row.slow)

    @staticmethod
    def _skipped(row: _Followed, now: datetime) -> bool:
        return row.skip_until is not None and row.skip_until > now

    def _is_new(self, squid_id: str, run: Run) -> bool:
        """True for a run started while watching: created after ``since``, or newer than
        the newest run its squid had on the first squid list (the API's clock may be
        behind ours)."""
        created = run.created_at
        if created is None:
            return False
        if created > self.since:
            return True
        if self._baseline is None or squid_id not in self._baseline:
            return False
        first = self._baseline[squid_id]
        return first is None or created > first + SAME_RUN_SLACK

    def _recent(self, run: Run, at: datetime) -> bool:
        ended = run.ended_at or run.created_at
        return ended is not None and at - ended <= RECENT_SPAN

    def _remember(self, run_id: str, status: RunStatus) -> None:
        self._known[run_id] = status
        self._known.move_to_end(run_id)
        while len(self._known) > MAX_KNOWN:
            self._known.popitem(last=False)

    def _change(self, squid_id: str, run: Run, was: RunStatus | None, at: datetime,
                stats: RunStats | None) -> None:
        self._changes.append(RunChange(squid_id, run, was, at, stats))
        if run.status.is_terminal and run.id not in self._ended_ids:
            if len(self._ended) == self._ended.maxlen:
                self._ended_ids.discard(self._ended[0].run.id)
            self._ended_ids.add(run.id)
            self._ended.append(EndedRow(
                squid_id=squid_id, squid_name=self.name(squid_id), run=run,
                ended_at=run.ended_at or at, status=run.status.label,
                done_reason=run.done_reason, results=run.total_results))

    def _place(self, squid_id: str, row: _Followed) -> None:
        """``row`` is its squid's run on the board, unless the squid has a newer one."""
        current = self._rows.get(self._squid_run.get(squid_id, ""))
        if current is None or current is row:
            self._squid_run[squid_id] = row.run.id
            row.superseded = False
            return
        if (row.run.created_at or self.since) >= (current.run.created_at or self.since):
            current.superseded = True
            self._squid_run[squid_id] = row.run.id
            row.superseded = False
        else:
            row.superseded = True

    def _leave(self, run_id: str) -> None:
        row = self._rows.pop(run_id, None)
        if row is None:
            return
        if self._squid_run.get(row.squid_id) == run_id:
            del self._squid_run[row.squid_id]
            newer = [r for r in self._rows.values() if r.squid_id == row.squid_id]
            if newer:
                keep = max(newer, key=lambda r: r.run.created_at or self.since)
                keep.superseded = False
                self._squid_run[row.squid_id] = keep.run.id
        self._gone[run_id] = row
        while len(self._gone) > MAX_GONE:
            self._gone.popitem(last=False)

    def _cap_rows(self) -> None:
        while len(self._rows) > MAX_ROWS:
            oldest = min(self._rows.values(), key=lambda r: r.read_at)
            self._leave(oldest.run.id)
