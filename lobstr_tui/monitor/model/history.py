"""Rates over time of a run's results and credits, from the data polling already reads.

A run's ``total_results`` and credits only grow; each read is an observation of one of
these counters. :class:`RateSeries` turns the observations of one counter into the rate
now (per minute, over the last two minutes of reads) and one rate per minute of watching
for the last 30 minutes (for a sparkline). No request is ever made for a history: it is
whatever the scheduler read anyway. Memory is bounded: 30 samples and 32 recent
observations per counter, whatever the polling period or how long the monitor runs.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

HISTORY_MINUTES = 30
"""How many one-minute samples a history keeps."""
RATE_SPAN = 120.0
"""Seconds of observations the current rate is measured over."""
MIN_RATE_SPAN = 10.0
"""The shortest span between two observations that gives a rate."""
RECENT_POINTS = 32
STEADY_SPAN = 900.0
"""Seconds of observations a steady rate (a projection's) is measured over: 15 minutes."""
STEADY_STEP = 15.0
"""Observations kept for the steady rate are at least this far apart (memory bound)."""
STEADY_POINTS = int(STEADY_SPAN // STEADY_STEP) + 4


@dataclass(frozen=True, slots=True)
class SteadyRate:
    """A counter's rate per minute over ``span`` seconds of reads (at most 15 minutes)."""

    per_minute: float
    span: float


@dataclass(frozen=True, slots=True)
class RunHistory:
    """The selected run's rates for sparklines, oldest first: one sample per minute of
    watching (the rate between the reads either side of that minute), at most 30."""

    run_id: str
    results_per_minute: tuple[float, ...]
    credits_per_minute: tuple[float, ...]


class RateSeries:
    """One growing counter of one run, read now and then (wall seconds)."""

    __slots__ = ("_anchor", "_origin", "_recent", "_steady", "per_minute")

    def __init__(self) -> None:
        self._origin: float | None = None
        self._anchor: tuple[float, float, int] | None = None
        self._recent: deque[tuple[float, float]] = deque(maxlen=RECENT_POINTS)
        self._steady: deque[tuple[float, float]] = deque(maxlen=STEADY_POINTS)
        self.per_minute: deque[float] = deque(maxlen=HISTORY_MINUTES)
        """One rate per minute of watching, oldest first."""

    def add(self, at: datetime, value: float) -> None:
        """Note that the counter read ``value`` at ``at`` (older reads are ignored)."""
        t = at.timestamp()
        if self._recent and t <= self._recent[-1][0]:
            return
        if self._origin is None:
            self._origin = t
        minute = int((t - self._origin) // 60)
        if self._anchor is None:
            self._anchor = (t, value, minute)
        elif minute > self._anchor[2]:
            start, before, counted = self._anchor
            rate = max(0.0, value - before) / (t - start) * 60.0
            self.per_minute.extend([rate] * min(HISTORY_MINUTES, minute - counted))
            self._anchor = (t, value, minute)
        self._recent.append((t, value))
        while len(self._recent) > 2 and self._recent[1][0] <= t - RATE_SPAN:
            self._recent.popleft()
        if not self._steady or t - self._steady[-1][0] >= STEADY_STEP:
            self._steady.append((t, value))
        while len(self._steady) > 1 and self._steady[1][0] <= t - STEADY_SPAN:
            self._steady.popleft()

    def rate(self) -> float | None:
        """Per minute over the last two minutes of reads (None: not enough reads yet)."""
        if len(self._recent) < 2:
            return None
        (t0, v0), (t1, v1) = self._recent[0], self._recent[-1]
        if t1 - t0 < MIN_RATE_SPAN:
            return None
        return max(0.0, v1 - v0) / (t1 - t0) * 60.0

    def steady(self) -> SteadyRate | None:
        """Per minute over the last 15 minutes of reads (fewer while the counter has been
        read for less), said with the span it covers; None: not enough reads yet. A
        projection from it does not jump with every short burst or lull."""
        if not self._steady or not self._recent:
            return None
        (t0, v0), (t1, v1) = self._steady[0], self._recent[-1]
        if t1 - t0 < MIN_RATE_SPAN:
            return None
        return SteadyRate(max(0.0, v1 - v0) / (t1 - t0) * 60.0, t1 - t0)

    @property
    def samples(self) -> tuple[float, ...]:
        """The per-minute samples, oldest first."""
        return tuple(self.per_minute)

