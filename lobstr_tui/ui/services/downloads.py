"""`d`: the selected run's CSV to a file, with its status line, a toast at the end, a
question before replacing a file, and esc to cancel."""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import humanize
from textual.app import App
from textual.message import Message

from lobstr_tui.api import StatusKind
from lobstr_tui.monitor import Level, Snapshot
from lobstr_tui.monitor.model.export_status import ExportOutcome, ExportPhase
from lobstr_tui.monitor.polling.downloads import DownloadJob
from lobstr_tui.monitor.polling.export import Export
from lobstr_tui.ui.screens.confirm_screen import ConfirmScreen

ENDED_PATIENCE = 90.0
"""How long to wait for the export of a run that ended without being done (an errored
or aborted run may never get one: lobstr.io answers 404 either way)."""


class Downloads:
    """``d``, ``esc`` and how a download ended. The download itself is a job of the
    shown account's scheduler (:class:`~lobstr_tui.monitor.polling.downloads.DownloadJob`, in
    its request budget; its status is in the snapshot, where the download bar reads
    it); this service starts it, asks before replacing a file, and answers the app with
    :class:`Said` for the log."""

    class Said(Message):
        """How an export ended, for the log."""

        def __init__(self, text: str, level: Level) -> None:
            super().__init__()
            self.text = text
            self.level = level

    def __init__(self, app: App[Any], directory: Path, *, job: Callable[[], DownloadJob],
                 snapshot: Callable[[], Snapshot]) -> None:
        self.app = app
        self.directory = directory
        self._job = job
        self._snapshot = snapshot
        self.last: ExportOutcome | None = None
        self._web_folder: tempfile.TemporaryDirectory[str] | None = None

    @property
    def export(self) -> Export | None:
        """The last export started (under way or ended)."""
        return self._job().export

    @property
    def busy(self) -> bool:
        """True while an export is under way."""
        return self._job().busy

    def start(self) -> None:
        """Download the selected run's CSV (or say why not)."""
        app = self.app
        if self.busy:
            app.notify("a download is already under way (esc cancels it)",
                       severity="warning")
            return
        snapshot = self._snapshot()
        run = snapshot.selected_run
        if run is None:
            app.notify("select a run first: its CSV is what d downloads", severity="warning")
            return
        squid = snapshot.selected_squid
        done = run.status.kind is StatusKind.DONE
        if app.is_web and self._web_folder is None:
            # Served to a browser: the file goes to the browser, through a folder of ours.
            self._web_folder = tempfile.TemporaryDirectory(prefix="lobstr-tui-")
        directory = Path(self._web_folder.name) if self._web_folder else self.directory
        self._run(self._job().start(
            run_id=run.id, squid_name=squid.name if squid else "squid",
            run_active=run.status.is_active, directory=directory,
            patience=600.0 if done or run.status.is_active else ENDED_PATIENCE))

    def cancel(self) -> bool:
        """Cancel the export under way; False if there is none."""
        return self._job().cancel()

    def _run(self, outcome: Awaitable[ExportOutcome]) -> None:
        job = self._job()

        async def work() -> None:
            self._finished(job, await outcome)

        self.app.run_worker(work(), name="download", description="the download",
                            group="download", exit_on_error=False)

    def _again(self, job: DownloadJob) -> None:
        self._run(job.again(overwrite=True))

    def _finished(self, job: DownloadJob, outcome: ExportOutcome) -> None:
        self.last = outcome
        app = self.app
        if outcome.phase is ExportPhase.EXISTS and self._web_folder is not None:
            self._again(job)  # our own folder: the browser keeps its copies
            return
        if outcome.phase is ExportPhase.EXISTS and outcome.path is not None:
            app.push_screen(
                ConfirmScreen("Replace the file?", [
                    f"{outcome.path} already exists.",
                    "Replace it with this run's CSV? (Cancel keeps it.)"], "Replace"),
                callback=lambda yes: self._again(job) if yes else None)
            return
        if outcome.phase is ExportPhase.DONE and outcome.path is not None:
            size = humanize.naturalsize(outcome.size or 0, binary=True)
            if self._web_folder is not None:
                app.deliver_binary(outcome.path, save_filename=outcome.path.name,
                                   mime_type="text/csv")
                text = f"sent {outcome.path.name} ({size}) to the browser"
            else:
                text = f"saved {outcome.path} ({size})"
            level, severity = Level.GOOD, "information"
        elif outcome.phase is ExportPhase.CANCELLED:
            text, level, severity = "download cancelled", Level.INFO, "information"
        elif outcome.phase is ExportPhase.REFUSED:
            text, level, severity = outcome.message, Level.WARNING, "warning"
        else:
            text = f"download: {outcome.message}"
            level, severity = Level.ERROR, "error"
        app.notify(text, severity=severity, timeout=10)  # type: ignore[arg-type]
        app.post_message(self.Said(text, level))
