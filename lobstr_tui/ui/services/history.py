"""``h``: a squid's last runs as a picture, for the squid the person is looking at: the
board's row under the cursor when the board is in front, else the selected squid (with
the selected run highlighted). ``h`` again (or ``esc``) goes back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App

from lobstr_tui.monitor.derive.events import short_id
from lobstr_tui.ui.screens.board_screen import BoardScreen
from lobstr_tui.ui.screens.history_screen import HistoryScreen
from lobstr_tui.ui.widgets.board_table import BoardTable

if TYPE_CHECKING:
    from lobstr_tui.ui.services.shown import ShownProfile

NO_SQUID = "no squid to show the history of: select a squid (or a board row), then h"
OTHER_PROFILE = "that row is another profile's: enter opens it, then h shows its history"


def open_history(app: App[Any], shown: ShownProfile) -> None:
    """Open the history of the squid in view over ``app``, or say why there is none."""
    snapshot = shown.snapshot
    screen = app.screen
    if isinstance(screen, BoardScreen):
        row = screen.query_one(BoardTable).highlighted
        if row is None:
            app.notify(NO_SQUID, severity="warning")
            return
        switcher = shown.switcher
        if row.profile is not None and switcher is not None and row.profile != (
                switcher.current):
            app.notify(OTHER_PROFILE, severity="warning")
            return
        squid_id, name = row.squid_id, row.squid_name
        run_id: str | None = row.run.id
    else:
        squid = snapshot.selected_squid
        if squid is None:
            app.notify(NO_SQUID, severity="warning")
            return
        squid_id, name = squid.id, squid.name
        run_id = snapshot.selected_run_id
    history = HistoryScreen(squid_id, name or short_id(squid_id), run_id,
                            open_run=lambda s, r: _open_run(app, shown, s, r))
    history.show(snapshot)
    app.push_screen(history)


def _open_run(app: App[Any], shown: ShownProfile, squid_id: str, run_id: str) -> None:
    """Enter on a run of the history: back to the main screen on it."""
    if isinstance(app.screen, HistoryScreen):
        app.pop_screen()
    shown.open_from_board(squid_id, run_id, None)
