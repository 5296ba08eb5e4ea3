"""A run's CSV download as a job of the scheduler: each question to lobstr.io is sent
within the request budget and the rate gate, like every poll, and the download's status
is in every snapshot (``Snapshot.export``), so the download bar is drawn from it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from lobstr_tui.api import LobstrClient
from lobstr_tui.monitor.model.export_status import ExportOutcome, ExportPhase, ExportStatus
from lobstr_tui.monitor.polling.budget import RequestBudget
from lobstr_tui.monitor.polling.clock import Clocks
from lobstr_tui.monitor.polling.export import Export
from lobstr_tui.monitor.polling.jobs import admit
from lobstr_tui.monitor.polling.rate_gate import RateGate


async def spend(gate: RateGate, budget: RequestBudget, clocks: Clocks,
                prefix: str = "runs") -> None:
    """Wait until the rate gate and the request budget allow one more request, and count
    it there: a download's question is one request of the budget like any poll."""
    while (wait := admit(gate, budget, prefix, clocks.monotonic())) > 0:
        await clocks.sleep(wait)


PROGRESS_EVERY = 0.25
"""Seconds between two statuses that only count more bytes: each one is a snapshot
drawn in full, and a fast download brings hundreds a second."""


class DownloadJob:
    """One export at a time. ``spend`` is awaited before each question (the scheduler's
    budget); ``show`` receives each change of phase, the bytes received at most every
    ``PROGRESS_EVERY`` seconds of ``monotonic``, and None when the export has ended."""

    def __init__(self, client: Callable[[], LobstrClient], *,
                 spend: Callable[[], Awaitable[None]],
                 show: Callable[[ExportStatus | None], None],
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._sleep = sleep
        self._monotonic = monotonic
        self._shown: tuple[ExportPhase, float] | None = None
        self._spend = spend
        self._show = show
        self.export: Export | None = None

    @property
    def busy(self) -> bool:
        """True while an export is under way."""
        return self.export is not None and self.export.running

    def start(self, *, run_id: str, squid_name: str, directory: Path, run_active: bool,
              patience: float) -> asyncio.Future[ExportOutcome]:
        """Download a run's CSV into ``directory``; the future holds the outcome."""
        self.export = Export(self._client(), run_id=run_id, squid_name=squid_name,
                             run_active=run_active, directory=directory,
                             on_change=self._changed, patience=patience,
                             before_ask=self._spend, sleep=self._sleep)
        return self.again(overwrite=False)

    def again(self, *, overwrite: bool) -> asyncio.Future[ExportOutcome]:
        """Run the last export again (``overwrite``: after it found the file there)."""
        export = self.export
        if export is None:
            raise RuntimeError("no export to run again")

        async def work() -> ExportOutcome:
            try:
                return await export.run(overwrite=overwrite)
            finally:
                self._shown = None
                self._show(None)

        return asyncio.ensure_future(work())

    def _changed(self, status: ExportStatus) -> None:
        now = self._monotonic()
        if self._shown is not None and self._shown[0] is status.phase is (
                ExportPhase.DOWNLOADING) and now - self._shown[1] < PROGRESS_EVERY:
            return  # only more bytes, and the last count is fresh on screen
        self._shown = (status.phase, now)
        self._show(status)

    def cancel(self) -> bool:
        """Cancel the export under way; False if there is none."""
        if not self.busy or self.export is None:
            return False
        self.export.cancel()
        return True
