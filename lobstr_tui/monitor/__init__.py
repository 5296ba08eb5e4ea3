"""What to poll when, immutable snapshots, and events derived from them (no Textual)."""

from lobstr_tui.monitor.actions import ActionOutcome, plain_error
from lobstr_tui.monitor.alerts import ALERT_NAMES, CREDITS_LOW, RUN_ALERTS
from lobstr_tui.monitor.board import BoardRow, EndedRow
from lobstr_tui.monitor.budget import BudgetPlan
from lobstr_tui.monitor.burn import Burn
from lobstr_tui.monitor.clock import SYSTEM_CLOCKS, Clocks
from lobstr_tui.monitor.events import Event, EventKind, Level, derive_events, short_id
from lobstr_tui.monitor.history import RunHistory
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
    "ALERT_NAMES",
    "CREDITS_LOW",
    "RUN_ALERTS",
    "STALE_FACTOR",
    "SYSTEM_CLOCKS",
    "ActionOutcome",
    "BoardRow",
    "BudgetPlan",
    "Burn",
    "Cadence",
    "Clocks",
    "Connection",
    "EndedRow",
    "Event",
    "EventKind",
    "LatestRun",
    "Level",
    "LinkState",
    "PollPolicy",
    "PollScheduler",
    "Progress",
    "RunHistory",
    "Snapshot",
    "derive_events",
    "plain_error",
    "short_id",
]
