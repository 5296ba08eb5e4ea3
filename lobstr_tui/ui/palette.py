"""The command palette's entries (ctrl+p): every action of the app, by name."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Protocol

from textual.app import SystemCommand

from lobstr_tui.monitor.model.snapshot import StoryTab
from lobstr_tui.ui.widgets.tabs.run_story import TITLES


class Actions(Protocol):
    """What the palette's entries call: the app's actions."""

    read_only: bool

    def action_launch(self) -> None: ...
    def action_abort(self) -> None: ...
    def action_board(self) -> None: ...
    def action_profile(self) -> None: ...
    def action_download(self) -> None: ...
    def action_refresh(self) -> None: ...
    def action_follow(self) -> None: ...
    def action_open_tab(self, name: str) -> None: ...
    def action_filter(self) -> None: ...
    def action_help(self) -> None: ...


def app_commands(app: Actions, profile: str) -> Iterator[SystemCommand]:
    """The app's entries (launch and abort left out in read-only mode); ``profile``:
    the one shown now."""
    if not app.read_only:
        yield SystemCommand("launch: start a run of the selected squid",
                            "asks for confirmation first", app.action_launch)
        yield SystemCommand("abort: stop the active run", "asks for confirmation first",
                            app.action_abort)
    yield SystemCommand("board: every active run on the account", "w", app.action_board)
    yield SystemCommand("profile: switch to another lobstr.io account",
                        f"p · now {profile}", app.action_profile)
    yield SystemCommand("download: the selected run's CSV", "d", app.action_download)
    yield SystemCommand("refresh: poll everything now", "within the rate limits",
                        app.action_refresh)
    yield SystemCommand("log: follow / unfollow the tail", "f", app.action_follow)
    for tab in StoryTab:
        yield SystemCommand(f"tab: {TITLES[tab]} of the run detail", "[ and ] cycle",
                            partial(app.action_open_tab, tab.value))
    yield SystemCommand("filter: squids by name", "/", app.action_filter)
    yield SystemCommand("help: keys, statuses and reasons", "?", app.action_help)
