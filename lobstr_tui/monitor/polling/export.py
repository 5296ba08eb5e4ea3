"""Download one run's CSV export to a file: ask, wait while lobstr.io prepares it, stream.

``Export`` walks the phases ``asking`` → ``preparing`` (lobstr.io is still building the
export; asked again with exponential backoff, for a bounded total) → ``downloading`` →
``done``, ``failed`` or ``cancelled``; an active run is ``refused`` without a request,
and a file already on disk is reported as ``exists`` instead of being replaced. Each
change is handed to ``on_change`` as an immutable :class:`ExportStatus`; :meth:`Export.run`
returns an :class:`ExportOutcome`. Every message is plain text for the user: no
traceback, never the token, never the signed URL (at most its host).

The file is written to a hidden temporary file beside the target and renamed at the end,
so a failed or cancelled download leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import IO

from lobstr_tui.api import (
    LobstrClient,
    LobstrError,
    NetworkError,
    NotFoundError,
    ParseError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    clean,
)
from lobstr_tui.api.client import export_host
from lobstr_tui.monitor.model.export_status import ExportOutcome, ExportPhase, ExportStatus

FIRST_WAIT_SECONDS = 2.0
MAX_WAIT_SECONDS = 30.0
"""The longest pause between two questions while lobstr.io prepares the export."""
DEFAULT_PATIENCE_SECONDS = 600.0
"""How long, in all, an export waits (preparing, rate limits, retries) before giving up."""
MAX_TRANSIENT_FAILURES = 3
"""Network errors or 5xx answers in a row from the download endpoint before giving up."""
MAX_STEM_BYTES = 100
"""The longest squid-name part of a file name, in UTF-8 bytes (file systems allow 255)."""
FALLBACK_STEM = "squid"

STILL_RUNNING = "the run is still running: its CSV can be downloaded when it ends"

Sleep = Callable[[float], Awaitable[None]]


class _GiveUp(Exception):
    """Ends an export with ``failed`` and a plain message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_KEPT_PUNCTUATION = frozenset("._-+")
_REPEATS = re.compile(r"-{2,}")
_DOTS = re.compile(r"\.{2,}")
_EDGES = "-._+ "


def safe_stem(text: str, *, fallback: str = FALLBACK_STEM,
              max_bytes: int = MAX_STEM_BYTES) -> str:
    """Untrusted text (a squid name, a run id) as part of a file name.

    Letters, digits and ``. _ - +`` are kept; everything else (path separators, spaces,
    control, escape and bidi characters, punctuation a shell would read) becomes ``-``,
    runs of dots become one, and no edge is a dot or dash (so no hidden file, no ``..``).
    At most ``max_bytes`` UTF-8 bytes; ``fallback`` when nothing is left.
    """
    kept = []
    for char in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(char)
        if char in _KEPT_PUNCTUATION or category[0] in "LN":
            kept.append(char)
        elif category[0] == "M" and kept:
            kept.append(char)  # an accent on the letter before it
        else:
            kept.append("-")
    stem = _DOTS.sub(".", _REPEATS.sub("-", "".join(kept))).strip(_EDGES)
    while len(stem.encode()) > max_bytes:
        stem = stem[:-1].rstrip(_EDGES)
    return stem or fallback


def export_file_name(squid_name: str, run_id: str) -> str:
    """``<squid-name>-<run-id>.csv``, both parts made safe by :func:`safe_stem`."""
    return f"{safe_stem(squid_name)}-{safe_stem(run_id, fallback='run', max_bytes=64)}.csv"


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value < 90 else f"{value / 60:.0f} min"


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / (1024 * 1024):.1f} MiB"


class Export:
    """Downloads one run's CSV export into ``directory`` (see the module docstring).

    ``squid_name`` and ``run_id`` name the file (:func:`export_file_name`, see
    :attr:`path`); ``run_active`` is whether the run is pending, running, paused or
    uploading, in which case there is nothing to download yet. ``sleep`` is the wait
    between questions (injected by tests), ``on_change`` receives every
    :class:`ExportStatus`, ``patience`` is the most time spent waiting in all.
    One :meth:`run` at a time; after an ``exists`` outcome, ``run(overwrite=True)`` may
    follow on the same object.
    """

    def __init__(self, client: LobstrClient, *, run_id: str, squid_name: str,
                 run_active: bool, directory: Path,
                 sleep: Sleep = asyncio.sleep,
                 on_change: Callable[[ExportStatus], None] | None = None,
                 patience: float = DEFAULT_PATIENCE_SECONDS,
                 before_ask: Callable[[], Awaitable[None]] | None = None) -> None:
        self.client = client
        self.run_id = run_id
        self.squid_name = squid_name
        self.run_active = run_active
        self.directory = Path(directory).expanduser()
        self.path = self.directory / export_file_name(squid_name, run_id)
        """Where the file goes."""
        self.patience = patience
        self._sleep = sleep
        self._on_change = on_change
        self._before_ask = before_ask
        """Awaited before each question to lobstr.io: the scheduler's request budget."""
        self._status = ExportStatus(run_id, ExportPhase.ASKING, "", self.path)
        self._work: asyncio.Task[ExportOutcome] | None = None
        self._cancelled = False
        self._temp: Path | None = None
        self._waited = 0.0

    @property
    def status(self) -> ExportStatus:
        """The latest status (also handed to ``on_change``)."""
        return self._status

    @property
    def running(self) -> bool:
        """True while :meth:`run` is in progress."""
        return self._work is not None

    @property
    def cancel_requested(self) -> bool:
        """True once :meth:`cancel` was called before the end."""
        return self._cancelled

    def cancel(self) -> None:
        """Stop the export at whatever phase it is in (a pause included); :meth:`run`
        then returns a ``cancelled`` outcome and leaves no file. Before :meth:`run`, it
        makes :meth:`run` end at once: a cancelled export stays cancelled. An outcome
        already reached (``done``, called from ``on_change``) is not undone."""
        self._cancelled = True
        if self._work is not None and not self._status.phase.is_final:
            self._work.cancel()

    async def run(self, overwrite: bool = False) -> ExportOutcome:
        """Download the export. Never raises for what the API, the network or the disk
        do (the outcome says it); a cancellation of the caller's task goes through."""
        if self._work is not None:
            raise RuntimeError("this export is already running")
        self._waited = 0.0
        # Not final any more (a run after ``exists``), so that cancel() applies at once;
        # published with the first question.
        self._status = replace(self._status, phase=ExportPhase.ASKING, message="")
        # The work runs in its own task, so that cancel() stops it without leaving a
        # pending cancellation on the caller's task.
        work = self._work = asyncio.ensure_future(self._run(overwrite))
        try:
            return await work
        except asyncio.CancelledError:
            caller = asyncio.current_task()
            if not (work.cancelled() and self._cancelled) or (
                    caller is not None and caller.cancelling()):
                raise
            return self._cancelled_outcome()
        finally:
            self._discard_temp()
            self._work = None

    # -- the phases --------------------------------------------------------------------

    async def _run(self, overwrite: bool) -> ExportOutcome:
        if self._cancelled:
            return self._cancelled_outcome()
        if self.run_active:
            return self._end(ExportPhase.REFUSED, STILL_RUNNING)
        if not self.directory.is_dir():
            return self._end(ExportPhase.FAILED,
                             f"the folder {self._shown(self.directory)} does not exist")
        if self.path.exists() and not overwrite:
            return self._exists()
        try:
            size = await self._fetch()
        except _GiveUp as stop:
            return self._end(ExportPhase.FAILED, stop.message)
        if self.cancel_requested:
            # The last chunk may have arrived just after cancel(): still no file.
            return self._cancelled_outcome()
        return self._save(overwrite, size)

    async def _fetch(self) -> int:
        """Ask for the address, download; one more try with a fresh address if the
        download fails (a signed URL expires). Returns the bytes written."""
        try:
            return await self._download(await self._ask())
        except LobstrError:
            # Retried once whatever it was: an expired signature (403), a dropped
            # connection, the host's own 5xx.
            self._discard_temp()
        try:
            return await self._download(await self._ask())
        except LobstrError as error:
            raise _GiveUp(f"download failed: {error.message}") from None

    async def _ask(self) -> str:
        """The export's signed URL, once lobstr.io has one; waits while it prepares."""
        delay = FIRST_WAIT_SECONDS
        failures = 0
        self._emit(ExportPhase.ASKING, "asking lobstr.io for the export")
        while True:
            if self._before_ask is not None:
                await self._before_ask()
            try:
                info = await self.client.download_info(self.run_id)
            except NotFoundError:
                # lobstr.io answers the same 404 for "no such run" and "not exported yet".
                failures = 0
                await self._pause(delay, ExportPhase.PREPARING,
                                  "the export is not ready yet", progress=None)
                delay = min(delay * 2, MAX_WAIT_SECONDS)
                continue
            except RateLimitedError as error:
                wait = max(1.0, error.retry_after or delay)
                await self._pause(wait, self._status.phase, "rate-limited by lobstr.io",
                                  progress=self._status.progress)
                continue
            except (NetworkError, ServerError) as error:
                failures += 1
                if failures >= MAX_TRANSIENT_FAILURES:
                    raise _GiveUp(f"could not reach lobstr.io: {error.message}") from None
                await self._pause(delay, self._status.phase, error.message,
                                  progress=self._status.progress)
                delay = min(delay * 2, MAX_WAIT_SECONDS)
                continue
            except UnauthorizedError:
                raise _GiveUp("unauthorized: the token was rejected; "
                              "check LOBSTR_TOKEN") from None
            except ParseError as error:
                raise _GiveUp("lobstr.io's answer about the export could not be read: "
                              f"{error.message}") from None
            except LobstrError as error:
                raise _GiveUp(f"lobstr.io refused the export: {error.message}") from None
            failures = 0
            if info.url is not None:
                return info.url
            progress = f" ({info.progress:.0f} %)" if info.progress is not None else ""
            await self._pause(delay, ExportPhase.PREPARING,
                              f"lobstr.io is preparing the export{progress}",
                              progress=info.progress)
            delay = min(delay * 2, MAX_WAIT_SECONDS)

    async def _pause(self, seconds: float, phase: ExportPhase, why: str, *,
                     progress: float | None) -> None:
        """Wait before asking again, within the export's patience."""
        left = self.patience - self._waited
        if left <= 0:
            raise _GiveUp(f"{why}, and {_seconds(self._waited)} have passed: "
                          "giving up; try again later")
        wait = min(seconds, left)
        self._emit(phase, f"{why}; asking again in {_seconds(wait)}", progress=progress,
                   retry_in=wait)
        self._waited += wait
        await self._sleep(wait)
        self._emit(phase, f"{why}; asking again", progress=progress)

    async def _download(self, url: str) -> int:
        """Stream ``url`` into a fresh temporary file beside the target."""
        host = export_host(url)
        self._emit(ExportPhase.DOWNLOADING, f"downloading from {host}", counts=(0, None))
        try:
            with self._open_temp() as dest:
                return await self.client.stream_export(
                    url, dest, lambda received, total: self._progress(host, received, total))
        except OSError as error:
            raise _GiveUp(f"could not write in {self._shown(self.directory)}: "
                          f"{error.strerror or type(error).__name__}") from None

    def _progress(self, host: str, received: int, total: int | None) -> None:
        of = f" of {_size(total)}" if total is not None else ""
        self._emit(ExportPhase.DOWNLOADING,
                   f"downloading from {host}: {_size(received)}{of}",
                   counts=(received, total))

    # -- the file ----------------------------------------------------------------------

    def _open_temp(self) -> IO[bytes]:
        handle, name = tempfile.mkstemp(dir=self.directory, prefix=f".{self.path.stem}.",
                                        suffix=".part")
        self._temp = Path(name)
        return os.fdopen(handle, "wb")

    def _discard_temp(self) -> None:
        if self._temp is not None:
            with contextlib.suppress(FileNotFoundError):
                self._temp.unlink()
            self._temp = None

    def _save(self, overwrite: bool, size: int) -> ExportOutcome:
        """Move the finished temporary file to :attr:`path`; without ``overwrite``, a
        file that appeared meanwhile is kept and reported."""
        temp = self._temp
        assert temp is not None
        try:
            if overwrite:
                os.replace(temp, self.path)
            else:
                try:
                    os.link(temp, self.path)  # fails if the name is taken: no clobbering
                except FileExistsError:
                    return self._exists()
                except OSError:
                    # A file system without hard links: check, then rename.
                    if self.path.exists():
                        return self._exists()
                    os.replace(temp, self.path)
        except OSError as error:
            return self._end(ExportPhase.FAILED,
                             f"could not save {self._shown(self.path)}: "
                             f"{error.strerror or type(error).__name__}")
        self._discard_temp()  # the hard link's other name
        return self._end(ExportPhase.DONE, f"saved {self._shown(self.path)} ({_size(size)})",
                         size=size)

    # -- statuses ----------------------------------------------------------------------

    def _exists(self) -> ExportOutcome:
        return self._end(ExportPhase.EXISTS,
                         f"{self._shown(self.path)} already exists: not replaced")

    def _cancelled_outcome(self) -> ExportOutcome:
        return self._end(ExportPhase.CANCELLED, "export cancelled: nothing was saved")

    def _end(self, phase: ExportPhase, message: str, *,
             size: int | None = None) -> ExportOutcome:
        self._emit(phase, message,
                   counts=None if size is None else (size, self._status.total))
        path = self.path if phase in (ExportPhase.DONE, ExportPhase.EXISTS) else None
        return ExportOutcome(phase, message, path, size)

    def _emit(self, phase: ExportPhase, message: str, *,
              progress: float | None = None, retry_in: float | None = None,
              counts: tuple[int, int | None] | None = None) -> None:
        """Publish a new status; ``received`` and ``total`` (``counts``) stay as they
        were unless given, ``progress`` and ``retry_in`` only hold for this status."""
        received, total = counts or (self._status.received, self._status.total)
        self._status = replace(self._status, phase=phase, message=message,
                               received=received, total=total, progress=progress,
                               retry_in=retry_in)
        if self._on_change is not None:
            self._on_change(self._status)

    @staticmethod
    def _shown(path: Path) -> str:
        return clean(str(path))
