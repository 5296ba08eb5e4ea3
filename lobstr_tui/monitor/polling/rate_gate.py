"""How often each path prefix may be asked, and how long to wait after a failure.

:class:`RateGate` keeps every prefix below a share of its documented per-minute limit
(a sliding 60 s window of what was sent) and ``results`` under 2 requests a second,
closes a prefix until ``Retry-After`` has passed after a 429, and until the window
resets when ``X-RateLimit-Remaining`` runs low.
:class:`Backoff` spaces out the retries of a failing job: exponential, capped, jittered.
Both are plain objects: every method takes the current monotonic time as an argument.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping

from lobstr_tui.api.ratelimit import RATE_LIMITS_PER_MINUTE, RateLimit

WINDOW_SECONDS = 60.0
MAX_RESET_WAIT = 60.0
MIN_RESET_WAIT = 0.5
MIN_SPACING: Mapping[str, float] = {"results": 0.6}
"""Seconds between two requests of a prefix limited per second, on top of its
per-minute window: ``results`` allows 2 a second, and 0.6 s apart leaves room for a
request that leaves the machine a little late."""


class RateGate:
    """Per-prefix request windows and blocks (monotonic seconds)."""

    def __init__(self, *, share: float, low_remaining: int,
                 limits: Mapping[str, int] = RATE_LIMITS_PER_MINUTE) -> None:
        self.share = share
        self.low_remaining = low_remaining
        self.limits = limits
        self._sent: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}

    def budget(self, prefix: str) -> int | None:
        """Requests allowed to ``prefix`` in any 60 s window (None: no limit known)."""
        limit = self.limits.get(prefix)
        return None if limit is None else max(1, int(limit * self.share))

    def wait(self, prefix: str, now: float) -> float:
        """Seconds before a request to ``prefix`` is allowed (0: now)."""
        blocked = self._blocked_until.get(prefix, 0.0) - now
        if blocked > 0:
            return blocked
        sent = self._window(prefix, now)
        spacing = MIN_SPACING.get(prefix, 0.0)
        wait = sent[-1] + spacing - now if sent and spacing else 0.0
        budget = self.budget(prefix)
        if budget is not None and len(sent) >= budget:
            wait = max(wait, sent[0] + WINDOW_SECONDS - now)
        return max(0.0, wait)

    def record(self, prefix: str, now: float) -> None:
        """Count a request sent to ``prefix`` now."""
        self._sent.setdefault(prefix, deque()).append(now)

    def sent_in_window(self, prefix: str, now: float) -> int:
        """Requests sent to ``prefix`` in the last 60 s."""
        return len(self._window(prefix, now))

    def block(self, prefix: str, until: float) -> None:
        """Close ``prefix`` until the monotonic instant ``until`` (never shortens a block)."""
        self._blocked_until[prefix] = max(self._blocked_until.get(prefix, 0.0), until)

    def blocked_for(self, now: float) -> float:
        """Seconds until the longest current block ends (0: nothing blocked)."""
        return max(0.0, max(self._blocked_until.values(), default=now) - now)

    def observe(self, prefix: str, limit: RateLimit, *, now: float, epoch: float) -> None:
        """Read a successful answer's ``X-RateLimit-*`` headers: nearly out of this
        window's budget means waiting for the window to reset (``epoch`` is wall time in
        UNIX seconds, the unit of ``X-RateLimit-Reset``)."""
        if limit.reset_at is None or limit.remaining is None or prefix in MIN_SPACING:
            return  # a per-second limit is kept by the spacing, not by closing the prefix
        if limit.remaining <= self.low_remaining:
            reset_in = min(MAX_RESET_WAIT, max(MIN_RESET_WAIT, limit.reset_at - epoch))
            self.block(prefix, now + reset_in)

    def _window(self, prefix: str, now: float) -> deque[float]:
        sent = self._sent.setdefault(prefix, deque())
        while sent and sent[0] <= now - WINDOW_SECONDS:
            sent.popleft()
        return sent


class Backoff:
    """Capped exponential backoff with jitter, counted per job key."""

    def __init__(self, *, base: float, cap: float, rng: random.Random,
                 jitter: float = 0.2) -> None:
        self.base = base
        self.cap = cap
        self.jitter = jitter
        self._rng = rng
        self._failures: dict[str, int] = {}

    def failures(self, key: str) -> int:
        """Failures in a row of ``key``."""
        return self._failures.get(key, 0)

    def fail(self, key: str) -> float:
        """Count a failure of ``key``; return the seconds to wait before its retry."""
        failures = self._failures.get(key, 0) + 1
        self._failures[key] = failures
        delay: float = min(self.cap, self.base * 2.0 ** (failures - 1))
        return delay * self._rng.uniform(1 - self.jitter, 1 + self.jitter)

    def succeed(self, key: str) -> None:
        """``key`` worked: its next failure starts from the base delay again."""
        self._failures.pop(key, None)

    def reset(self) -> None:
        """Forget every failure (the user asked for a refresh)."""
        self._failures.clear()
