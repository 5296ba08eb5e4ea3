"""Log events derived from what polling observes (lobstr.io has no log endpoint).

``derive_events(previous, current)`` compares two snapshots and says what happened in
between: status transitions with reasons, resumes, tasks finishing, progress and credit
milestones, connection changes, items a list could not read. Launch and abort events
come from the scheduler directly. Each change gives one event: the same state seen by
the next poll gives none, and texts are never cut here (the log wraps them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from lobstr_tui.api import Run, RunStatus, Squid, StatusKind, explain
from lobstr_tui.api.text import credit_amount, fit_middle
from lobstr_tui.monitor.derive.agree import HELD_STATUSES
from lobstr_tui.monitor.model.snapshot import LatestRun, LinkState, Snapshot
from lobstr_tui.monitor.model.transitions import WANTS_REASON, status_changed

PERCENT_MILESTONES = (25, 50, 75, 100)
CREDIT_STEP = 100.0
LABEL_CELLS = 200
"""The longest task label in an event: long enough never to cut a real URL's path."""
SKIPPED_NAMED = 3
"""How many unreadable items one event names."""

_NOUNS = {"squids": "squid", "runs": "run", "older-runs": "older run", "tasks": "task"}


class EventKind(Enum):
    """What an event is about."""

    STATUS = "status"
    RESUME = "resume"
    NEW_RUN = "new-run"
    TASK = "task"
    PROGRESS = "progress"
    CREDITS = "credits"
    ACTION = "action"
    CONNECTION = "connection"
    DATA = "data"


class Level(Enum):
    """How an event should look."""

    INFO = "info"
    GOOD = "good"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Event:
    """One log line's worth of information.

    An event with ``alert`` set is also an alert (a toast, maybe a bell, a desktop
    notification, ``--notify-cmd``): ``alert`` is its name (``run.running``,
    ``run.paused``, ``run.error``, ``run.done``, ``run.aborted``, ``credits.low``) and
    ``payload`` the JSON object handed to ``--notify-cmd`` (plain dicts, lists, strings,
    numbers and None; see :mod:`lobstr_tui.monitor.polling.alerts`).
    """

    at: datetime
    kind: EventKind
    text: str
    level: Level = Level.INFO
    run_id: str | None = None
    squid_id: str | None = None
    alert: str | None = None
    payload: Mapping[str, object] | None = field(default=None, compare=False)


def short_id(run_id: str) -> str:
    """The first 6 characters of an id, as shown everywhere in the UI."""
    return run_id[:6]


def short_label(text: str, width: int = 40) -> str:
    """A task URL without its scheme and ``www.``, cut in the middle to ``width``
    terminal cells (tasks of one squid often share a long start)."""
    label = text.split("://", 1)[-1].removeprefix("www.")
    return fit_middle(label, width)


def _status_level(status: RunStatus) -> Level:
    if status.kind in (StatusKind.DONE,):
        return Level.GOOD
    if status.kind in (StatusKind.PAUSED,):
        return Level.WARNING
    if status.kind in (StatusKind.ERROR,):
        return Level.ERROR
    return Level.INFO


def describe_reason(slug: str | None, description: str | None) -> str:
    """``cookies_expired: the account's cookies expired; re-sync ...``."""
    if not slug and not description:
        return ""
    parts: list[str] = []
    if slug:
        entry = explain(slug)
        parts.append(f"{slug}: {entry.explanation}")
        if entry.action:
            parts.append(entry.action)
    if description:
        parts.append(f'"{description}"')
    return "; ".join(parts)


def reason_phrase(slug: str | None, description: str | None) -> str:
    """``website_inaccessible (the target website was down or blocked)``, then the
    description (an error's message) in quotes; empty when there is neither."""
    parts: list[str] = []
    if slug:
        parts.append(f"{slug} ({explain(slug).explanation})")
    if description:
        parts.append(f'"{description}"' if slug else description)
    return " · ".join(parts)


def squid_transition_event(at: datetime, squid: Squid, was: RunStatus | None,
                           now: RunStatus, *, detail: str | None = None) -> Event:
    """A squid that is not selected changed status on the squid list."""
    text = f"squid {squid.name}: {was.label if was else '?'} → {now.label}"
    if detail:
        text += f" ({detail})"
    return Event(at, EventKind.STATUS, text, _status_level(now), None, squid.id)


def latest_run_event(at: datetime, name: str, latest: LatestRun) -> Event:
    """``squid X: run 1a2b3c running → error: website_inaccessible (...)``: the newest
    run of a squid that is not selected, read because its status changed."""
    run = latest.run
    was = f"{latest.was.label} → " if latest.was is not None else ""
    text = f"squid {name}: run {short_id(run.id)} {was}{run.status.label}"
    reason = reason_phrase(run.done_reason, run.done_reason_desc)
    if reason:
        text += f": {reason}"
    return Event(at, EventKind.STATUS, text, _status_level(run.status), run.id,
                 latest.squid_id)


def action_event(at: datetime, text: str, *, run_id: str | None = None,
                 squid_id: str | None = None, ok: bool | None = None,
                 level: Level | None = None) -> Event:
    """An event about something the monitor did (a launch, an abort, a warning): good
    or an error by ``ok``, else ``level``, else plain information."""
    chosen = level or (Level.INFO if ok is None else Level.GOOD if ok else Level.ERROR)
    return Event(at, EventKind.ACTION, text, chosen, run_id, squid_id)


def transition_event(at: datetime, run: Run, before: RunStatus) -> Event:
    """The event for a run whose status changed from ``before``."""
    resumed = before.kind is StatusKind.PAUSED and run.status.kind is StatusKind.RUNNING
    text = f"run {short_id(run.id)} {before.label} → {run.status.label}"
    if resumed:
        text = f"run {short_id(run.id)} resumed (was paused)"
    elif run.status.kind in (StatusKind.PAUSED, StatusKind.ERROR, StatusKind.DONE,
                             StatusKind.ABORTED, StatusKind.UPLOADING) or run.done_reason:
        reason = describe_reason(run.done_reason, run.done_reason_desc)
        if reason:
            text += f" · {reason}"
    if run.status.kind is StatusKind.DONE:
        text += f" · {run.total_results:,} results, {credit_amount(run.credit_used)} credits"
    return Event(at, EventKind.RESUME if resumed else EventKind.STATUS, text,
                 Level.GOOD if resumed else _status_level(run.status), run.id, run.squid)


def _run_events(previous: Snapshot, current: Snapshot) -> Iterable[Event]:
    if (previous.runs_squid_id is None or previous.runs_squid_id != current.runs_squid_id
            or not previous.runs):
        return
    known = {run.id: run for run in previous.runs}
    newest = max((r.created_at for r in previous.runs if r.created_at), default=None)
    for run in current.runs:
        old = known.get(run.id)
        if old is None:
            if newest is None or (run.created_at and run.created_at > newest):
                yield Event(current.taken_at, EventKind.NEW_RUN,
                            f"new run {short_id(run.id)} ({run.origin or 'unknown origin'}), "
                            f"{run.status.label}", Level.INFO, run.id, run.squid)
        elif status_changed(old.status, run.status) or (
                old.done_reason != run.done_reason and run.status.kind is StatusKind.PAUSED):
            yield transition_event(current.taken_at, run, old.status)


def _squid_events(previous: Snapshot, current: Snapshot) -> Iterable[Event]:
    if not previous.squids_loaded:
        return
    before = {s.id: s.last_run_status for s in previous.squids}
    for squid in current.squids:
        if squid.id == current.selected_squid_id or squid.id not in before:
            continue
        old, new = before[squid.id], squid.last_run_status
        # A pause or an error is reported once its run is read, with the reason (see
        # _latest_run_events); the scheduler reads it as soon as the list shows it.
        if old and new and status_changed(old, new) and new.kind not in WANTS_REASON:
            yield squid_transition_event(current.taken_at, squid, old, new)


def _latest_run_events(previous: Snapshot, current: Snapshot) -> Iterable[Event]:
    if current.latest_runs is previous.latest_runs:
        return
    names = {s.id: s.name for s in current.squids}
    for squid_id, latest in current.latest_runs.items():
        if previous.latest_runs.get(squid_id) != latest:
            name = names.get(squid_id) or short_id(squid_id)
            yield latest_run_event(current.taken_at, name, latest)


def _skipped_events(previous: Snapshot, current: Snapshot) -> Iterable[Event]:
    for resource, skipped in current.skipped.items():
        if not skipped or previous.skipped.get(resource) == skipped:
            continue
        noun = _NOUNS.get(resource, resource)
        count = len(skipped)
        named = "; ".join(skipped[:SKIPPED_NAMED]) + ("; …" if count > SKIPPED_NAMED else "")
        yield Event(current.taken_at, EventKind.DATA,
                    f"{count} {noun}{'s' if count > 1 else ''} could not be read: {named}",
                    Level.WARNING)
    for resource, why in current.incomplete.items():
        if previous.incomplete.get(resource) != why:
            yield Event(current.taken_at, EventKind.DATA, why, Level.WARNING)


def _aborted(snapshot: Snapshot) -> bool:
    run = snapshot.selected_run
    return run is not None and run.done_reason == "aborted"


def _progress_events(previous: Snapshot, current: Snapshot) -> Iterable[Event]:
    old, new = previous.stats, current.stats
    if old is None or new is None or old.id != new.id:
        return
    run = current.selected_run
    if run is not None and run.id == new.id and run.status.kind in (StatusKind.PAUSED,
                                                                    StatusKind.PENDING):
        return  # no progress of a run the rows show held (its resume is said first)
    run_id = new.id
    if new.total_tasks_done > old.total_tasks_done and not _aborted(current):
        yield Event(current.taken_at, EventKind.PROGRESS,
                    f"run {short_id(run_id)} {new.total_tasks_done}/{new.total_tasks} tasks"
                    f" · {new.total_results:,} results"
                    f" (+{new.total_results - old.total_results:,})",
                    Level.INFO, run_id)
    if (old.percent_done is not None and new.percent_done is not None
            and not _aborted(current)):
        for mark in PERCENT_MILESTONES:
            if old.percent_done < mark <= new.percent_done:
                yield Event(current.taken_at, EventKind.PROGRESS,
                            f"run {short_id(run_id)} reached {mark}%", Level.GOOD, run_id)


def _credit_events(previous: Snapshot, current: Snapshot) -> Iterable[Event]:
    oc, nc = previous.credits, current.credits
    if oc is not None and nc is not None and oc.run_id == nc.run_id:
        # Milestones every 100 credits, every 1,000 once a run is past 10,000.
        step = CREDIT_STEP if nc.total_credits < 100 * CREDIT_STEP else 10 * CREDIT_STEP
        if int(oc.total_credits // step) < int(nc.total_credits // step):
            yield Event(current.taken_at, EventKind.CREDITS,
                        f"run {short_id(nc.run_id)} has used "
                        f"{credit_amount(nc.total_credits)} credits",
                        Level.INFO, nc.run_id)


def _task_events(previous: Snapshot, current: Snapshot) -> Iterable[Event]:
    if not previous.tasks or not current.tasks or previous.tasks[0].run != current.tasks[0].run:
        return
    before = {t.id: t.status for t in previous.tasks}
    ended = [t for t in current.tasks
             if t.id in before and before[t.id] != t.status
             and t.status not in ("pending", "running", "", *HELD_STATUSES)]
    # An abort ends every remaining task at once: one line says so instead of dozens.
    swept = [t for t in ended if t.done_reason == "run_aborted"]
    if len(swept) > 2:
        ended = [t for t in ended if t.done_reason != "run_aborted"]
        yield Event(current.taken_at, EventKind.TASK,
                    f"{len(swept)} tasks stopped with the run (run_aborted)", Level.INFO,
                    swept[0].run)
    for task in ended:
        reason = f" ({task.done_reason})" if task.done_reason else ""
        yield Event(current.taken_at, EventKind.TASK,
                    f"task {short_label(task.label, LABEL_CELLS)} {task.status}: "
                    f"{task.last_result:,} results{reason}",
                    Level.ERROR if task.status == "error" else Level.INFO, task.run)


def connection_event(at: datetime, before: LinkState, after: Snapshot) -> Event | None:
    """The event for a change of connection state, if it deserves one."""
    state = after.connection.state
    if before == state:
        return None
    detail = after.connection.detail or ""
    if state is LinkState.LIVE:
        if before is LinkState.CONNECTING:
            return Event(at, EventKind.CONNECTION, "connected", Level.GOOD)
        return Event(at, EventKind.CONNECTION, "connection restored", Level.GOOD)
    if state is LinkState.RATE_LIMITED:
        return Event(at, EventKind.CONNECTION, f"rate-limited by the API: {detail}",
                     Level.WARNING)
    if state is LinkState.UNAUTHORIZED:
        return Event(at, EventKind.CONNECTION,
                     "unauthorized: the token was rejected; check LOBSTR_TOKEN", Level.ERROR)
    if state in (LinkState.OFFLINE, LinkState.STALE):
        return Event(at, EventKind.CONNECTION, f"connection lost: {detail}", Level.WARNING)
    return None


def _data_events(previous: Snapshot, current: Snapshot) -> Iterable[Event]:
    for resource, message in current.errors.items():
        if previous.errors.get(resource) != message:
            yield Event(current.taken_at, EventKind.DATA, f"could not read {resource}: {message}",
                        Level.WARNING)


def derive_events(previous: Snapshot, current: Snapshot) -> list[Event]:
    """Everything that visibly happened between two snapshots."""
    events: list[Event] = []
    change = connection_event(current.taken_at, previous.connection.state, current)
    if change is not None:
        events.append(change)
    for source in (_run_events, _squid_events, _latest_run_events, _progress_events,
                   _credit_events, _task_events, _data_events, _skipped_events):
        events.extend(source(previous, current))
    return events
