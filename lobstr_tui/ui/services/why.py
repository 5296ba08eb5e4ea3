"""``e``: the whole story of why a run is where it is, for the run the person is looking
at: the board's row under the cursor when the board is in front, else the selected run
(the runs table's cursor and the banner are about it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.app import App

from lobstr_tui.monitor import Snapshot
from lobstr_tui.ui.screens.board_screen import BoardScreen
from lobstr_tui.ui.screens.why_screen import WhyScreen
from lobstr_tui.ui.text.why_text import why_lines, why_title
from lobstr_tui.ui.widgets.board_table import BoardTable

NO_RUN = "no run to explain: select a run (or a board row), then e"


def why_screen(snapshot: Snapshot, board: BoardScreen | None, now: datetime
               ) -> WhyScreen | str:
    """The story's screen, or why there is none to show."""
    if board is not None:
        row = board.query_one(BoardTable).highlighted
        if row is None:
            return NO_RUN
        return WhyScreen(why_title(row.run), why_lines(row.run, row.squid_name, now))
    run = snapshot.selected_run
    if run is None:
        return NO_RUN
    squid = next((s for s in snapshot.squids if s.id == run.squid), None)
    return WhyScreen(why_title(run), why_lines(run, squid.name if squid else None, now))


def tell_why(app: App[Any], snapshot: Snapshot, board: BoardScreen | None,
             now: datetime) -> None:
    """Open the story's screen over ``app``, or say why there is none."""
    shown = why_screen(snapshot, board, now)
    if isinstance(shown, str):
        app.notify(shown, severity="warning")
    else:
        app.push_screen(shown)
