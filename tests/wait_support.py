"""Driving ``lobstr-tui wait`` and ``status`` against the simulator on a fake clock."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lobstr_tui.api import LobstrClient
from lobstr_tui.script.command import wait_on
from lobstr_tui.script.ending import Ending
from lobstr_tui.script.output import Mode, Output
from lobstr_tui.script.waiter import WaitOptions
from lobstr_tui.sim import SimServer, World
from lobstr_tui.sim.entities import SimSquid
from tests.conftest import TOKEN
from tests.fake_clock import FakeClock

DRIVE_LIMIT = 60.0
"""Real seconds a driven wait may take before the test fails (only matters on failure)."""

Hook = Callable[[FakeClock], None]


def shop_squid(world: World, name: str = "Shop reviews", tasks: int = 5) -> SimSquid:
    """A squid of ``tasks`` tasks of 20 results each."""
    return world.add_squid(name, "Amazon Reviews Scraper",
                           tasks=[({"url": f"https://shop.example/p{i}"}, 20)
                                  for i in range(tasks)])


async def drive(clock: FakeClock, task: asyncio.Future[Ending],
                during: Hook | None = None) -> None:
    """Run ``task`` to its end, moving the fake clock whenever it sleeps on it (it sleeps
    on nothing else but real loopback HTTP); ``during`` runs at every step."""
    deadline = time.monotonic() + DRIVE_LIMIT
    while not task.done():
        if time.monotonic() > deadline:
            task.cancel()
            raise AssertionError("the wait did not end")
        if during is not None:
            during(clock)
        if clock.next_deadline is not None:
            clock.advance_to_next()
            await asyncio.sleep(0)
        else:
            await asyncio.sleep(0.002)


@dataclass
class Waited:
    """A finished wait: its ending, what it wrote, the clock."""

    ending: Ending
    out: str
    err: str
    clock: FakeClock
    started_at: float
    lines: list[str] = field(default_factory=list)

    @property
    def code(self) -> int:
        """The exit status."""
        return self.ending.code

    @property
    def waited(self) -> float:
        """Fake seconds the wait took."""
        return self.clock.t - self.started_at


async def wait_with(server: SimServer, options: WaitOptions, *, mode: Mode = Mode.JSON,
                    during: Hook | None = None, budget: float = 30, allowance: float = 600,
                    token: str = TOKEN) -> Waited:
    """Wait as the command does, on a fake clock that moves the world with it."""
    clock = FakeClock(server.world.clock)
    out, err = io.StringIO(), io.StringIO()
    output = Output(mode, out, err, monotonic=clock.monotonic, wall=clock.now,
                    width=lambda: 80)
    started = clock.t
    async with LobstrClient(token, server.base_url, timeout=5.0) as client:
        task = asyncio.ensure_future(wait_on(client, options, output, clocks=clock.clocks,
                                             budget=budget, allowance=allowance))
        await drive(clock, task, during)
    text = out.getvalue()
    return Waited(task.result(), text, err.getvalue(), clock, started, text.splitlines())


def at(seconds: float, action: Callable[[], object]) -> Hook:
    """A hook doing ``action`` once, when ``seconds`` of fake time have passed."""
    done: list[bool] = []
    start: list[float] = []

    def hook(clock: FakeClock) -> None:
        if not start:
            start.append(clock.t)
        if not done and clock.t - start[0] >= seconds:
            done.append(True)
            action()

    return hook


def hooks(*each: Hook) -> Hook:
    """Several hooks as one."""
    def hook(clock: FakeClock) -> None:
        for one in each:
            one(clock)
    return hook
