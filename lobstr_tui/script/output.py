"""What ``wait`` writes: JSON lines, one line updated in place on a terminal, plain
lines without one, or (``--quiet``) only what went wrong.

JSON lines (``--json``) are the only thing on stdout: the alert objects that
``--notify-cmd`` receives (``run.running``, ``run.paused``, ``run.done``...), a
``run.progress`` object at most every :data:`PROGRESS_EVERY` seconds, and a final
``run.end``. Diagnostics go to stderr in every mode. Every text here was cleaned when
the API's answer was parsed (:mod:`lobstr_tui.api.text`); without a terminal nothing
written holds an escape sequence or a carriage return.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import TextIO

from lobstr_tui.api import Run, RunStats, StatusKind, credit_amount
from lobstr_tui.api.text import cell_width, duration_text, fit
from lobstr_tui.monitor.derive.events import describe_reason, reason_phrase, short_id
from lobstr_tui.monitor.polling.alerts import iso_utc
from lobstr_tui.notify.command import encode_payload
from lobstr_tui.script.ending import Ending

PROGRESS_EVERY = 10.0
"""Seconds between two progress lines (JSON or plain), at the least."""
CLEAR_LINE = "\r\x1b[2K"


class Mode(StrEnum):
    """How ``wait`` writes."""

    JSON = "json"
    LIVE = "live"
    PLAIN = "plain"
    QUIET = "quiet"


def run_fields(run: Run, stats: RunStats | None) -> dict[str, object]:
    """A run as the progress and end objects give it."""
    percent = stats.percent_done if stats is not None and stats.id in ("", run.id) else None
    if percent is None and run.status.kind is StatusKind.DONE:
        percent = 100.0
    tasks = None
    if stats is not None and stats.total_tasks > 0:
        tasks = {"done": stats.total_tasks_done, "total": stats.total_tasks}
    results = max(run.total_results, stats.total_results if stats is not None else 0)
    eta = stats.eta.seconds if stats is not None and (
        run.status.kind is StatusKind.RUNNING) else None
    return {"id": run.id, "status": run.status.label, "done_reason": run.done_reason,
            "done_reason_desc": run.done_reason_desc, "percent": percent, "tasks": tasks,
            "results": results, "credits": run.credit_used, "eta_seconds": eta}


def progress_parts(run: Run, stats: RunStats | None) -> list[tuple[int, str]]:
    """The parts of a progress line with their rank (0 always shown; a narrow terminal
    drops the highest first)."""
    fields = run_fields(run, stats)
    head = f"run {short_id(run.id)} {run.status.label}"
    if isinstance(fields["percent"], float | int):
        head += f" {fields['percent']:.0f}%"
    parts = [(0, head)]
    tasks = fields["tasks"]
    if isinstance(tasks, Mapping):
        parts.append((3, f"tasks {tasks['done']}/{tasks['total']}"))
    parts.append((1, f"{fields['results']:,} results"))
    parts.append((2, f"{credit_amount(run.credit_used)} credits"))
    eta = fields["eta_seconds"]
    if isinstance(eta, float | int):
        parts.append((1, f"ETA {duration_text(eta)}"))
    return parts


def progress_text(run: Run, stats: RunStats | None) -> str:
    """``run 1a2b3c running 62% · tasks 12/24 · 1,240 results · 12 credits · ETA 4m 05s``."""
    return " · ".join(text for _, text in progress_parts(run, stats))


def fitted(parts: list[tuple[int, str]], width: int) -> str:
    """The parts joined, the highest ranks left out until the line fits ``width``."""
    kept = list(parts)
    while True:
        line = " · ".join(text for _, text in kept)
        if cell_width(line) <= width or len(kept) == 1:
            return fit(line, width)
        worst = max(range(len(kept)), key=lambda i: (kept[i][0], i))
        if kept[worst][0] == 0:
            return fit(line, width)
        del kept[worst]


def pause_text(run: Run) -> str:
    """What a pause means and what to do, and that the wait goes on."""
    reason = describe_reason(run.done_reason, run.done_reason_desc) or "no reason given"
    return f"run {short_id(run.id)} paused: {reason} (still waiting)"


def end_text(run: Run) -> str:
    """``run 1a2b3c done: tasks_done (all tasks were processed) · 1,240 results``."""
    text = f"run {short_id(run.id)} {run.status.label}"
    reason = reason_phrase(run.done_reason, run.done_reason_desc)
    if reason:
        text += f": {reason}"
    fields = run_fields(run, None)
    return text + f" · {fields['results']:,} results · {credit_amount(run.credit_used)} credits"


class Output:
    """Writes one wait's lines in ``mode``; ``monotonic`` paces progress lines and the
    age shown, ``width`` gives the terminal's columns (live mode)."""

    def __init__(self, mode: Mode, out: TextIO, err: TextIO, *,
                 monotonic: Callable[[], float], wall: Callable[[], datetime],
                 width: Callable[[], int] = lambda: shutil.get_terminal_size().columns) -> None:
        self.mode = mode
        self.out = out
        self.err = err
        self._monotonic = monotonic
        self._wall = wall
        self._width = width
        self._last_progress: tuple[float, str] | None = None
        self._live: list[tuple[int, str]] = []
        self._live_shown = False
        self.squid: dict[str, object] | None = None
        self.trouble: str | None = None
        self.last_ok: float | None = None

    # -- what happens ------------------------------------------------------------------

    def note(self, text: str) -> None:
        """A diagnostic, on stderr."""
        self._clear()
        self.err.write(f"lobstr-tui wait: {text}\n")
        self.err.flush()
        self._redraw()

    def alert(self, payload: Mapping[str, object], text: str, *, said: bool) -> None:
        """A run's status changed (an alert as ``--notify-cmd`` gets it); ``said``:
        another line says it (the final line, the first progress line), and only JSON
        gives the alert too."""
        if self.mode is Mode.JSON:
            self._json(payload)
        elif self.mode is not Mode.QUIET and not said:
            self._line(text)

    def progress(self, run: Run, stats: RunStats | None) -> None:
        """A fresh read of the run; written when the pace allows and something moved."""
        if self.mode is Mode.LIVE:
            self._live = progress_parts(run, stats)
            self._redraw()
            return
        text = progress_text(run, stats)
        now = self._monotonic()
        last = self._last_progress
        if self.mode is Mode.QUIET or (last is not None and (
                now - last[0] < PROGRESS_EVERY or last[1] == text)):
            return
        self._last_progress = (now, text)
        if self.mode is Mode.JSON:
            self._json({"event": "run.progress", "at": iso_utc(self._wall()),
                        "squid": self.squid, "run": run_fields(run, stats)})
        else:
            self._line(text)

    def troubled(self, message: str | None, retry_in: float) -> None:
        """A failure waited through (None: it is over)."""
        was = self.trouble
        self.trouble = None if message is None else (
            f"{message}; trying again in {duration_text(retry_in)}")
        if self.mode is Mode.LIVE:
            self._redraw()
        elif message is None and was is not None:
            self.note("lobstr.io answers again")
        elif message is not None and was is None:
            self.note(f"{self.trouble} (waiting through it)")

    def refresh(self) -> None:
        """Redraw the live line (its age moves)."""
        self._redraw()

    def end(self, ending: Ending, stats: RunStats | None = None) -> None:
        """The last line(s): the verdict, and the file saved."""
        self._clear()
        self._live = []
        if self.mode is Mode.JSON:
            run = None if ending.run is None else run_fields(ending.run, stats)
            self._json({"event": "run.end", "at": iso_utc(self._wall()), "squid": self.squid,
                        "run": run, "verdict": ending.verdict.value,
                        "exit_status": ending.code, "message": ending.message,
                        "file": None if ending.file is None else str(ending.file)})
        elif self.mode is not Mode.QUIET and not ending.verdict.is_error:
            self._line(ending.message)
        if ending.verdict.is_error or (self.mode is Mode.QUIET and ending.code != 0):
            self.err.write(f"lobstr-tui wait: {ending.message}\n")
            self.err.flush()
        if ending.file is not None and self.mode is not Mode.JSON:
            self.out.write(f"{ending.file}\n")
            self.out.flush()

    # -- writing -----------------------------------------------------------------------

    def _json(self, payload: Mapping[str, object]) -> None:
        self.out.write(encode_payload(payload).decode("ascii"))
        self.out.flush()

    def _line(self, text: str) -> None:
        self._clear()
        self.out.write(text + "\n")
        self.out.flush()
        self._redraw()

    def _clear(self) -> None:
        if self._live_shown:
            self.out.write(CLEAR_LINE)
            self.out.flush()
            self._live_shown = False

    def _redraw(self) -> None:
        if self.mode is not Mode.LIVE or not self._live:
            return
        # Two columns spare: a terminal echoes ^C after the line, and a wrapped line
        # would not be cleared by the next redraw.
        parts = list(self._live)
        if self.trouble is not None:
            parts.append((0, self.trouble))
        elif self.last_ok is not None:
            parts.append((1, f"read {duration_text(self._monotonic() - self.last_ok)} ago"))
        self.out.write(CLEAR_LINE + fitted(parts, max(20, self._width() - 3)))
        self.out.flush()
        self._live_shown = True
