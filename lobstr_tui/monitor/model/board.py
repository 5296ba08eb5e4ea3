"""The active-runs board: one row per run that is going on across all squids, and what
ended while the monitor watched.

The rows are built by :class:`~lobstr_tui.monitor.tracker.RunTracker` from what the
scheduler reads (see :mod:`lobstr_tui.monitor.budget` for how often); this module holds
the immutable rows the snapshot carries and their order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from lobstr_tui.api import Run, RunStats, StatusKind

NEEDS_PERSON = frozenset({StatusKind.PAUSED, StatusKind.ERROR})
"""Statuses that wait for the person (a pause's cause to fix, an error to look at)."""


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One run on the board.

    ``run`` is the run as last read (status, reason, results, credits), ``stats`` its
    last progress read (None before the first), ``read_at`` when the newer of the two
    was read (the row's age is measured from it). ``results_per_minute`` is the rate over
    the last two minutes of reads and ``rate_history`` one results-per-minute sample per
    minute of watching, oldest first, at most 30 (a sparkline). ``credits_used`` is the
    newest figure read (the run's ``credit_used`` or its credits breakdown);
    ``eta_seconds`` lobstr.io's estimate, less the time since it was read (None when
    unknown). ``needs_person``: paused or errored.
    """

    squid_id: str
    squid_name: str
    run: Run
    stats: RunStats | None
    read_at: datetime | None
    results_per_minute: float | None
    rate_history: tuple[float, ...]
    credits_used: float | None
    eta_seconds: float | None
    needs_person: bool
    profile: str | None = None
    """The account's profile, on a board of several (``--all-profiles``)."""

    @property
    def percent(self) -> float | None:
        """Percent done from the last progress read, if any."""
        return None if self.stats is None else self.stats.percent_done

    @property
    def results(self) -> int:
        """The most results either read says."""
        return max(self.run.total_results,
                   self.stats.total_results if self.stats is not None else 0)

    def age(self, now: datetime) -> float | None:
        """Seconds since the row's data was read (None: never)."""
        return None if self.read_at is None else max(0.0, (now - self.read_at).total_seconds())


@dataclass(frozen=True, slots=True)
class EndedRow:
    """A run that ended (done, error, aborted) while the monitor watched.

    ``status`` is the status word as shown (``done``, ``error``, ``aborted``);
    ``ended_at`` the run's end as lobstr.io gives it, else when the end was seen.
    """

    squid_id: str
    squid_name: str
    run: Run
    ended_at: datetime
    status: str
    done_reason: str | None
    results: int
    profile: str | None = None
    """The account's profile, on a board of several (``--all-profiles``)."""


def board_order(rows: Iterable[BoardRow]) -> tuple[BoardRow, ...]:
    """Rows that need the person first (paused before errored), then by ETA (soonest
    first, unknown last), then by squid name."""

    def key(row: BoardRow) -> tuple[bool, int, bool, float, str, str, str]:
        kind = row.run.status.kind
        return (not row.needs_person, 0 if kind is StatusKind.PAUSED else 1,
                row.eta_seconds is None, row.eta_seconds or 0.0, row.squid_name.casefold(),
                row.profile or "", row.run.id)

    return tuple(sorted(rows, key=key))
