"""Putting a snapshot together for publishing: the state with the connection, the
cadence, the board and its burn projection, every place of a run agreeing with its
freshest read; then the events and alerts that came with it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType

from lobstr_tui.monitor.derive.agree import agreed
from lobstr_tui.monitor.derive.anomalies import anomalies_of
from lobstr_tui.monitor.derive.events import Event, derive_events
from lobstr_tui.monitor.model.burn import project_burn
from lobstr_tui.monitor.model.snapshot import Cadence, Connection, Snapshot
from lobstr_tui.monitor.model.transitions import squid_transitions
from lobstr_tui.monitor.polling.alerts import (
    RUN_ALERTS,
    CreditAlarm,
    anomaly_alerts,
    attach,
    run_alert,
)
from lobstr_tui.monitor.polling.tracker import RunTracker


@dataclass(frozen=True)
class Assembled:
    """``state``: the scheduler's state to keep; ``shown``: the snapshot to publish
    (``state`` agreed); ``events``: what happened since the last one published."""

    state: Snapshot
    shown: Snapshot
    events: list[Event]


def assemble(state: Snapshot, previous: Snapshot, *, now: datetime, connection: Connection,
             cadence: Mapping[str, Cadence], tracker: RunTracker, budget_note: str | None,
             credits_warn: float | None, alarm: CreditAlarm,
             pending: list[Event], extra: list[Event]) -> Assembled:
    """The snapshot that follows ``previous``, and its events (``pending`` ones first,
    ``extra`` last), with the alerts of the runs that changed."""
    if dict(state.cadence) != dict(cadence):
        state = replace(state, cadence=MappingProxyType(dict(cadence)))
    tracker.sync(state)
    changes = tracker.take_changes()
    board, recent = tracker.build(now)
    burn = project_burn(((row, tracker.credits_rate(row.run.id)) for row in board),
                        state.balance, credits_warn)
    state = replace(state, taken_at=now, connection=connection, board=board, recent=recent,
                    board_since=tracker.since, budget_note=budget_note, burn=burn,
                    selected_history=tracker.history(state.selected_run_id))
    # Published with every place of a run showing its freshest read; the log's events
    # are derived from what is shown.
    shown = agreed(state)
    # Each run's flags against its squid's usual run, and their alerts once each.
    flags = MappingProxyType(anomalies_of(shown))
    unusual, said = anomaly_alerts(replace(shown, anomalies=flags), tracker.name)
    shown = replace(shown, anomalies=flags, anomalies_said=said)
    state = replace(state, anomalies=flags, anomalies_said=said)
    found = [*pending, *derive_events(previous, shown), *extra]
    alerts = [alert for change in changes
              if (alert := run_alert(change, tracker.name(change.squid_id)))]
    alerts += unusual
    credits_low = alarm.check(now, burn, shown.balance)
    if credits_low is not None:
        alerts.append(credits_low)
    followed = [moved.squid.id for moved in squid_transitions(previous, shown)
                if moved.now.kind in RUN_ALERTS and moved.squid.id != shown.selected_squid_id]
    return Assembled(state, shown, attach(found, alerts, followed_squids=followed))
