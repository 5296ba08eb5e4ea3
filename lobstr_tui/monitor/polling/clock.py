"""The monitor's sense of time, passed in so that tests can move it by hand.

Everything in the monitor that waits or measures asks a :class:`Clocks`: ``monotonic``
for intervals (poll periods, backoff, rate-limit windows), ``wall`` for what is shown
and compared with the API's timestamps and ``X-RateLimit-Reset``, and ``sleep`` to wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current wall time, timezone-aware."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Clocks:
    """The three time sources of the monitor; the defaults are the real ones."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], datetime] = utc_now
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def epoch(self) -> float:
        """The wall clock as UNIX seconds (what ``X-RateLimit-Reset`` is measured in)."""
        return self.wall().timestamp()


SYSTEM_CLOCKS = Clocks()
