"""A clock for the monitor that moves only when a test says so.

``FakeClock`` gives the scheduler its monotonic time, its wall time and its sleep. The
wall time is the simulated world's manual clock, moved together with the monotonic time,
so that the simulator's runs progress exactly as much as the scheduler's time passes.
Nothing here waits on real time except :func:`settle`, which lets real loopback HTTP
answers arrive (its limit only matters when a test fails).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta

from lobstr_tui.monitor import Clocks, PollScheduler
from lobstr_tui.sim import SimClock

SETTLE_LIMIT = 15.0


class FakeClock:
    """Monotonic seconds, wall time and ``sleep``, all moved by :meth:`advance`."""

    def __init__(self, world_clock: SimClock | None = None, *, start: float = 1000.0) -> None:
        self.world_clock = world_clock
        self.t = start
        self._wall0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        self._start = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @property
    def clocks(self) -> Clocks:
        """The scheduler's view of this clock."""
        return Clocks(monotonic=self.monotonic, wall=self.now, sleep=self.sleep)

    def monotonic(self) -> float:
        """Seconds since an arbitrary origin."""
        return self.t

    def now(self) -> datetime:
        """The world's time if there is a world, else a fixed start plus elapsed time."""
        if self.world_clock is not None:
            return self.world_clock.now()
        return self._wall0 + timedelta(seconds=self.t - self._start)

    async def sleep(self, seconds: float) -> None:
        """Wait until the clock has been advanced by ``seconds``."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.t + max(0.0, seconds), next(self._order), future))
        await future

    @property
    def next_deadline(self) -> float | None:
        """When the earliest sleeper wakes (None: nobody sleeps)."""
        self._drop_cancelled()
        return self._sleepers[0][0] if self._sleepers else None

    def advance(self, seconds: float) -> None:
        """Move time forward, waking every sleeper whose time has come."""
        self._move_to(self.t + seconds)

    def advance_to_next(self) -> float:
        """Move time to the earliest sleeper's deadline and wake it; return the new time."""
        deadline = self.next_deadline
        if deadline is None:
            raise AssertionError("nothing is sleeping on the fake clock")
        self._move_to(max(self.t, deadline))
        return self.t

    def _move_to(self, target: float) -> None:
        if self.world_clock is not None:
            self.world_clock.advance(target - self.t)
        self.t = target
        self._drop_cancelled()
        while self._sleepers and self._sleepers[0][0] <= target:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    def _drop_cancelled(self) -> None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)


async def settle(scheduler: PollScheduler, limit: float = SETTLE_LIMIT) -> None:
    """Let the scheduler send what is due and take in every answer, until it sleeps."""
    deadline = time.monotonic() + limit
    quiet_turns = 0
    while time.monotonic() < deadline:
        await asyncio.sleep(0.002)
        quiet_turns = quiet_turns + 1 if scheduler.quiet else 0
        if quiet_turns >= 3:
            return
    raise AssertionError(f"the scheduler did not settle within {limit} s")


async def run_for(clock: FakeClock, scheduler: PollScheduler, seconds: float) -> None:
    """Let ``seconds`` of scheduler time pass, stopping at every instant it wakes up."""
    end = clock.t + seconds
    await settle(scheduler)
    while (deadline := clock.next_deadline) is not None and deadline <= end:
        clock.advance_to_next()
        await settle(scheduler)
    clock.advance(end - clock.t)
    await settle(scheduler)
