"""What to poll when, immutable snapshots, and events derived from them (no Textual)."""

from lobstr_tui.monitor.actions import ActionOutcome, plain_error
from lobstr_tui.monitor.clock import SYSTEM_CLOCKS, Clocks
from lobstr_tui.monitor.events import Event, EventKind, Level, derive_events, short_id
from lobstr_tui.monitor.policy import PollPolicy
from lobstr_tui.monitor.scheduler import PollScheduler
from lobstr_tui.monitor.snapshot import (
    STALE_FACTOR,
    Cadence,
    Connection,
    LatestRun,
    LinkState,
    Progress,
    Snapshot,
)

__all__ = [
    "STALE_FACTOR",
    "SYSTEM_CLOCKS",
    "ActionOutcome",
    "Cadence",
    "Clocks",
    "Connection",
    "Event",
    "EventKind",
    "LatestRun",
    "Level",
    "LinkState",
    "PollPolicy",
    "PollScheduler",
    "Progress",
    "Snapshot",
    "derive_events",
    "plain_error",
    "short_id",
]
