"""Layout by size: what a glance shows at each terminal size, and after resizing.

Runs against the frozen simulator world, so every start shows the same data; a resized
screen must arrange its panes and columns exactly as a fresh start at that size does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widget import Widget

from lobstr_tui.monitor.model.snapshot import StoryTab
from lobstr_tui.sim import SimServer
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.text import format as fmt
from lobstr_tui.ui.widgets.run_detail import RunDetail
from lobstr_tui.ui.widgets.runs_table import RunsTable
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.tabs.credits_panel import CreditsPanel
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from lobstr_tui.ui.widgets.top_bar import TopBar
from tests.conftest import TOKEN, manual_world
from tests.ui_support import make_app, wait_for

SIZES = [(60, 20), (80, 24), (100, 30), (120, 40), (200, 60)]
PANES = {"squids": SquidList, "runs": RunsTable, "detail": RunDetail, "log": EventLog,
         "credits": CreditsPanel, "top": TopBar}


@pytest.fixture
def frozen_server() -> Iterator[SimServer]:
    with SimServer(manual_world(), token=TOKEN) as server:
        yield server


async def settled(pilot: Pilot[None], app: LobstrApp) -> None:
    """Wait until the selected run's rows and detail are on screen, nothing in flight."""
    await wait_for(pilot, lambda: app.snapshot.squids_loaded and app.snapshot.stats
                   is not None and app.query_one(RunsTable).row_count > 0, what="data")
    await wait_for(pilot, lambda: app.scheduler.quiet, what="quiet")
    await pilot.pause()


def layout(app: LobstrApp) -> dict[str, object]:
    """What a glance sees: pane regions (or hidden), table columns, squid prompts."""
    seen: dict[str, object] = {}
    for name, kind in PANES.items():
        widget: Widget = app.query_one(kind)
        seen[name] = widget.region if widget.display and widget.region.area else None
    table = app.query_one(RunsTable)
    seen["columns"] = table.column_keys
    seen["rows"] = [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]
    options = app.query_one(SquidList).options
    seen["squids"] = [str(options.get_option_at_index(i).prompt)
                      for i in range(options.option_count)]
    seen["classes"] = sorted(app.screen.classes)
    return seen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_run_shows_its_full_status_word(frozen_server: SimServer,
                                                    size: tuple[int, int]) -> None:
    app = make_app(frozen_server)
    async with app.run_test(size=size) as pilot:
        await settled(pilot, app)
        table = app.query_one(RunsTable)
        keys = table.column_keys
        assert "status" in keys, f"Status shown at {size}"
        assert ("reason" in keys) == (size[0] >= 80), "Done Reason from 80 columns"
        status = keys.index("status")
        for run in app.snapshot.runs:
            assert table.get_row(run.id)[status].plain == fmt.status_label(run.status)
        screen = app.screen.region
        for name in ("squids", "runs", "detail", "top"):
            region = app.query_one(PANES[name]).region
            assert screen.contains_region(region) and region.width >= 20, name
        # Nothing scrolls sideways: the columns fit the table.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        # The squid list shows each squid's full status word on its second line.
        for squid, prompt in zip(app.snapshot.squids, layout(app)["squids"], strict=False):
            word = fmt.status_label(squid.last_run_status)
            assert prompt.split("\n")[1].startswith(fmt.shorten(f"  {word}", 200)[:12]), prompt


@pytest.mark.parametrize("size", SIZES[1:], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_resized_screen_is_a_fresh_start(frozen_server: SimServer,
                                               size: tuple[int, int]) -> None:
    fresh = make_app(frozen_server)
    async with fresh.run_test(size=size) as pilot:
        await settled(pilot, fresh)
        expected = layout(fresh)
    resized = make_app(frozen_server)
    async with resized.run_test(size=(160, 40)) as pilot:
        await settled(pilot, resized)
        await pilot.resize_terminal(*size)
        await wait_for(pilot, lambda: layout(resized) == expected, limit=5,
                       what=f"the layout of a fresh start at {size}")
        assert layout(resized)["classes"] == expected["classes"]


@pytest.mark.parametrize("size", [(80, 24), (160, 40)])
async def test_brackets_cycle_the_run_detail_tabs(frozen_server: SimServer,
                                                  size: tuple[int, int]) -> None:
    app = make_app(frozen_server)
    async with app.run_test(size=size) as pilot:
        await settled(pilot, app)
        assert layout(app)["credits"] is None and layout(app)["log"] is not None
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: layout(app)["credits"] is not None, what="credits")
        assert layout(app)["log"] is None
        assert app.snapshot.story_tab is StoryTab.CREDITS
        assert "total" in str(app.query_one(CreditsPanel).render())
        await pilot.press("left_square_bracket", "left_square_bracket")
        await wait_for(pilot, lambda: app.snapshot.story_tab is StoryTab.RESULTS,
                       what="results, cycling back past the first tab")
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: layout(app)["log"] is not None, what="log back")
        assert app.snapshot.story_tab is StoryTab.LOG


async def test_too_small_says_so_and_comes_back(frozen_server: SimServer) -> None:
    app = make_app(frozen_server)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, app)
        await pilot.resize_terminal(50, 15)
        message = app.query_one("#too-small")
        await wait_for(pilot, lambda: message.display and message.region.area > 0,
                       what="too-small message")
        assert "50x15" in str(message.render()) and "60x20" in str(message.render())
        assert not app.query_one("#body").region.area
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: app.query_one(RunsTable).region.area > 0,
                       what="screen back")
        assert not message.region.area


async def test_wide_terminal_shows_long_names_and_credit_labels(
        frozen_server: SimServer) -> None:
    app = make_app(frozen_server)
    async with app.run_test(size=(200, 60)) as pilot:
        await settled(pilot, app)
        await wait_for(pilot, lambda: app.snapshot.credits is not None, what="credits")
        prompts = layout(app)["squids"]
        assert isinstance(prompts, list)
        for squid, prompt in zip(app.snapshot.squids, prompts, strict=True):
            assert prompt.split("\n")[0].rstrip() == squid.name, "full names at 200 columns"
        credits = app.snapshot.credits
        assert credits is not None and credits.base_function_label
        text = str(app.query_one(CreditsPanel).render())
        assert f"base ({credits.base_function_label})" in text


async def test_an_empty_account_says_what_to_do_next() -> None:
    with SimServer(manual_world("empty"), token=TOKEN) as server:
        app = make_app(server)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="the empty list")
            hint = app.query_one("#squid-empty")
            await wait_for(pilot, lambda: hint.region.area > 0, what="the guidance shown")
            text = str(hint.render())
            assert "No squids on this account yet" in text and "app.lobstr.io" in text
            assert app.query_one(SquidList).options.option_count == 0


def test_the_run_id_shortens_so_that_a_done_reason_is_shown_whole() -> None:
    from lobstr_tui.api.reasons import CATALOG
    from lobstr_tui.ui.widgets.runs_table import plan_columns

    # The runs table at 80x24 has 54 cells: with a 4-character Run ID the reason column
    # holds every reason lobstr.io documents up to 20 characters (website_inaccessible).
    narrow = {c.key: c.width for c in plan_columns(54)}
    assert narrow["run"] == 4 and narrow["reason"] == 20
    assert sum(len(slug) <= 20 for slug in CATALOG) >= len(CATALOG) - 4
    # Where the reason would not be shown anyway, the Run ID keeps its length.
    assert {c.key: c.width for c in plan_columns(40)} == {"run": 7, "results": 9,
                                                         "status": 11}
    # With room, nothing shortens.
    wide = {c.key: c.width for c in plan_columns(160)}
    assert wide["run"] == 7 and wide["reason"] == 25
