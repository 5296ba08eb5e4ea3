"""Every request of a script within the cockpit's rules: the request budget
(``--budget``) and the per-prefix rate gate before each one, and through trouble the
same backoff and ``Retry-After`` as the poll scheduler, for as long as the outage
allowance lasts.

:meth:`Polite.call` sends one request and returns its answer; it waits through network
errors, 5xx, 429 and answers of the wrong shape, and raises :class:`TokenRefused`
(401/403), :class:`Unreachable` (the trouble lasted past the allowance) or
:class:`TimedOut` (the caller's deadline came while waiting). Any other refusal (a 404,
a business error) is raised as it is: it is about the question, not the link.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from lobstr_tui.api import (
    ForbiddenError,
    LobstrClient,
    LobstrError,
    NetworkError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
)
from lobstr_tui.api.text import duration_text
from lobstr_tui.monitor import Clocks
from lobstr_tui.monitor.polling.budget import RequestBudget
from lobstr_tui.monitor.polling.jobs import admit
from lobstr_tui.monitor.polling.poll_policy import PollPolicy
from lobstr_tui.monitor.polling.rate_gate import Backoff, RateGate

T = TypeVar("T")

OUTAGE_ALLOWANCE = 600.0
"""Seconds lobstr.io may stay unreachable (network errors, 5xx, 429, unreadable answers)
before giving up."""

Trouble = Callable[[str | None, float], None]
"""Told each failure waited through (its message and the seconds until the next try),
and ``None`` when an answer came back after trouble."""


class TokenRefused(Exception):
    """lobstr.io refused the token (401 or 403)."""

    def __init__(self, error: LobstrError) -> None:
        super().__init__(error.message)
        self.message = error.message


class Unreachable(Exception):
    """lobstr.io could not be reached, or gave no usable answer, for longer than the
    allowance."""

    def __init__(self, message: str, seconds: float, *, unreadable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.seconds = seconds
        self.unreadable = unreadable
        """The last trouble was an answer of the wrong shape, not a missing one."""

    def describe(self) -> str:
        """What happened, for the script's message (exit 5)."""
        what = ("answered nothing usable" if self.unreadable
                else "could not be reached")
        return f"lobstr.io {what} for {duration_text(self.seconds)} ({self.message})"


class TimedOut(Exception):
    """The caller's deadline passed."""


TRANSIENT = (NetworkError, ServerError, RateLimitedError, ProtocolError)


class Polite:
    """One request budget, rate gate and backoff for everything a script asks."""

    def __init__(self, client: LobstrClient, clocks: Clocks, *, budget: float,
                 allowance: float = OUTAGE_ALLOWANCE, policy: PollPolicy | None = None,
                 rng: random.Random | None = None, on_trouble: Trouble | None = None) -> None:
        chosen = policy or PollPolicy()
        self.client = client
        self.clocks = clocks
        self.allowance = allowance
        self.gate = RateGate(share=chosen.budget_share, low_remaining=chosen.low_remaining)
        self.budget = RequestBudget(budget)
        self.backoff = Backoff(base=chosen.backoff_base, cap=chosen.backoff_cap,
                               rng=rng or random.Random())
        self.on_trouble = on_trouble
        self.deadline: float | None = None
        """A monotonic instant after which waiting raises :class:`TimedOut`."""
        self.failing_since: float | None = None
        self.last_ok: float | None = None
        """When the last answer came (monotonic), for the age shown."""
        self.sent = 0

    def left(self) -> float | None:
        """Seconds until the deadline (None: no deadline)."""
        return None if self.deadline is None else self.deadline - self.clocks.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep, but never past the deadline: raises :class:`TimedOut` when it comes."""
        left = self.left()
        if left is not None and left <= seconds:
            if left > 0:
                await self.clocks.sleep(left)
            raise TimedOut
        await self.clocks.sleep(seconds)

    async def admitted(self, prefix: str = "runs") -> None:
        """Wait until the rate gate and the budget allow one request on ``prefix``
        (never past the deadline), and count it."""
        while (wait := admit(self.gate, self.budget, prefix, self.clocks.monotonic())) > 0:
            await self.sleep(wait)

    async def call(self, prefix: str, ask: Callable[[], Awaitable[T]]) -> T:
        """``ask()`` once the budget allows, again after each transient failure."""
        while True:
            await self.admitted(prefix)
            self.sent += 1
            try:
                answer = await ask()
            except (UnauthorizedError, ForbiddenError) as error:
                raise TokenRefused(error) from None
            except TRANSIENT as error:
                await self._trouble(prefix, error)
                continue
            now = self.clocks.monotonic()
            limit = self.client.rate_limits.get(prefix)
            if limit is not None:
                self.gate.observe(prefix, limit, now=now, epoch=self.clocks.epoch())
            self.backoff.succeed(prefix)
            self.last_ok = now
            if self.failing_since is not None:
                self.failing_since = None
                if self.on_trouble is not None:
                    self.on_trouble(None, 0.0)
            return answer

    async def _trouble(self, prefix: str, error: LobstrError) -> None:
        """Wait before the next try, or give up when the outage lasted too long."""
        now = self.clocks.monotonic()
        if self.failing_since is None:
            self.failing_since = now
        lasted = now - self.failing_since
        if lasted >= self.allowance:
            raise Unreachable(error.message, lasted,
                              unreadable=isinstance(error, ProtocolError))
        wait = self.backoff.fail(prefix)
        if isinstance(error, RateLimitedError) and error.retry_after:
            wait = max(wait, error.retry_after)
            self.gate.block(prefix, now + error.retry_after)
        wait = min(wait, self.allowance - lasted)
        if self.on_trouble is not None:
            self.on_trouble(error.message, wait)
        await self.sleep(wait)
