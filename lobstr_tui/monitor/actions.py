"""Launch and abort: the requests, what to do when they get no answer, and their wording.

These are the only two calls that cost the user money or work, so each is guarded: one
of a kind in flight at a time, no second launch of the same squid right after one was
accepted, and a launch that got no answer re-reads the runs instead of launching again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lobstr_tui.api import (
    LobstrClient,
    LobstrError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    Run,
    UnauthorizedError,
)
from lobstr_tui.monitor.events import short_id

RELAUNCH_GUARD_SECONDS = 10.0

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
            return f"not enough credits: {max(0.0, credits_left):,.0f} left"
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
