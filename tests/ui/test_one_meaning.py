"""Issue 21, section 3: each key and overlay has one meaning, seen at 80x24."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from rich.cells import cell_len
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, Static
from textual.widgets._toast import Toast

from lobstr_tui.monitor.model.snapshot import StoryTab
from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.screens.confirm_screen import ConfirmScreen
from lobstr_tui.ui.screens.help_screen import HelpScreen
from lobstr_tui.ui.widgets.run_find import RunFind
from lobstr_tui.ui.widgets.runs_table import RunsTable
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.tabs.run_story import RunStory
from tests.ui.test_actions_why import toasts
from tests.ui_support import make_app, select_squid, wait_for

SMALL = (80, 24)

Place = Callable[[Pilot[None], LobstrApp], Awaitable[None]]


def footer_keys(app: LobstrApp) -> dict[str, str]:
    """The footer's keys as shown: key label → description."""
    return {str(key.key_display): str(key.description)
            for key in app.screen.query("FooterKey")}


async def open_screen(pilot: Pilot[None], app: LobstrApp, key: str, kind: type) -> None:
    """Once the squids are loaded, press ``key`` and wait for a screen of ``kind``."""
    await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="squids")
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, kind), what=kind.__name__)


async def in_squids(pilot: Pilot[None], app: LobstrApp) -> None:
    app.query_one(SquidList).options.focus()


async def in_runs(pilot: Pilot[None], app: LobstrApp) -> None:
    app.query_one(RunsTable).focus()


async def in_run_find(pilot: Pilot[None], app: LobstrApp) -> None:
    app.query_one(RunsTable).focus()
    await pilot.press("number_sign")
    await wait_for(pilot, lambda: app.query_one(RunFind).has_focus, what="run find open")


async def in_log(pilot: Pilot[None], app: LobstrApp) -> None:
    app.query_one(RunStory).focus_content()


async def in_tasks_filter(pilot: Pilot[None], app: LobstrApp) -> None:
    story = app.query_one(RunStory)
    story.open(StoryTab.TASKS)
    await wait_for(pilot, lambda: story.tab is StoryTab.TASKS, what="the Tasks tab")
    story.focus_content()
    await pilot.press("ctrl+f")
    await wait_for(pilot, lambda: app.query_one("#tasks-filter", Input).has_focus,
                   what="the tasks filter open")


async def in_squid_filter(pilot: Pilot[None], app: LobstrApp) -> None:
    await pilot.press("slash", *"zz")


@pytest.mark.parametrize("place", [in_squids, in_runs, in_run_find, in_log,
                                   in_tasks_filter, in_squid_filter],
                         ids=lambda place: place.__name__)
async def test_escape_then_slash_then_a_name_filters_squids_from_any_pane(
        server: SimServer, world: World, place: Place) -> None:
    app = make_app(server)
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        await place(pilot, app)
        await pilot.pause()
        await pilot.press("escape", "slash", *"link")
        options = app.query_one(SquidList).options
        await wait_for(pilot, lambda: options.option_count == 1, what="squids filtered")
        assert str(options.get_option_at_index(0).prompt).startswith("LinkedIn")
        assert app.query_one("#squid-filter", Input).value == "link"
        assert not app.query_one(RunFind).has_class("-visible")
        assert not any("no loaded run starts with that" in text for text in toasts(app))


async def test_footer_and_titles_say_what_slash_and_number_sign_do(
        server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=SMALL) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        await wait_for(pilot, lambda: footer_keys(app).get("/") == "Filter squids",
                       what="the footer's / in the squid list")
        assert "#" not in footer_keys(app)
        assert app.query_one(SquidList).border_title == "Squids (/ filter)"
        runs = app.query_one(RunsTable)
        assert str(runs.border_title).endswith("(# find)")
        runs.focus()
        await wait_for(pilot, lambda: runs.has_focus, what="the runs table focused")
        await pilot.pause()
        assert footer_keys(app).get("/") == "Filter squids", "the same / in the runs"
        await pilot.press("number_sign")
        field = app.query_one(RunFind)
        await wait_for(pilot, lambda: field.has_focus, what="the run find")
        assert "run id" in str(field.placeholder)


async def test_the_palette_lists_ours_first_named_as_textual_names_its_own(
        server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=SMALL) as pilot:
        await open_screen(pilot, app, "ctrl+p", CommandPalette)
        commands = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: commands.option_count > 15, what="the commands")
        titles = [str(commands.get_option_at_index(i).prompt).split("\n", 1)[0]
                  for i in range(commands.option_count)]
        assert titles[:2] == ["Launch", "Abort"], titles
        ours = titles.index("Help")
        assert {"Theme", "Quit", "Keys", "Screenshot"} <= set(titles[ours + 1:]), titles
        assert all(title[0].isupper() and ":" not in title for title in titles), titles
        await pilot.press("escape")


async def test_help_at_80_columns_indents_continuations_under_their_text(
        server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=SMALL) as pilot:
        await open_screen(pilot, app, "question_mark", HelpScreen)
        text = app.screen.query_one("#help-text", Static)
        await wait_for(pilot, lambda: text.size.width > 0 and all(
            cell_len(line) <= text.size.width for line in str(text.render()).splitlines()),
            what="the help wrapped at its width")
        await pilot.pause()
        shown = [strip.text.rstrip() for strip in text.render_lines(text.size.region)]
        headings = ("KEYS", "STATUSES", "REASONS", "The log", "esc or ?")
        flush = [line for line in shown if line and not line[0].isspace()]
        assert all(line.startswith(headings) for line in flush), flush
        continued = [line for line in shown if "at once)" in line or "Tasks, Results)" in line]
        assert continued, shown
        assert all(line.startswith("      ") for line in continued), continued


def on_screen(app: LobstrApp) -> str:
    """What the terminal shows, as plain text (toasts included)."""
    svg = app.export_screenshot()
    return re.sub(r"<[^>]*>", "", svg).replace("&#160;", " ")


async def test_toasts_never_cover_a_dialog(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the dialog")
        app.notify("zebracorn-over-dialog", timeout=60)
        await wait_for(pilot, lambda: any("zebracorn" in str(t.render())
                                          for t in app.screen.query(Toast)), what="the toast")
        await pilot.pause()
        assert "zebracorn" not in on_screen(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="closed")
        await wait_for(pilot, lambda: "zebracorn" in on_screen(app), what="the toast, after")


async def test_at_most_two_toasts_at_80x24_the_rest_counted(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="squids")
        for n in range(5):
            app.notify(f"toast-number-{n}", timeout=60)
        await wait_for(pilot, lambda: "toast-number-4" in on_screen(app), what="the last")
        await pilot.pause()
        toasts_shown = [str(t.render()) for t in app.screen.query(Toast)]
        assert len(toasts_shown) == 2, toasts_shown
        assert "toast-number-0" in toasts_shown[0]
        assert "+3 more in the log" in toasts_shown[1] and "toast-number-4" in toasts_shown[1]
        texts = app.query_one("#log").texts  # type: ignore[attr-defined]
        assert all(any(f"toast-number-{n}" in t for t in texts) for n in (1, 2, 3))
        # At 120x40 they are not folded.
        await pilot.resize_terminal(120, 40)
        for n in range(3):
            app.notify(f"wide-toast-{n}", timeout=60)
        await wait_for(pilot, lambda: "wide-toast-2" in on_screen(app), what="the wide ones")
        assert all(f"wide-toast-{n}" in on_screen(app) for n in range(3))
