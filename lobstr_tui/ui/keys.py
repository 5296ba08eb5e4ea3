"""The app's keys, everywhere in the app (the help reads them from the app's class)."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding, BindingType
from textual.screen import Screen

from lobstr_tui.monitor.polling.actions import READ_ONLY_ABORT, READ_ONLY_LAUNCH
from lobstr_tui.ui.screens.board_screen import BoardScreen
from lobstr_tui.ui.screens.history_screen import HistoryScreen

APP_BINDINGS: list[BindingType] = [
    Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit; runs keep going"),
    Binding("ctrl+q,ctrl+c", "quit", "Quit", show=False, priority=True,
            id="app.quit_ctrl"),
    Binding("question_mark", "help", "Help", id="app.help", tooltip="Keys and meanings"),
    Binding("l", "launch", "Launch", id="app.launch", tooltip="Launch a run (asks first)"),
    Binding("a", "abort", "Abort", id="app.abort", tooltip="Abort a run (asks first)"),
    Binding("e", "why", "Why", id="app.why",
            tooltip="Why the run is where it is: lobstr.io's words in full, what to do"),
    # Not in the footer (it is full at 80 columns): the help and a flagged run's line
    # under its progress name it.
    Binding("h", "history", "History", id="app.history", show=False,
            tooltip="The squid's last runs as a chart, against its usual run"),
    Binding("r", "refresh", "Refresh", id="app.refresh", show=False,
            tooltip="Poll now (polling goes on by itself; r asks at once)"),
    # Follow is not in the footer (at 80 columns it pushed [ Tab out): the log's border
    # names f whenever the log is not following, and says when it is.
    Binding("f", "follow", "Follow", id="app.follow", show=False,
            tooltip="Follow the log tail, or hold it where it is"),
    # / filters squids from every pane (it has no other meaning anywhere): finding a
    # run by id is # in the runs table, filtering tasks ctrl+f in the Tasks tab.
    Binding("slash", "filter", "Filter squids", id="app.filter",
            tooltip="Filter squids by name (from any pane)"),
    Binding("d", "download", "Download", id="app.download",
            tooltip="Download the selected run's CSV (--download-dir)"),
    Binding("w", "board", "Board", id="app.board",
            tooltip="Every active run on the account (w again: back)"),
    Binding("left_square_bracket", "tab(-1)", "Tab", id="app.tab_previous",
            tooltip="Previous tab of the run detail (Log, Credits, Tasks, Results)"),
    Binding("right_square_bracket", "tab(1)", "Tab", show=False, id="app.tab_next",
            tooltip="Next tab of the run detail (Log, Credits, Tasks, Results)"),
    Binding("escape", "go_back", "Back", show=False, id="app.back",
            tooltip="Back: from a run's detail to the runs; clear the squid filter"),
    # In --read-only mode launch and abort are hidden (check_action); their keys
    # then reach these bindings, which say why instead of doing nothing.
    Binding("l", "read_only('launch')", "Launch", show=False, id="app.launch_read_only",
            tooltip=READ_ONLY_LAUNCH),
    Binding("a", "read_only('abort')", "Abort", show=False, id="app.abort_read_only",
            tooltip=READ_ONLY_ABORT),
    Binding("p", "profile", "Profile", show=False, id="app.profile",
            tooltip="Switch to another profile (lobstr.io account) of config.toml"),
    # With one profile p only says how to add one (no description: not in the help).
    Binding("p", "only_profile", show=False, id="app.profile_only"),
]


#: What acts only on the main screen's panes: on the board (or a squid's history) these
#: keys do nothing and leave its footer (the board has no log to follow, no squid list,
#: no tabs, and its rows are not the run d would download).
MAIN_ONLY = frozenset({"follow", "filter", "download", "tab"})


def over_main(screen: Screen[Any]) -> bool:
    """True for the screens shown over the main one where :data:`MAIN_ONLY` keys do
    nothing: the board and a squid's history."""
    return isinstance(screen, BoardScreen | HistoryScreen)


def key_works(action: str, *, read_only: bool, several: bool, board: bool = False) -> bool:
    """Whether the app's ``action`` works now: launch and abort are left out in
    read-only mode (footer, help), where their keys answer with a toast instead; ``p``
    switches with ``several`` profiles, else only says how to add one; on the ``board``
    the keys of :data:`MAIN_ONLY` are left out."""
    if board and action in MAIN_ONLY:
        return False
    if action in ("launch", "abort"):
        return not read_only
    if action == "read_only":
        return read_only
    if action in ("profile", "only_profile"):
        return several == (action == "profile")
    return True
