"""The table of the Tasks and Results tabs: a DataTable whose End and Home go to the
last and first rows (where the next page is asked for), with j and k."""

from __future__ import annotations

from textual.binding import Binding

from lobstr_tui.ui.kit.lean_table import LeanTable


class StoryTable(LeanTable):
    """Rows of a run's tasks or results."""

    BINDINGS = [
        Binding("end,G", "scroll_bottom", "Last row", show=False, id="story.last"),
        Binding("home,g", "scroll_top", "First row", show=False, id="story.first"),
        Binding("j", "cursor_down", "Down", show=False, id="story.down"),
        Binding("k", "cursor_up", "Up", show=False, id="story.up"),
    ]
