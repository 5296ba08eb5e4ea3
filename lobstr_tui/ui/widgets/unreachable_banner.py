"""A banner on the main screen while the API was never reached: an empty cockpit says
why it is empty and what to check."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from lobstr_tui.monitor import Connection, LinkState
from lobstr_tui.ui.text.reach import unreachable_text


def never_reached(connection: Connection) -> bool:
    """True while the link is down and nothing was ever read through it."""
    return connection.state is LinkState.OFFLINE and connection.last_ok_at is None


class UnreachableBanner(Static):
    """Shown while nothing was ever read because the API cannot be reached."""

    def show(self, connection: Connection, base_url: str) -> None:
        """Show the banner for ``connection`` to ``base_url``, or hide it."""
        shown = never_reached(connection)
        self.set_class(shown, "-shown")
        if shown:
            self.update(Text(unreachable_text(base_url, connection.detail)))
