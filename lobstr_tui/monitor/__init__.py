"""What to poll when, immutable snapshots, and events derived from them (no Textual)."""

from typing import TYPE_CHECKING

from lobstr_tui.lazy import on_demand

if TYPE_CHECKING:
    from lobstr_tui.monitor.derive.events import Event, EventKind, Level, derive_events, short_id
    from lobstr_tui.monitor.model.board import BoardRow, EndedRow
    from lobstr_tui.monitor.model.burn import Burn
    from lobstr_tui.monitor.model.history import RunHistory
    from lobstr_tui.monitor.model.snapshot import (
        STALE_FACTOR,
        Cadence,
        Connection,
        LatestRun,
        LinkState,
        Progress,
        Snapshot,
    )
    from lobstr_tui.monitor.polling.actions import ActionOutcome, plain_error
    from lobstr_tui.monitor.polling.alerts import ALERT_NAMES, CREDITS_LOW, RUN_ALERTS
    from lobstr_tui.monitor.polling.budget import BudgetPlan
    from lobstr_tui.monitor.polling.clock import SYSTEM_CLOCKS, Clocks
    from lobstr_tui.monitor.polling.first_reads import FIRST_READS
    from lobstr_tui.monitor.polling.poll_policy import PollPolicy
    from lobstr_tui.monitor.polling.scheduler import PollScheduler

__all__ = [
    "ALERT_NAMES",
    "CREDITS_LOW",
    "FIRST_READS",
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

# Imported on first use (see lobstr_tui.lazy): the command sends its first reads
# before httpx and the rest are imported.
__getattr__ = on_demand(__name__, {
    "derive.events": ("Event", "EventKind", "Level", "derive_events", "short_id"),
    "model.board": ("BoardRow", "EndedRow"),
    "model.burn": ("Burn",),
    "model.history": ("RunHistory",),
    "model.snapshot": ("STALE_FACTOR", "Cadence", "Connection", "LatestRun", "LinkState",
        "Progress", "Snapshot"),
    "polling.actions": ("ActionOutcome", "plain_error"),
    "polling.alerts": ("ALERT_NAMES", "CREDITS_LOW", "RUN_ALERTS"),
    "polling.budget": ("BudgetPlan",),
    "polling.clock": ("SYSTEM_CLOCKS", "Clocks"),
    "polling.first_reads": ("FIRST_READS",),
    "polling.poll_policy": ("PollPolicy",),
    "polling.scheduler": ("PollScheduler",),
}, __all__)
