"""The real app against a hostile simulator: escape sequences, duplicate ids, one bad
item, pages that never end, and a body of null data. The screen stays ours, the app
keeps running, and each odd answer costs only its own resource."""

from __future__ import annotations

import re

from lobstr_tui.monitor import LinkState
from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.widgets.runs_table import RunsTable
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.top_bar import TopBar
from tests.conftest import TOKEN
from tests.ui_support import make_app, wait_for

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def screen_text(app: object) -> str:
    """Everything the squid list, the runs table and the header draw, as text."""
    squids = app.query_one(SquidList).options  # type: ignore[attr-defined]
    prompts = [str(squids.get_option_at_index(i).prompt) for i in range(squids.option_count)]
    table = app.query_one(RunsTable)  # type: ignore[attr-defined]
    rows = [" ".join(c.plain for c in table.get_row_at(i)) for i in range(table.row_count)]
    header = str(app.query_one(TopBar).render())  # type: ignore[attr-defined]
    return "\n".join([header, *prompts, *rows])


async def test_escapes_duplicates_and_a_bad_item_stay_inside_their_resource(
        world: World) -> None:
    with SimServer(world, token=TOKEN,
                   hostile={"escapes", "duplicates", "bad_item"}) as server:
        app = make_app(server)
        async with app.run_test(size=(120, 40)) as pilot:
            options = app.query_one(SquidList).options
            await wait_for(pilot, lambda: options.option_count > 0
                           and app.query_one(RunsTable).row_count > 0, what="squids and runs")
            await wait_for(pilot, lambda: "unreadable" in str(
                app.query_one(SquidList).border_subtitle), what="the unreadable squid named")
            text = screen_text(app)
            assert not CONTROL.findall(text), "no control character reaches the screen"
            assert "␛" in text and "⏎" in text, "escapes and newlines shown as placeholders"
            ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
            assert len(ids) == len(set(ids)), "duplicate ids merged"
            assert len(ids) == len(world.squids) - 1, "every squid but the unreadable one"
            assert app.snapshot.skipped["squids"] == ("last_run_at 'yesterday-ish'",)
            assert "owned" not in app.title and "owned" not in (app.sub_title or "")
            assert app.is_running


async def test_null_data_is_never_an_empty_live_account(world: World) -> None:
    with SimServer(world, token=TOKEN, hostile={"null_data"}) as server:
        app = make_app(server)
        async with app.run_test(size=(120, 40)) as pilot:
            # Every first read gets null data: wait until the squid list's has come too
            # (the balance's may be the one that turned the link stale).
            await wait_for(pilot, lambda: app.snapshot.connection.state is LinkState.STALE
                           and "squids" in app.snapshot.degraded_resources,
                           what="the protocol error shown")
            header = str(app.query_one(TopBar).render())
            assert "live" not in header and "stale" in header
            assert not app.snapshot.squids_loaded
            assert "squids" in app.snapshot.degraded_resources
            assert app.is_running


async def test_endless_pages_stay_within_the_request_budget(world: World) -> None:
    with SimServer(world, token=TOKEN, hostile={"endless"}) as server:
        app = make_app(server)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="squids")
            await wait_for(pilot, lambda: "squids" in app.snapshot.incomplete, limit=20,
                           what="the list said to be incomplete")
            pages = sum(1 for entry in list(server.log) if entry.prefix == "squids")
            # The walk stops at its cap of 20 pages; a fresh walk starts only at the
            # next squid-list poll, so the count stays near one walk, never runaway.
            assert pages <= 40, pages
            assert app.is_running
