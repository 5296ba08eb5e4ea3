"""Where a download of a run's CSV is, and how it ended: the values the snapshot holds
and the download bar shows (the download itself is :mod:`lobstr_tui.monitor.polling.export`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class ExportPhase(StrEnum):
    """Where an export is. The last five are final: :attr:`is_final`."""

    ASKING = "asking"
    """Asking lobstr.io for the export's address."""
    PREPARING = "preparing"
    """lobstr.io is still building the export; asking again after a pause."""
    DOWNLOADING = "downloading"
    """Receiving the file."""
    DONE = "done"
    """Saved: ``path`` is the file."""
    EXISTS = "exists"
    """Not started: ``path`` already exists (run again with ``overwrite=True``)."""
    REFUSED = "refused"
    """Not started: the run is still active, there is no export yet."""
    FAILED = "failed"
    """Given up; the message says why. Nothing was written."""
    CANCELLED = "cancelled"
    """Stopped by :meth:`Export.cancel`. Nothing was written."""

    @property
    def is_final(self) -> bool:
        """True once the export has ended, one way or another."""
        return self not in (ExportPhase.ASKING, ExportPhase.PREPARING,
                            ExportPhase.DOWNLOADING)


@dataclass(frozen=True, slots=True)
class ExportStatus:
    """One moment of an export, for the UI to show as it is.

    ``received`` and ``total`` are bytes of the file (``total`` None when the host did
    not say); ``progress`` is lobstr.io's own percent while preparing; ``retry_in`` is the
    pause, in seconds, before the next question when one was just decided.
    """

    run_id: str
    phase: ExportPhase
    message: str
    path: Path
    received: int = 0
    total: int | None = None
    progress: float | None = None
    retry_in: float | None = None

    @property
    def fraction(self) -> float | None:
        """How much of the file has arrived, 0 to 1, when its size is known."""
        if self.phase is ExportPhase.DONE:
            return 1.0
        if not self.total:
            return None
        return min(1.0, self.received / self.total)


@dataclass(frozen=True, slots=True)
class ExportOutcome:
    """How an export ended: ``phase`` is final; ``path`` is the saved file (``done``) or
    the file in the way (``exists``); ``size`` the bytes written (``done``)."""

    phase: ExportPhase
    message: str
    path: Path | None = None
    size: int | None = None

    @property
    def ok(self) -> bool:
        """True when the file was saved."""
        return self.phase is ExportPhase.DONE
