"""What the scheduler does about an answer or a failure, as pure functions.

Each takes the state (and what the scheduler knows) and returns what to do: the new
state, the events to say, the reads that are due now. The scheduler applies them; the
tests call them without a loop, a clock or a network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from lobstr_tui.api import (
    LobstrError,
    NotFoundError,
    RateLimitedError,
    RunStatus,
    UnauthorizedError,
)
from lobstr_tui.monitor.derive.events import (
    Event,
    Level,
    action_event,
    short_id,
    squid_transition_event,
)
from lobstr_tui.monitor.model import merge, story
from lobstr_tui.monitor.model.snapshot import Snapshot
from lobstr_tui.monitor.model.transitions import (
    SETTLED,
    WANTS_REASON,
    run_transitions,
    squid_transitions,
    status_changed,
)
from lobstr_tui.monitor.polling.jobs import Job, JobKind


@dataclass(frozen=True)
class Reaction:
    """What an answer calls for: ``due`` job keys to read now, ``reasons`` squids whose
    newest run is to be read for the reason of its change (with the status it had)."""

    due: tuple[str, ...] = ()
    reasons: dict[str, RunStatus | None] = field(default_factory=dict)


def key(kind: JobKind, target: str | None = None) -> str:
    """The job key of ``kind`` on ``target``."""
    return kind.value if target is None else f"{kind.value}:{target}"


def after_transitions(before: Snapshot, state: Snapshot,
                      knows: Callable[[str, RunStatus], bool]) -> Reaction:
    """Status changes seen in the last answer: a run that paused or ended has its
    credits, stats and the balance read again now; a squid not selected whose last run
    paused or failed has that run read (for the reason) unless ``knows`` it already; a
    squid list that disagrees with the selected squid's runs has them read again."""
    due: list[str] = []
    reasons: dict[str, RunStatus | None] = {}
    settled = False
    for change in run_transitions(before, state):
        if change.run.status.kind in SETTLED:
            settled = True
            if change.run.id == state.selected_run_id:
                due += [key(JobKind.CREDITS, change.run.id), key(JobKind.STATS, change.run.id)]
    for moved in squid_transitions(before, state):
        settled = settled or moved.now.kind in SETTLED
        squid_id = moved.squid.id
        if squid_id == state.selected_squid_id:
            if runs_say_otherwise(state, moved.now, unloaded=True):
                due.append(key(JobKind.RUNS, squid_id))
        elif moved.now.kind in WANTS_REASON and not knows(squid_id, moved.now):
            reasons.setdefault(squid_id, moved.was)
            due.append(key(JobKind.LATEST_RUN, squid_id))
    if settled:
        due.append(key(JobKind.BALANCE))
    squid = state.selected_squid
    if state.squids is not before.squids and squid is not None and (
            squid.last_run_status is not None) and runs_say_otherwise(
            state, squid.last_run_status, unloaded=False):
        # The list says another state than the selected squid's runs (a launch, an
        # abort, a pause seen there first): read them now, not at their next poll.
        due.append(key(JobKind.RUNS, squid.id))
    return Reaction(tuple(dict.fromkeys(due)), reasons)


def runs_say_otherwise(state: Snapshot, status: RunStatus, *, unloaded: bool) -> bool:
    """Whether the selected squid's newest loaded run is not in ``status`` (``unloaded``:
    what to answer when its runs are not loaded)."""
    if state.runs_squid_id != state.selected_squid_id or not state.runs:
        return unloaded
    return status_changed(state.runs[0].status, status)


def asked_failed(state: Snapshot, job: Job, error: LobstrError, *, at: datetime,
                 retry_at: datetime) -> tuple[Snapshot, list[Event]]:
    """A read the person asked for failed: say so; only a results page refused by a
    rate limit is read again by itself (at ``retry_at``)."""
    target = job.target or ""
    if job.kind is JobKind.RESULTS:
        limited = isinstance(error, RateLimitedError)
        state = story.results_delayed(state, target, retry_at if limited else None)
        if not limited:
            state = merge.with_error(state, "results", error.message)
        return state, []
    if job.kind is JobKind.FIND_RUN:
        text = (f"no run {short_id(target)}… on lobstr.io" if isinstance(
            error, NotFoundError) else f"could not look up run {short_id(target)}…: {error}")
        return state, [action_event(at, text, level=Level.WARNING)]
    if job.kind is JobKind.OLDER_TASKS:
        what, state = "more tasks", replace(state, tasks_loading_more=False)
    elif job.kind is JobKind.OLDEST_RUNS:
        what, state = "the oldest runs", replace(state, runs_jumping=False)
    else:
        what, state = "older runs", replace(state, runs_loading_more=False)
    return state, [action_event(at, f"could not load {what}: {error}", level=Level.WARNING)]


def missing_selection(state: Snapshot, job: Job) -> str | None:
    """A 404 for what is selected: ``squid`` or ``run`` to forget (None: not the
    selection's)."""
    if job.target is None:
        return None
    if job.kind is JobKind.RUNS and job.target == state.selected_squid_id:
        return "squid"
    if job.kind in (JobKind.STATS, JobKind.CREDITS, JobKind.TASKS) and (
            job.target == state.selected_run_id):
        return "run"
    return None


def squid_gone(state: Snapshot, squid_id: str, at: datetime) -> tuple[Snapshot, Event, str | None]:
    """The selected squid no longer exists: the state without it, what to say, and the
    squid to show instead."""
    said = action_event(at, "the selected squid no longer exists on lobstr.io; showing "
                        "another one", level=Level.WARNING, squid_id=squid_id)
    state = merge.squid_removed(state, squid_id)
    return state, said, state.squids[0].id if state.squids else None


def run_gone(state: Snapshot, run_id: str, at: datetime) -> tuple[Snapshot, Event, str | None]:
    """The selected run no longer exists: the state without it, what to say, and the
    run to show instead."""
    said = action_event(at, f"run {short_id(run_id)} no longer exists on lobstr.io; it left "
                        "the table", level=Level.WARNING, run_id=run_id)
    state = merge.run_removed(state, run_id)
    chosen = merge.preferred_run(state)
    return state, said, chosen.id if chosen else None


def failure_delay(error: LobstrError, backoff: float, *,
                  unauthorized_every: float) -> tuple[float, float | None]:
    """How long a failed read waits before it is sent again, and how long its prefix is
    closed (a 429's ``Retry-After``; None: not closed). A rejected token does not heal
    by retrying: only one slow probe remains (see the scheduler)."""
    if isinstance(error, UnauthorizedError):
        return unauthorized_every, None
    if isinstance(error, RateLimitedError):
        retry = error.retry_after if error.retry_after is not None else backoff
        return max(backoff, retry), retry
    return backoff, None


def reason_unread(state: Snapshot, squid_id: str, was: RunStatus | None, error: LobstrError,
                  at: datetime) -> list[Event]:
    """The newest run of a squid whose status changed could not be read: the change is
    reported without its reason, once."""
    squid = next((s for s in state.squids if s.id == squid_id), None)
    if squid is None or squid.last_run_status is None:
        return []
    return [squid_transition_event(at, squid, was, squid.last_run_status,
                                   detail=f"the reason could not be read: {error.message}")]


def selection_after(job: Job, before: Snapshot, state: Snapshot) -> tuple[str, str | None] | None:
    """After an answer, what the selection must do: ``("forget squid", id)`` or
    ``("forget run", id)`` when it vanished on the server, ``("select squid", id)`` or
    ``("select run", id)`` when it is empty (the first squid; the active or newest run)."""
    if job.kind is JobKind.SQUIDS:
        selected = state.selected_squid_id
        if selected is not None and all(s.id != selected for s in state.squids):
            return "forget squid", selected
        if selected is None and state.squids:
            return "select squid", state.squids[0].id
    elif job.kind is JobKind.RUNS and job.target == state.selected_squid_id:
        if before.selected_run_id is not None and state.selected_run is None:
            return "forget run", before.selected_run_id
        if state.selected_run_id is None:
            chosen = merge.preferred_run(state)
            return "select run", chosen.id if chosen else None
    return None
