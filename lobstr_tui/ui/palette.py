"""The command palette's entries (ctrl+p): every action of the app, by name, named as
Textual names its own (``Abort`` and a sentence of help) and listed before them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Protocol

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hits
from textual.system_commands import SystemCommandsProvider

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


def app_commands(app: Actions, profile: str,
                 find_run: Callable[[], None]) -> Iterator[SystemCommand]:
    """The app's entries (launch and abort left out in read-only mode); ``profile``:
    the one shown now; ``find_run``: opens the runs table's run id search."""
    if not app.read_only:
        yield SystemCommand("Launch", "Start a run of the selected squid; asks first (l)",
                            app.action_launch)
        yield SystemCommand("Abort", "Stop the active run; asks first (a)", app.action_abort)
    yield SystemCommand("Board", "Every active run on the account (w)", app.action_board)
    yield SystemCommand("Profile", f"Switch to another lobstr.io account; now {profile} (p)",
                        app.action_profile)
    yield SystemCommand("Download", "Save the selected run's CSV (d)", app.action_download)
    yield SystemCommand("Refresh", "Poll everything now, within the rate limits (r)",
                        app.action_refresh)
    yield SystemCommand("Follow log", "Follow or stop following the log's tail (f)",
                        app.action_follow)
    for tab in StoryTab:
        yield SystemCommand(f"{TITLES[tab]} tab", f"Show the run detail's {TITLES[tab]} "
                            "tab ([ and ] cycle)", partial(app.action_open_tab, tab.value))
    yield SystemCommand("Filter squids", "Filter the squid list by name (/)",
                        app.action_filter)
    yield SystemCommand("Find run", "Find a run by its id in the runs table (#)", find_run)
    yield SystemCommand("Help", "Keys, statuses and reasons (?)", app.action_help)


class OursFirst(SystemCommandsProvider):
    """The palette's system commands in the order the app gives them (its own first,
    then Textual's), where Textual's provider lists them in alphabetical order."""

    async def discover(self) -> Hits:
        """Every command, in the app's order."""
        for name, help_text, callback, discover in self.app.get_system_commands(self.screen):
            if discover:
                yield DiscoveryHit(name, callback, help=help_text)
