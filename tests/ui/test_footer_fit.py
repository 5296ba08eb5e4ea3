"""Issue 21: every key the footer names fits on its line, at every size it was seen cut
(``[ Tab`` lost at 80 and 100 columns, ``w Boar`` at 100), after a resize too; and the
board's footer names only the keys that act on the board (it ended in ``/ Filte``)."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Footer, Input

from lobstr_tui.sim import SimServer
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.screens.board_screen import BoardScreen
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from tests.ui_support import make_app, select_squid, wait_for

MAIN_KEYS = ["q", "?", "l", "a", "e", "/", "d", "w", "["]
BOARD_KEYS = ["w", "q", "?", "l", "a", "e"]


def shown_keys(app: LobstrApp) -> list[str]:
    """The footer's keys, in order, as it shows them."""
    return [str(key.key_display) for key in app.screen.query("FooterKey")
            if "-command-palette" not in key.classes]


def cut_keys(app: LobstrApp) -> list[str]:
    """The footer's keys that do not fit whole inside the terminal's width: each must
    have room for ``key description`` and end inside the screen."""
    footer = app.screen.query_one(Footer)
    width = app.size.width
    cut = []
    for key in footer.query("FooterKey"):
        text = f"{key.key_display} {key.description}".strip()
        region = key.region
        if region.right > width or region.width < cell_len(text) or region.x < 0:
            cut.append(text)
    return cut


async def settle(pilot: Pilot[None], app: LobstrApp, keys: list[str]) -> None:
    await wait_for(pilot, lambda: shown_keys(app) == keys and not cut_keys(app),
                   what=f"the footer {keys} whole (now {shown_keys(app)}, cut "
                        f"{cut_keys(app)})")


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40), (140, 45)])
async def test_every_key_of_the_main_footer_fits(server: SimServer,
                                                 size: tuple[int, int]) -> None:
    app = make_app(server)
    async with app.run_test(size=size) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        await settle(pilot, app, MAIN_KEYS)
        assert shown_keys(app) == MAIN_KEYS
        assert cut_keys(app) == []


async def test_the_footer_fits_again_after_a_resize(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(140, 45)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        await settle(pilot, app, MAIN_KEYS)
        for size in [(80, 24), (100, 30), (80, 24), (130, 30)]:
            await pilot.resize_terminal(*size)
            await settle(pilot, app, MAIN_KEYS)
            assert cut_keys(app) == [], size


async def test_the_board_footer_names_only_the_boards_keys(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen), what="the board")
        await settle(pilot, app, BOARD_KEYS)
        # The keys of the main screen's panes do nothing on the board: / does not open
        # the squid filter behind it, f does not stop the hidden log following.
        log = app.main.query_one(EventLog)
        following = log.follow
        await pilot.press("slash", "f")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert not app.main.query_one("#squid-filter", Input).has_focus
        assert log.follow == following
        await pilot.press("w")
        await wait_for(pilot, lambda: not isinstance(app.screen, BoardScreen),
                       what="back on the main screen")
        await settle(pilot, app, MAIN_KEYS)


async def test_the_log_border_names_f_both_ways(server: SimServer) -> None:
    """f left the footer: the log's border names it whether following or not."""
    app = make_app(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        log = app.main.query_one(EventLog)
        await wait_for(pilot, lambda: str(log.border_subtitle) == "following · f holds",
                       what="the log following")
        await pilot.press("f")
        await wait_for(pilot, lambda: str(log.border_subtitle) == "not following · f follows",
                       what="the log held")
