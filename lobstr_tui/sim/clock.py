"""Clocks for the simulator: real wall time, or a manual one that tests move by hand."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class SimClock:
    """Wall time, or (``manual=True``) a clock that only moves when ``advance`` is called.

    The simulated world runs on real time so that timestamps read naturally ("3 minutes
    ago"); the world's ``speed`` makes work go faster, not the clock.
    """

    def __init__(self, *, start: datetime | None = None, manual: bool = False) -> None:
        self.manual = manual
        self._start = (start or datetime.now(UTC)).astimezone(UTC)
        self._origin = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current simulated time (timezone-aware UTC)."""
        with self._lock:
            elapsed = self._offset if self.manual else time.monotonic() - self._origin
        return self._start + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> None:
        """Move a manual clock forward."""
        if not self.manual:
            raise RuntimeError("only a manual clock can be advanced")
        with self._lock:
            self._offset += seconds
