"""Helpers for driving the real app with Pilot against the simulator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from lobstr_tui.api import LobstrClient
from lobstr_tui.launch import build_scheduler
from lobstr_tui.monitor import Clocks, PollPolicy, PollScheduler
from lobstr_tui.monitor.model.board import BoardRow
from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.screens.board_screen import BoardScreen
from lobstr_tui.ui.screens.profile_screen import ProfileChoice
from lobstr_tui.ui.services.profiles import Profiles
from lobstr_tui.ui.widgets.board_table import BoardTable
from tests.conftest import TOKEN

S = TypeVar("S", bound=Screen[Any])

FAST = PollPolicy(stats_every=0.2, active_runs_every=0.2, quiet_runs_every=0.3,
                  squids_every=0.3, credits_every=0.2, tasks_min_every=0.2, balance_every=0.3,
                  me_every=60.0, backoff_base=0.2, backoff_cap=1.0, budget_share=50.0,
                  unauthorized_every=5.0, budget_per_minute=100_000.0)
"""Fast polls for real-time UI tests; the request budget is lifted (it is tested on a
fake clock in test_budget.py), as the simulator's rate limits are below."""


REAL_TIME_LIMIT_FACTOR = 100


def make_app(server: SimServer, *, read_only: bool = False, policy: PollPolicy = FAST,
             clocks: Clocks | None = None, base_url: str | None = None,
             timeout: float = 3.0) -> LobstrApp:
    """The real app, pointed at the simulator over HTTP. Its wall clock is the world's;
    its poll timing is real unless ``clocks`` (e.g. a FakeClock's) says otherwise."""
    client = LobstrClient(TOKEN, base_url or server.base_url, timeout=timeout)
    if clocks is None:
        # Polling every 0.2 s of real time while the world's clock stands still: the
        # simulator's per-minute windows (on the world's clock) would never slide, so
        # its limits would become a budget for the whole test, and a test slowed down by
        # a busy machine would meet 429s it did not ask for. Rate limiting is tested on
        # a fake clock (test_scheduler.py) and with injected 429s, not here.
        server.limiter.limits = {prefix: (limit * REAL_TIME_LIMIT_FACTOR, window)
                                 for prefix, (limit, window) in server.limiter.limits.items()}
    chosen = clocks or Clocks(wall=server.world.clock.now)
    return LobstrApp(build_scheduler(client, policy=policy, clocks=chosen,
                                     read_only=read_only, seed=1))


def make_profiles_app(servers: Mapping[str, tuple[SimServer, str]], current: str, *,
                      together: bool = False, unusable: Mapping[str, str] | None = None,
                      policy: PollPolicy = FAST) -> LobstrApp:
    """The real app with several profiles, each a simulator with its own token (name ->
    (server, token)), as ``launch.py`` builds it: ``p`` switches, ``together`` is
    ``--all-profiles``; ``unusable`` lists profiles that cannot be opened, with why."""
    for server, _ in servers.values():
        server.limiter.limits = {prefix: (limit * REAL_TIME_LIMIT_FACTOR, window)
                                 for prefix, (limit, window) in server.limiter.limits.items()}

    def open_profile(name: str) -> PollScheduler:
        server, token = servers[name]
        client = LobstrClient(token, server.base_url, timeout=3.0)
        return build_scheduler(client, policy=policy, seed=1, profile=name,
                               clocks=Clocks(wall=server.world.clock.now))

    choices = (*(ProfileChoice(name) for name in servers),
               *(ProfileChoice(name, why) for name, why in (unusable or {}).items()))
    return LobstrApp(open_profile(current),
                     profiles=Profiles(current, choices, open_profile, together=together))


async def wait_for_refresh(app: App[Any]) -> None:
    """Until the screen has been refreshed once more (bounded)."""
    painted = asyncio.Event()
    app.call_after_refresh(painted.set)
    await asyncio.wait_for(painted.wait(), 10.0)


async def wait_for(pilot: Pilot[None], condition: Callable[[], object],
                   limit: float = 8.0, what: str = "condition") -> None:
    """Let the app run until ``condition()`` is true; fail after ``limit`` seconds."""
    steps = int(limit / 0.05)
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def squid_id(world: World, name: str) -> str:
    """A demo squid's id by name."""
    return next(s.id for s in world.squids.values() if s.name == name)


async def select_squid(pilot: Pilot[None], app: LobstrApp, name: str) -> str:
    """Move the squid list cursor to a squid by name and wait for its runs."""
    from lobstr_tui.ui.widgets.squid_list import SquidList

    await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="squid list")
    target = next(s.id for s in app.snapshot.squids if s.name == name)
    options = app.query_one(SquidList).options
    options.focus()
    await wait_for(pilot, lambda: options.option_count > 0, what="options")
    options.highlighted = options.get_option_index(target)
    await wait_for(pilot, lambda: app.snapshot.runs_squid_id == target
                   and app.snapshot.selected_run is not None, what=f"runs of {name}")
    return target


async def open_board(pilot: Pilot[None], app: LobstrApp) -> BoardRow:
    """Open the board once the squids are in; the row under its cursor."""
    await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="squid list")
    await pilot.press("w")
    await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen), what="board")
    table = app.screen.query_one(BoardTable)
    await wait_for(pilot, lambda: table.highlighted is not None, what="a board row")
    row = table.highlighted
    assert row is not None
    return row


async def press_for(pilot: Pilot[None], app: App[Any], key: str, screen: type[S]) -> S:
    """Press ``key`` and wait for a screen of type ``screen`` in front; return it."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, screen), what=screen.__name__)
    shown = app.screen
    assert isinstance(shown, screen)
    return shown


async def press_away(pilot: Pilot[None], app: App[Any], key: str,
                     screen: type[Screen[Any]]) -> None:
    """Press ``key`` and wait until a screen of type ``screen`` is no longer in front."""
    await pilot.press(key)
    await wait_for(pilot, lambda: not isinstance(app.screen, screen),
                   what=f"{screen.__name__} closed")


@contextlib.asynccontextmanager
async def on_the_board(server: SimServer, size: tuple[int, int] = (140, 45)
                       ) -> AsyncIterator[tuple[Pilot[None], LobstrApp, BoardRow]]:
    """The app on its board (every column at 140x45), with the row under the cursor."""
    app = make_app(server)
    async with app.run_test(size=size) as pilot:
        yield pilot, app, await open_board(pilot, app)
