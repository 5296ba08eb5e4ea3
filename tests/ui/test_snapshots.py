"""Snapshot tests of the screens (sync tests: snap_compare runs its own event loop).

The simulator's clock is frozen and its seed fixed, so ids, times, ages and numbers are
the same on every run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest
from textual.pilot import Pilot

from lobstr_tui.sim import SimServer
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.screens.history_screen import HistoryScreen
from lobstr_tui.ui.widgets.history_chart import HistoryChart
from lobstr_tui.ui.widgets.runs_table import RunsTable
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from tests.conftest import TOKEN, manual_world
from tests.ui_support import make_app, wait_for, wait_for_refresh

SnapCompare = Callable[..., bool]
POLL_ROUND = 8
"""Requests in one round of the test policy's polls (stats, credits, runs, squids, ...)."""


@pytest.fixture
def frozen_server() -> Iterator[SimServer]:
    with SimServer(manual_world(), token=TOKEN) as server:
        yield server


def settle(app: LobstrApp, squid_name: str | None = None) -> Callable[[Pilot[None]],
                                                                      Awaitable[None]]:
    def detail_loaded() -> bool:
        snap = app.snapshot
        # Tasks too: their counts are in the Tasks tab's title.
        return (snap.selected_run is not None and snap.stats is not None
                and snap.credits is not None and snap.stats.id == snap.selected_run_id
                and snap.credits.run_id == snap.selected_run_id and snap.tasks_pages >= 1)

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: app.snapshot.squids_loaded
                       and app.snapshot.balance is not None and app.snapshot.me is not None,
                       what="first data")
        # The first squid's active run is loaded first, so its live progress is known.
        await wait_for(pilot, detail_loaded, what="first run detail")
        if squid_name is not None:
            target = next(s.id for s in app.snapshot.squids if s.name == squid_name)
            options = app.query_one(SquidList).options
            options.highlighted = options.get_option_index(target)
            await wait_for(pilot, lambda: app.snapshot.runs_squid_id == target,
                           what="runs of the squid")
        await wait_for(pilot, detail_loaded, what="run detail")
        # One more full round of polls (the world is frozen, so the answers repeat) lets
        # every widget take its final widths; then nothing may be in flight.
        seen = app.scheduler.requests_sent
        await wait_for(pilot, lambda: app.scheduler.requests_sent >= seen + POLL_ROUND,
                       what="another round of polls")
        await wait_for(pilot, lambda: app.scheduler.quiet, what="no request in flight")
        app.query_one(EventLog).flush()
        await pilot.pause()
        # Then one full refresh of the screen after all that (a tab label that grew lays
        # the screen out again), so the picture is of what was shown last.
        await wait_for_refresh(app)

    return run_before


SIZES = [(60, 20), (80, 24), (100, 30), (120, 40), (200, 60)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare: SnapCompare, frozen_server: SimServer,
                     size: tuple[int, int]) -> None:
    app = make_app(frozen_server)
    assert snap_compare(app, terminal_size=size, run_before=settle(app))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen_after_resize_from_160x40(snap_compare: SnapCompare,
                                              frozen_server: SimServer,
                                              size: tuple[int, int]) -> None:
    app = make_app(frozen_server)
    ready = settle(app)

    async def resize(pilot: Pilot[None]) -> None:
        await ready(pilot)
        await pilot.resize_terminal(*size)
        await pilot.pause()
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: table.region.x + table.region.width == size[0],
                       what="the table to follow the terminal")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 40), run_before=resize)


def test_paused_banner(snap_compare: SnapCompare, frozen_server: SimServer) -> None:
    app = make_app(frozen_server)
    assert snap_compare(app, terminal_size=(120, 40),
                        run_before=settle(app, "LinkedIn leads SaaS CTOs"))


def test_launch_confirm(snap_compare: SnapCompare, frozen_server: SimServer) -> None:
    app = make_app(frozen_server)
    assert snap_compare(app, terminal_size=(120, 40), press=["l"],
                        run_before=settle(app, "Amazon reviews headphones"))


def test_help(snap_compare: SnapCompare, frozen_server: SimServer) -> None:
    app = make_app(frozen_server)
    assert snap_compare(app, terminal_size=(120, 40), press=["question_mark"],
                        run_before=settle(app))


def on_tab(app: LobstrApp, keys: list[str], loaded: Callable[[], bool]
           ) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Settle, open a tab of the run detail, wait for its rows, then for quiet."""
    ready = settle(app)

    async def run_before(pilot: Pilot[None]) -> None:
        await ready(pilot)
        await pilot.press(*keys)
        await wait_for(pilot, loaded, what="the tab's rows")
        await wait_for(pilot, lambda: app.scheduler.quiet, what="no request in flight")
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_tasks_tab(snap_compare: SnapCompare, frozen_server: SimServer,
                   size: tuple[int, int]) -> None:
    app = make_app(frozen_server)
    keys = ["right_square_bracket", "right_square_bracket"]
    assert snap_compare(app, terminal_size=size, run_before=on_tab(
        app, keys, lambda: bool(app.snapshot.tasks)))


def test_results_tab(snap_compare: SnapCompare, frozen_server: SimServer) -> None:
    app = make_app(frozen_server)
    assert snap_compare(app, terminal_size=(120, 40), run_before=on_tab(
        app, ["left_square_bracket"], lambda: bool(app.snapshot.results.rows)))


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 40)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_history_screen(snap_compare: SnapCompare, frozen_server: SimServer,
                        size: tuple[int, int]) -> None:
    app = make_app(frozen_server)
    ready = settle(app)

    async def run_before(pilot: Pilot[None]) -> None:
        await ready(pilot)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen)
                       and app.screen.query_one(HistoryChart).data is not None
                       and bool(app.screen.query_one(HistoryChart).data.runs),
                       what="the history drawn")
        await wait_for_refresh(app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
