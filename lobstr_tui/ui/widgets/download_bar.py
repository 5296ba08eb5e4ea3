"""The line above the footer while a CSV export is on its way: what it is doing, and
a progress bar once the file arrives (esc cancels)."""

from __future__ import annotations

import humanize
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from lobstr_tui.monitor.model.export_status import ExportPhase, ExportStatus
from lobstr_tui.ui.kit.still_progress_bar import StillProgressBar


def status_text(status: ExportStatus) -> str:
    """One line about an export in progress: what is happening first, the file last."""
    name = status.path.name
    if status.phase is ExportPhase.PREPARING:
        done = f" {status.progress:.0f}%" if status.progress is not None else ""
        wait = f", again in {status.retry_in:.0f} s" if status.retry_in else ""
        return f"⇣ esc cancels · lobstr.io prepares the CSV{done}{wait} · {name}"
    if status.phase is ExportPhase.DOWNLOADING:
        got = humanize.naturalsize(status.received, binary=True)
        total = f" of {humanize.naturalsize(status.total, binary=True)}" if status.total else ""
        return f"⇣ esc cancels · {got}{total} · {name}"
    return f"⇣ esc cancels · asking lobstr.io for the CSV · {name}"


class DownloadBar(Horizontal):
    """Hidden unless an export is under way."""

    def compose(self) -> ComposeResult:
        yield Static(id="download-text")
        # A total until an export asks for the waiting animation: it redraws 15 times a
        # second, hidden or not.
        yield StillProgressBar(total=100, show_eta=False, show_percentage=True,
                               id="download-progress")

    def show_status(self, status: ExportStatus | None) -> None:
        """Show an export's status (None, or a final one: hide)."""
        bar = self.query_one(StillProgressBar)
        if status is None or status.phase.is_final:
            self.remove_class("-visible")
            bar.update(total=100, progress=0)
            return
        self.add_class("-visible")
        self.query_one("#download-text", Static).update(
            Text(status_text(status), no_wrap=True, overflow="ellipsis"))
        if status.phase is ExportPhase.DOWNLOADING and status.total:
            bar.update(total=status.total, progress=status.received)
        else:
            bar.update(total=None)
