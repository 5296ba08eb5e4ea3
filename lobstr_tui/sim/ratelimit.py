"""Per-prefix sliding-window rate limits of the simulated API, measured on a clock that
can be the world's manual clock (tests) or real time (demo, benchmarks)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

# Documented per-minute limits by prefix; ``results`` is 2 per second. ``me`` and ``user``
# are undocumented (60/min assumed); ``*`` covers every other path below /v1/, so that
# every API answer carries X-RateLimit-* headers as the docs say.
SIM_RATE_LIMITS: Mapping[str, tuple[int, float]] = {
    "squids": (120, 60.0),
    "tasks": (90, 60.0),
    "runtasks": (90, 60.0),
    "runs": (120, 60.0),
    "results": (2, 1.0),
    "me": (60, 60.0),
    "user": (60, 60.0),
    "*": (60, 60.0),
}

Headers = dict[str, str]


class RateLimiter:
    """Sliding-window request counting per prefix, as the API's headers describe it.

    ``limits`` replaces the defaults (a prefix it does not name, with no ``*`` entry, is
    not limited and gets no headers). ``clock`` gives UNIX seconds; the simulator passes
    its world's clock, so a manual clock moves the windows, ``X-RateLimit-Reset`` and
    ``Retry-After``.
    """

    def __init__(self, limits: Mapping[str, tuple[int, float]] | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.limits = dict(SIM_RATE_LIMITS if limits is None else limits)
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _bucket(self, prefix: str) -> str | None:
        if prefix in self.limits:
            return prefix
        return "*" if "*" in self.limits else None

    def check(self, prefix: str) -> tuple[bool, Headers]:
        """Count one request; return (allowed, headers to send)."""
        return self._look(prefix, count=True)

    def peek(self, prefix: str) -> Headers:
        """The headers for an answer that does not count (an unauthenticated one)."""
        return self._look(prefix, count=False)[1]

    def _look(self, prefix: str, *, count: bool) -> tuple[bool, Headers]:
        bucket = self._bucket(prefix)
        if bucket is None:
            return True, {}
        limit, window = self.limits[bucket]
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(bucket, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            allowed = len(hits) < limit
            if allowed and count:
                hits.append(now)
            reset = (hits[0] + window) if hits else now + window
            headers = {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(max(0, limit - len(hits))),
                "X-RateLimit-Reset": str(int(reset + 0.999)),
            }
            if count and not allowed:
                headers["Retry-After"] = str(max(1, int(reset - now + 0.999)))
        return allowed or not count, headers
