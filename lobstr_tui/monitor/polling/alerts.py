"""Alerts: the status changes of any run on the account, and credits running low.

A run's change seen while watching (:class:`~lobstr_tui.monitor.polling.tracker.RunChange`) is an
alert when its new status is one of :data:`RUN_ALERTS` (lobstr.io's webhook event names
where they exist); the tracker notes each change once, so each alert comes once per
transition. ``credits.low`` comes once each time the balance falls below
``--credits-warn`` or the projection says the credits end before the running runs do.

An alert is an :class:`~lobstr_tui.monitor.derive.events.Event` with ``alert`` and ``payload``
set; when the log already has a line for the same change in the same snapshot, that line
becomes the alert (one line, never two). The payload, for ``--notify-cmd``::

    {"event": "run.paused", "at": "2026-11-02T09:00:05Z",
     "squid": {"id": "...", "name": "..."},
     "run": {"id": "...", "status": "paused", "done_reason": "cookies_expired",
             "done_reason_desc": "...", "percent": 62.0, "results": 1240,
             "credits": 1240.0}}

``credits.low`` has ``"squid": null, "run": null`` and
``"balance": {"remaining": ..., "available": ...}``. ``run.anomaly`` (a run beyond its
squid's usual run, see :mod:`~lobstr_tui.monitor.model.baseline`) adds ``"kind"``
(``slow``, ``few results``, ``costly``), ``"ratio"``, ``"median"`` (the usual figure
at the run's percent) and ``"n"`` (the runs compared), once per run and kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from lobstr_tui.api import Balance, Run, StatusKind, credit_amount
from lobstr_tui.api.reasons import is_failure
from lobstr_tui.monitor.derive.events import Event, EventKind, Level, reason_phrase, short_id
from lobstr_tui.monitor.model.baseline import Flag
from lobstr_tui.monitor.model.burn import Burn
from lobstr_tui.monitor.model.snapshot import Snapshot
from lobstr_tui.monitor.polling.tracker import RunChange

RUN_ALERTS = {
    StatusKind.RUNNING: "run.running",
    StatusKind.PAUSED: "run.paused",
    StatusKind.ERROR: "run.error",
    StatusKind.DONE: "run.done",
    StatusKind.ABORTED: "run.aborted",
}
CREDITS_LOW = "credits.low"
RUN_ANOMALY = "run.anomaly"
ALERT_NAMES = (*RUN_ALERTS.values(), RUN_ANOMALY, CREDITS_LOW)


def iso_utc(at: datetime) -> str:
    """``2026-11-02T09:00:05Z``."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _level(change: RunChange) -> Level:
    run = change.run
    kind = run.status.kind
    if kind is StatusKind.RUNNING:
        return Level.GOOD if change.was is not None and (
            change.was.kind is StatusKind.PAUSED) else Level.INFO
    if kind is StatusKind.PAUSED:
        return Level.WARNING
    if kind is StatusKind.ERROR:
        return Level.ERROR
    if kind is StatusKind.DONE:
        return Level.WARNING if is_failure(run.done_reason) else Level.GOOD
    return Level.INFO


def _text(change: RunChange, squid_name: str) -> str:
    run = change.run
    head = f"squid {squid_name}: run {short_id(run.id)}"
    was = change.was
    if run.status.kind is StatusKind.RUNNING:
        if was is None or was.kind is StatusKind.PENDING:
            return f"{head} started"
        if was.kind is StatusKind.PAUSED:
            return f"{head} resumed (was paused)"
    text = f"{head} {was.label} → {run.status.label}" if was else (
        f"{head} {run.status.label}")
    reason = reason_phrase(run.done_reason, run.done_reason_desc)
    if reason:
        text += f": {reason}"
    if run.status.kind in (StatusKind.DONE, StatusKind.ABORTED):
        text += f" · {run.total_results:,} results"
    return text


def run_alert(change: RunChange, squid_name: str) -> Event | None:
    """The alert for a run's change, or None when its new status is not one."""
    name = RUN_ALERTS.get(change.run.status.kind)
    if name is None:
        return None
    run, stats = change.run, change.stats
    results = max(run.total_results, stats.total_results if stats is not None else 0)
    percent = stats.percent_done if stats is not None else (
        100.0 if run.status.kind is StatusKind.DONE else None)
    payload: dict[str, object] = {
        "event": name,
        "at": iso_utc(change.at),
        "squid": {"id": change.squid_id, "name": squid_name},
        "run": {"id": run.id, "status": run.status.label, "done_reason": run.done_reason,
                "done_reason_desc": run.done_reason_desc, "percent": percent,
                "results": results, "credits": run.credit_used},
    }
    return Event(change.at, EventKind.STATUS, _text(change, squid_name), _level(change),
                 run.id, change.squid_id, alert=name, payload=payload)


def anomaly_alert(at: datetime, run: Run, squid_id: str, squid_name: str,
                  flag: Flag) -> Event:
    """The ``run.anomaly`` alert for one flag of one run."""
    done = " done with" if run.status.kind is StatusKind.DONE else ""
    text = f"squid {squid_name}: run {short_id(run.id)}{done} {flag.text}"
    payload: dict[str, object] = {
        "event": RUN_ANOMALY,
        "at": iso_utc(at),
        "squid": {"id": squid_id, "name": squid_name},
        "run": {"id": run.id, "status": run.status.label, "results": run.total_results,
                "credits": run.credit_used},
        "kind": flag.kind.value, "ratio": round(flag.ratio, 3),
        "median": round(flag.median, 3), "n": flag.n,
    }
    return Event(at, EventKind.DATA, text, Level.WARNING, run.id, squid_id,
                 alert=RUN_ANOMALY, payload=payload)


def anomaly_alerts(state: Snapshot, name: Callable[[str], str]
                   ) -> tuple[list[Event], frozenset[tuple[str, str]]]:
    """The ``run.anomaly`` alerts of the board's runs and those that ended while
    watching whose flag was not said yet, and the flags said so far (with these)."""
    said = set(state.anomalies_said)
    alerts: list[Event] = []
    runs = [(row.run, row.squid_id) for row in state.board]
    runs += [(ended.run, ended.squid_id) for ended in state.recent]
    for run, squid_id in runs:
        for flag in state.anomalies.get(run.id, ()):
            key = (run.id, flag.kind.value)
            if key in said:
                continue
            said.add(key)
            alerts.append(anomaly_alert(state.taken_at, run, squid_id, name(squid_id), flag))
    return alerts, frozenset(said)


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes >= 60:
        return f"{minutes // 60}h {minutes % 60:02d}m"
    return f"{max(1, minutes)}m"


def credits_alert(at: datetime, burn: Burn, balance: Balance) -> Event:
    """The ``credits.low`` alert for ``burn``."""
    parts = [f"credits low: {credit_amount(balance.remaining)} left"]
    if burn.credits_per_minute > 0:
        parts.append(f"spending {credit_amount(burn.credits_per_minute)} a minute")
        if burn.runs_out_in is not None:
            rate = ("this rate" if burn.window is None
                    else f"the last {max(1, round(burn.window / 60))} min's rate")
            parts.append(f"≈ {_duration(burn.runs_out_in)} left at {rate}")
    if burn.ends_before_runs:
        parts.append("the credits end before the active runs finish")
    payload: dict[str, object] = {
        "event": CREDITS_LOW, "at": iso_utc(at), "squid": None, "run": None,
        "balance": {"remaining": balance.remaining, "available": balance.available},
    }
    return Event(at, EventKind.CREDITS, " · ".join(parts),
                 Level.ERROR if balance.remaining <= 0 else Level.WARNING,
                 alert=CREDITS_LOW, payload=payload)


class CreditAlarm:
    """``credits.low`` once per crossing: armed again when the warning clears."""

    def __init__(self) -> None:
        self._raised = False

    def check(self, at: datetime, burn: Burn | None, balance: Balance | None) -> Event | None:
        """The alert if the warning just began."""
        warning = burn is not None and burn.warning
        if not warning:
            self._raised = False
            return None
        if self._raised or burn is None or balance is None:
            return None
        self._raised = True
        return credits_alert(at, burn, balance)


def attach(found: Sequence[Event], alerts: Iterable[Event], *,
           followed_squids: Iterable[str] = ()) -> list[Event]:
    """``found`` with each alert in place of the log line about the same run change (or
    added at the end), and without the squid-list lines (no run id) about squids in
    ``followed_squids``: the alert about their run, with its reason, says it."""
    hidden = set(followed_squids)
    events = [e for e in found if not (e.kind is EventKind.STATUS and e.run_id is None
                                       and e.squid_id in hidden and e.alert is None)]
    for alert in alerts:
        index = next((i for i, e in enumerate(events)
                      if e.alert is None and e.run_id == alert.run_id and alert.run_id
                      and e.kind in (EventKind.STATUS, EventKind.RESUME)), None)
        if index is None:
            events.append(alert)
        else:
            events[index] = replace(alert, at=events[index].at)
    return events
