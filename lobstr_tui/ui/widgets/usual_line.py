"""The run detail's line on how the selected run is beyond its squid's usual run
(``⚑ slow: 2.4× usual (n=18) · h: history``); hidden while it is as usual."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from lobstr_tui.monitor import Snapshot
from lobstr_tui.ui.kit.refit import Reshown, put_text
from lobstr_tui.ui.text import format as fmt
from lobstr_tui.ui.text.usual_text import flags_text

HISTORY_HINT = " · h: history"


class UsualLine(Reshown[Snapshot], Static):
    """One line under the run's progress, shown only when the run is flagged."""

    DEFAULT_CSS = """
    UsualLine { height: 1; color: $warning; }
    """

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Say the selected run's flags, if it has any."""
        self.shown(snapshot, now)
        run_id = snapshot.selected_run_id
        flags = snapshot.anomalies.get(run_id, ()) if run_id else ()
        self.display = bool(flags)
        if flags:
            width = max(20, self.content_size.width or 80)
            put_text(self, Text(fmt.shorten(flags_text(flags) + HISTORY_HINT, width)))
