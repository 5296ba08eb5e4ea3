"""The board screen: every active run on the account (or on every profile), and what
ended recently."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from lobstr_tui.monitor import Snapshot
from lobstr_tui.ui.kit.fit_footer import FitFooter
from lobstr_tui.ui.widgets.board_table import BoardTable
from lobstr_tui.ui.widgets.recent_panel import RecentPanel
from lobstr_tui.ui.widgets.top_bar import TopBar


class BoardScreen(Screen[None]):
    """``w`` toggles it; Enter on a row opens that squid and run on the main screen."""

    BINDINGS = [
        Binding("w,escape", "app.pop_screen", "Back", id="board.back",
                tooltip="Back to the squids and runs"),
    ]

    def __init__(self, on_shown: Callable[[bool], None] | None = None, *,
                 profiles: bool = False) -> None:
        """``on_shown(True)`` when the board comes on screen, ``(False)`` when it leaves
        (the monitor reads the selected run as one of the board's rows meanwhile);
        ``profiles``: the rows are of several profiles (``--all-profiles``)."""
        super().__init__()
        self._on_shown = on_shown
        self._profiles = profiles

    def compose(self) -> ComposeResult:
        yield TopBar(id="board-top-bar")
        yield BoardTable(id="board", profiles=self._profiles)
        yield RecentPanel(id="recent")
        yield FitFooter()

    def on_mount(self) -> None:
        self.query_one(BoardTable).focus()

    def on_screen_resume(self) -> None:
        if self._on_shown is not None:
            self._on_shown(True)

    def on_screen_suspend(self) -> None:
        if self._on_shown is not None:
            self._on_shown(False)

    def on_unmount(self) -> None:
        if self._on_shown is not None:
            self._on_shown(False)

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Render a snapshot (nothing yet if the screen is still being built)."""
        if not self.query(TopBar):
            return
        self.query_one(TopBar).show(snapshot, now)
        self.query_one(BoardTable).show(snapshot, now)
        self.query_one(RecentPanel).show(snapshot, now)

    def tick(self, snapshot: Snapshot, now: datetime) -> None:
        """A second went by: ages in the top bar (once it is built)."""
        if self.query(TopBar):
            self.query_one(TopBar).show(snapshot, now)
