"""Launch and abort: the requests, what to do when they get no answer, and their wording.

These are the only two calls that cost the user money or work, so each is guarded: one
of a kind in flight at a time, no second launch of the same squid right after one was
accepted, and a launch that got no answer re-reads the runs instead of launching again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from lobstr_tui.api import (
    LobstrClient,
    LobstrError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    Run,
    UnauthorizedError,
    credit_amount,
)
from lobstr_tui.monitor.derive.events import Event, action_event, short_id
from lobstr_tui.monitor.model import merge
from lobstr_tui.monitor.model.snapshot import Snapshot
from lobstr_tui.monitor.polling.cancelling import cancel_and_wait
from lobstr_tui.monitor.polling.clock import Clocks

RELAUNCH_GUARD_SECONDS = 10.0
LAUNCH_RECHECK_SECONDS = 2.0
READ_ONLY_LAUNCH = "read-only: launching is off (started with --read-only)"
READ_ONLY_ABORT = "read-only: aborting is off (started with --read-only)"

_REFUSALS = {
    "RunInProgress": "a run is already active for this squid",
    "NoTasksPresent": "this squid has no active tasks to run: add tasks in lobstr.io first",
    "SquidNotReady": "this squid is not ready: set its crawler parameters in lobstr.io",
    "SlotsLimitExceeded": "all the slots of your plan are in use",
    "ConcurrencyLimitExceeded": "the squid's concurrency is above what the plan allows",
}


@dataclass(frozen=True)
class ActionOutcome:
    """What a launch or abort achieved, in plain words for the user."""

    ok: bool
    message: str
    run_id: str | None = None


@dataclass(frozen=True)
class LaunchAnswer:
    """The outcome of a launch and the runs it taught us (to merge into the table)."""

    outcome: ActionOutcome
    runs: tuple[Run, ...] = ()
    total: int | None = None
    started: Run | None = None
    error: LobstrError | None = None


@dataclass(frozen=True)
class AbortAnswer:
    """The outcome of an abort and the run as the API now describes it."""

    outcome: ActionOutcome
    run: Run | None = None
    error: LobstrError | None = None


def plain_error(error: LobstrError, *, credits_left: float | None = None) -> str:
    """A refusal or failure in the words a user expects."""
    kind = getattr(error, "error_type", None)
    if kind in ("NotEnoughBalance", "NotEnoughCredits"):
        if credits_left is not None:
            return f"not enough credits: {credit_amount(max(0.0, credits_left))} left"
        return "not enough credits"
    if kind in _REFUSALS:
        return _REFUSALS[kind]
    if isinstance(error, UnauthorizedError):
        return "unauthorized: the token was rejected; check LOBSTR_TOKEN"
    if isinstance(error, RateLimitedError):
        return "rate-limited by the API; try again shortly"
    return error.message


class RelaunchGuard:
    """Remembers accepted launches for a while: a repeated key press right after a
    launch never starts a second paid run."""

    def __init__(self, monotonic: Callable[[], float], *,
                 seconds: float = RELAUNCH_GUARD_SECONDS) -> None:
        self._monotonic = monotonic
        self.seconds = seconds
        self._launched: dict[str, tuple[float, str]] = {}

    def launched(self, squid_id: str, run_id: str) -> None:
        """A launch of ``squid_id`` was accepted as ``run_id``."""
        self._launched[squid_id] = (self._monotonic(), run_id)

    def refusal(self, squid_id: str) -> str | None:
        """Why launching ``squid_id`` again now is refused, or None."""
        recent = self._launched.get(squid_id)
        if recent is None or self._monotonic() - recent[0] >= self.seconds:
            return None
        return f"run {short_id(recent[1])} was just launched for this squid"


async def request_launch(client: LobstrClient, squid_id: str, name: str, *,
                         credits_left: float | None) -> LaunchAnswer:
    """Ask the API to start a run of ``squid_id`` (``name`` is for the wording)."""
    try:
        run = await client.start_run(squid_id)
    except NetworkError as error:
        return await _launch_unanswered(client, squid_id, name, error)
    except LobstrError as error:
        message = plain_error(error, credits_left=credits_left)
        return LaunchAnswer(ActionOutcome(False, f"launch refused for {name}: {message}"),
                            error=error)
    outcome = ActionOutcome(True, f"launched run {short_id(run.id)} of {name} "
                                  f"({run.status.label})", run.id)
    return LaunchAnswer(outcome, (run,), started=run)


async def _launch_unanswered(client: LobstrClient, squid_id: str, name: str,
                             error: NetworkError) -> LaunchAnswer:
    """The start request got no answer: re-read the runs instead of launching again."""
    try:
        page = await client.runs_page(squid_id, limit=5)
    except LobstrError:
        return LaunchAnswer(ActionOutcome(
            False, f"launch of {name}: no answer ({error.message}) and the runs could not "
                   "be re-read; check before retrying"))
    active = next((r for r in page.items if r.status.is_active), None)
    runs = tuple(page.items)
    if active is not None:
        return LaunchAnswer(ActionOutcome(
            True, f"launch of {name}: no answer ({error.message}), but run "
                  f"{short_id(active.id)} is active: it started", active.id),
            runs, page.total_results, active)
    return LaunchAnswer(ActionOutcome(
        False, f"launch of {name}: no answer ({error.message}) and no active run: "
               "it did not start"), runs, page.total_results)


async def request_abort(client: LobstrClient, run_id: str) -> AbortAnswer:
    """Ask the API to abort ``run_id``."""
    try:
        run = await client.abort_run(run_id)
    except NotFoundError:
        return AbortAnswer(ActionOutcome(
            False, f"run {short_id(run_id)} had already finished; nothing to abort", run_id))
    except LobstrError as error:
        return AbortAnswer(ActionOutcome(
            False, f"abort of run {short_id(run_id)} failed: {plain_error(error)}", run_id),
            error=error)
    return AbortAnswer(ActionOutcome(
        True, f"abort accepted: run {short_id(run_id)} is {run.status.label}", run_id), run)


class ActionHost(Protocol):
    """What launching and aborting need from the scheduler that owns the snapshot."""

    @property
    def state(self) -> Snapshot:
        """The current (unpublished) state."""

    def change(self, state: Snapshot, events: Sequence[Event] = ()) -> None:
        """Take ``state`` as the new state and publish it with ``events``."""

    def due(self, key: str, after: float = 0.0) -> None:
        """Poll the job ``key`` again ``after`` seconds from now."""

    def link_failed(self, error: LobstrError) -> None:
        """A request failed in a way that may say something about the link."""


class LaunchAbort:
    """Launches and aborts: one of each kind in flight at a time, flags that are always
    cleared, tasks that :meth:`stop` cancels, and the snapshot updated with the answer."""

    def __init__(self, client: LobstrClient, host: ActionHost, clocks: Clocks, *,
                 read_only: bool = False) -> None:
        self.client = client
        self.host = host
        self.clocks = clocks
        self.read_only = read_only
        self.guard = RelaunchGuard(clocks.monotonic)
        self._tasks: set[asyncio.Task[ActionOutcome]] = set()

    @property
    def busy(self) -> bool:
        """True while a launch or abort is in flight."""
        return bool(self._tasks)

    def launch_refusal(self, squid_id: str) -> str | None:
        """Why a launch of ``squid_id`` would be refused right now, or None."""
        if self.read_only:
            return READ_ONLY_LAUNCH
        if self.host.state.launching:
            return "a launch is already in flight"
        return self.guard.refusal(squid_id)

    def abort_refusal(self) -> str | None:
        """Why an abort would be refused right now, or None."""
        if self.read_only:
            return READ_ONLY_ABORT
        if self.host.state.aborting:
            return "an abort is already in flight"
        return None

    def launch(self, squid_id: str) -> asyncio.Future[ActionOutcome]:
        """Start a run of a squid. Refused at once (nothing is sent) while a launch is in
        flight, right after one was accepted for this squid, and in read-only mode."""
        refusal = self.launch_refusal(squid_id)
        if refusal is not None:
            return _settled(ActionOutcome(False, refusal))
        name = _squid_name(self.host.state, squid_id)
        self.host.change(replace(self.host.state, launching=True), [self._event(
            f"launch requested for {name}", squid_id=squid_id)])
        return self._track(self._launch(squid_id, name))

    def abort(self, run_id: str) -> asyncio.Future[ActionOutcome]:
        """Abort a run. Refused at once while an abort is in flight and in read-only mode."""
        refusal = self.abort_refusal()
        if refusal is not None:
            return _settled(ActionOutcome(False, refusal))
        self.host.change(replace(self.host.state, aborting=True), [self._event(
            f"abort requested for run {short_id(run_id)}", run_id=run_id)])
        return self._track(self._abort(run_id))

    async def stop(self) -> None:
        """Cancel what is in flight (the API may or may not have acted on it)."""
        await cancel_and_wait(list(self._tasks))

    async def _launch(self, squid_id: str, name: str) -> ActionOutcome:
        outcome = ActionOutcome(False, f"launch of {name} was interrupted")
        try:
            balance = self.host.state.balance
            answer = await request_launch(self.client, squid_id, name,
                                          credits_left=balance.remaining if balance else None)
            outcome = answer.outcome
            if answer.error is not None:
                self.host.link_failed(answer.error)
            state = self.host.state
            if answer.runs and state.selected_squid_id == squid_id:
                state = merge.runs_merged(state, squid_id, answer.runs, total=answer.total,
                                          total_delta=int(answer.total is None))
            if answer.started is not None:
                self.guard.launched(squid_id, answer.started.id)
                if state.selected_squid_id == squid_id:
                    state = merge.run_selected(state, answer.started.id)
                self.host.due(f"runs:{squid_id}", LAUNCH_RECHECK_SECONDS)
                self.host.due("squids")
                self.host.due("balance")
            self.host.change(state)
        finally:
            self.host.change(replace(self.host.state, launching=False), [self._event(
                outcome.message, run_id=outcome.run_id, squid_id=squid_id, ok=outcome.ok)])
        return outcome

    async def _abort(self, run_id: str) -> ActionOutcome:
        outcome = ActionOutcome(False, f"abort of run {short_id(run_id)} was interrupted")
        try:
            answer = await request_abort(self.client, run_id)
            outcome = answer.outcome
            if answer.error is not None:
                self.host.link_failed(answer.error)
            state = self.host.state
            squid_id = state.runs_squid_id
            if answer.run is not None and squid_id:
                run = merge.run_filled(state, answer.run)
                if run.squid and any(r.id == run_id for r in state.runs):
                    self.host.change(merge.runs_merged(state, squid_id, (run,)))
            if squid_id:
                self.host.due(f"runs:{squid_id}")
            self.host.due(f"stats:{run_id}")
        finally:
            self.host.change(replace(self.host.state, aborting=False), [self._event(
                outcome.message, run_id=run_id, ok=outcome.ok)])
        return outcome

    def _event(self, text: str, *, run_id: str | None = None, squid_id: str | None = None,
               ok: bool | None = None) -> Event:
        return action_event(self.clocks.wall(), text, run_id=run_id, squid_id=squid_id, ok=ok)

    def _track(self, action: Coroutine[Any, Any, ActionOutcome]) -> asyncio.Task[
            ActionOutcome]:
        task = asyncio.get_running_loop().create_task(action)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _settled(outcome: ActionOutcome) -> asyncio.Future[ActionOutcome]:
    future: asyncio.Future[ActionOutcome] = asyncio.get_running_loop().create_future()
    future.set_result(outcome)
    return future


def _squid_name(state: Snapshot, squid_id: str) -> str:
    squid = next((s for s in state.squids if s.id == squid_id), None)
    return f'"{squid.name}"' if squid else f"squid {short_id(squid_id)}"
