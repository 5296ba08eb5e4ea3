"""Immutable snapshots of everything the monitor knows, handed to the UI as a whole."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from types import MappingProxyType
from typing import Any

from lobstr_tui.api import (
    Balance,
    Me,
    ResultRow,
    Run,
    RunCredits,
    RunStats,
    RunStatus,
    RunTask,
    Squid,
)
from lobstr_tui.monitor.model.baseline import Baseline, Flag
from lobstr_tui.monitor.model.board import BoardRow, EndedRow
from lobstr_tui.monitor.model.burn import Burn
from lobstr_tui.monitor.model.export_status import ExportStatus
from lobstr_tui.monitor.model.history import RunHistory

STALE_FACTOR = 2.0
"""Data older than this many poll periods of its resource is stale."""


class LinkState(Enum):
    """How the monitor's connection to the API is doing."""

    CONNECTING = "connecting"
    LIVE = "live"
    STALE = "stale"
    OFFLINE = "offline"
    RATE_LIMITED = "rate-limited"
    UNAUTHORIZED = "unauthorized"


@dataclass(frozen=True, slots=True)
class Connection:
    """The connection state with what the header needs to say about it."""

    state: LinkState = LinkState.CONNECTING
    last_ok_at: datetime | None = None
    retry_at: datetime | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """Last known progress of an active run (for the squid list and the run detail).

    Only the selected squid's run is polled: another squid's progress is what was read
    while it was selected, at ``read_at`` (show its age, or nothing). The entry goes as
    soon as the squid list or the runs say that run is no longer active.
    """

    run_id: str
    percent: float | None
    tasks_done: int
    tasks_total: int
    results: int
    read_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LatestRun:
    """The newest run of a squid that is not selected, read because the squid list
    showed its status change (to learn the reason or the error message)."""

    squid_id: str
    run: Run
    was: RunStatus | None
    read_at: datetime


@dataclass(frozen=True, slots=True)
class Cadence:
    """How often a resource is polled now, and since when it has been wanted for what
    is selected now (before that, its data was about something else)."""

    period: float
    since: datetime


class StoryTab(Enum):
    """The tabs of the run detail, in order (``[`` and ``]`` cycle)."""

    LOG = "log"
    CREDITS = "credits"
    TASKS = "tasks"
    RESULTS = "results"


@dataclass(frozen=True, slots=True)
class ResultsPreview:
    """The selected run's result rows read so far (page by page, on demand).

    ``wait_until``: lobstr.io answered 429 and the next page waits until then."""

    run_id: str | None = None
    rows: tuple[ResultRow, ...] = ()
    total: int = 0
    pages: int = 0
    loading: bool = False
    exhausted: bool = False
    wait_until: datetime | None = None

    @property
    def has_more(self) -> bool:
        """True when rows exist beyond the pages read."""
        return not self.exhausted and len(self.rows) < self.total


@dataclass(frozen=True, slots=True)
class RunsGap:
    """Runs not loaded between the newest pages and a block of older ones reached
    directly (End: the oldest page; or a run found by its id): they come before run
    ``before``, whose block starts at page ``page`` of the squid's runs (0: unknown)."""

    before: str
    page: int


def _frozen() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent view of the account, the selection and the connection.

    ``errors`` maps a resource name (``squids``, ``runs``, ``stats``, ``credits``,
    ``tasks``, ``balance``, ``me``) to the message of its last failed poll, for as long
    as that resource has not been fetched again successfully; the last good data stays.
    ``fetched_at`` gives the time of each resource's last good poll.

    Per resource, too: ``degraded`` holds the message of a resource whose last answer
    was not the documented shape (a protocol or parse error: the API answers, but not
    with data; the header must not say live for it), ``skipped`` the items a list could
    not read (``last_run_at 'yesterday-ish'``) while the others show, ``incomplete`` why
    a list may lack items (its pages did not end, or repeated), and ``cadence`` the
    current poll period that :meth:`is_stale` measures ages against.

    Across the account: ``board`` has one row per active run of any squid (and errored
    runs of the last 24 hours), those that need the person first, then by ETA;
    ``recent`` the runs that ended while watching (at most 24 hours back), newest first;
    ``board_since`` when watching started; ``budget_note`` says when the request budget
    cannot keep every row fresh; ``burn`` is the credit burn and its projection;
    ``selected_history`` the selected run's rates over the last 30 minutes.
    """

    taken_at: datetime
    connection: Connection = field(default_factory=Connection)
    me: Me | None = None
    balance: Balance | None = None
    squids: tuple[Squid, ...] = ()
    squids_loaded: bool = False
    selected_squid_id: str | None = None
    runs: tuple[Run, ...] = ()
    runs_squid_id: str | None = None
    runs_total: int = 0
    runs_loading_more: bool = False
    runs_pages: int = 0
    runs_exhausted: bool = False
    selected_run_id: str | None = None
    stats: RunStats | None = None
    credits: RunCredits | None = None
    tasks: tuple[RunTask, ...] = ()
    tasks_total: int = 0
    tasks_pages: int = 0
    tasks_loading_more: bool = False
    tasks_exhausted: bool = False
    results: ResultsPreview = field(default_factory=ResultsPreview)
    story_tab: StoryTab = StoryTab.LOG
    """The run detail's open tab: tasks are polled while it is Tasks, results read
    when it is Results."""
    runs_gap: RunsGap | None = None
    runs_jumping: bool = False
    progress: Mapping[str, Progress] = field(default_factory=_frozen)
    errors: Mapping[str, str] = field(default_factory=_frozen)
    fetched_at: Mapping[str, datetime] = field(default_factory=_frozen)
    degraded: Mapping[str, str] = field(default_factory=_frozen)
    skipped: Mapping[str, tuple[str, ...]] = field(default_factory=_frozen)
    incomplete: Mapping[str, str] = field(default_factory=_frozen)
    cadence: Mapping[str, Cadence] = field(default_factory=_frozen)
    latest_runs: Mapping[str, LatestRun] = field(default_factory=_frozen)
    failed_polls: int = 0
    timed_out_polls: int = 0
    launching: bool = False
    aborting: bool = False
    read_only: bool = False
    board_view: bool = False
    """The board is on screen (the selected run is then read as one of its rows)."""
    board: tuple[BoardRow, ...] = ()
    recent: tuple[EndedRow, ...] = ()
    board_since: datetime | None = None
    budget_note: str | None = None
    burn: Burn | None = None
    selected_history: RunHistory | None = None
    profile: str | None = None
    export: ExportStatus | None = None
    """The download under way (None: none): a job of the scheduler, in its budget."""
    """The account's profile name, when it is to be named (several profiles in the
    config file, or one chosen by name); None: the only account."""
    baselines: Mapping[str, Baseline] = field(default_factory=_frozen)
    """Each squid's last finished runs (its usual run), by squid id: the selected
    squid's from its runs list, the others' read once (see polling/history_job.py)."""
    anomalies: Mapping[str, tuple[Flag, ...]] = field(default_factory=_frozen)
    """By run id: how an active run, one that ended while watching, or the selected run
    is beyond its squid's usual run (see model/baseline.py)."""
    anomalies_said: frozenset[tuple[str, str]] = frozenset()
    """(run id, flag kind) already alerted: each alert comes once per run and kind."""

    @property
    def selected_squid(self) -> Squid | None:
        """The selected squid, if it is in the list."""
        return next((s for s in self.squids if s.id == self.selected_squid_id), None)

    @property
    def selected_run(self) -> Run | None:
        """The selected run, if it is among the loaded runs."""
        return next((r for r in self.runs if r.id == self.selected_run_id), None)

    @property
    def active_run(self) -> Run | None:
        """The selected squid's active run, if the loaded runs show one."""
        if self.runs_squid_id != self.selected_squid_id:
            return None
        return next((r for r in self.runs if r.status.is_active), None)

    @property
    def runs_has_more(self) -> bool:
        """True when older runs exist beyond the loaded pages (and the pages read so far
        did not end, repeat or stop bringing new runs)."""
        return not self.runs_exhausted and len(self.runs) < self.runs_total

    @property
    def tasks_has_more(self) -> bool:
        """True when the selected run has tasks beyond the pages read."""
        return not self.tasks_exhausted and len(self.tasks) < self.tasks_total

    @property
    def degraded_resources(self) -> tuple[str, ...]:
        """Resources whose last answer was not the documented shape, sorted."""
        return tuple(sorted(self.degraded))

    def is_stale(self, resource: str, now: datetime | None = None) -> bool:
        """True when ``resource`` (``squids``, ``runs``, ``stats``, ``credits``,
        ``tasks``, ``balance``, ``me``) is polled but its data is older than
        :data:`STALE_FACTOR` poll periods at ``now`` (default: ``taken_at``), or nothing
        has been read for it in that long since it was wanted. A resource that is not
        polled now (a finished run's stats) is never stale."""
        cadence = self.cadence.get(resource)
        if cadence is None:
            return False
        when = self.fetched_at.get(resource)
        if when is None or when < cadence.since:
            when = cadence.since
        at = self.taken_at if now is None else now
        return (at - when).total_seconds() > STALE_FACTOR * cadence.period

    def stale_resources(self, now: datetime | None = None) -> tuple[str, ...]:
        """Every resource :meth:`is_stale` at ``now``, sorted."""
        return tuple(sorted(r for r in self.cadence if self.is_stale(r, now)))

    def age(self, resource: str) -> float | None:
        """Seconds since a resource's last good poll, or None if never fetched."""
        when = self.fetched_at.get(resource)
        if when is None:
            return None
        return max(0.0, (self.taken_at - when).total_seconds())
