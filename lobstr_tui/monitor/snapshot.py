"""Immutable snapshots of everything the monitor knows, handed to the UI as a whole."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from types import MappingProxyType
from typing import Any

from lobstr_tui.api import Balance, Me, Run, RunCredits, RunStats, RunTask, Squid


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
    """Last known progress of an active run (for the squid list and the run detail)."""

    run_id: str
    percent: float | None
    tasks_done: int
    tasks_total: int
    results: int


def _frozen() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent view of the account, the selection and the connection.

    ``errors`` maps a resource name (``squids``, ``runs``, ``stats``, ``credits``,
    ``tasks``, ``balance``, ``me``) to the message of its last failed poll, for as long
    as that resource has not been fetched again successfully; the last good data stays.
    ``fetched_at`` gives the time of each resource's last good poll.
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
    selected_run_id: str | None = None
    stats: RunStats | None = None
    credits: RunCredits | None = None
    tasks: tuple[RunTask, ...] = ()
    progress: Mapping[str, Progress] = field(default_factory=_frozen)
    errors: Mapping[str, str] = field(default_factory=_frozen)
    fetched_at: Mapping[str, datetime] = field(default_factory=_frozen)
    failed_polls: int = 0
    timed_out_polls: int = 0
    launching: bool = False
    aborting: bool = False
    read_only: bool = False

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
        """True when older runs exist beyond the loaded pages."""
        return len(self.runs) < self.runs_total

    def age(self, resource: str) -> float | None:
        """Seconds since a resource's last good poll, or None if never fetched."""
        when = self.fetched_at.get(resource)
        if when is None:
            return None
        return max(0.0, (self.taken_at - when).total_seconds())
