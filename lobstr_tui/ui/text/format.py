"""How values look on screen: glyphs, words, times, numbers (pure functions)."""

from __future__ import annotations

from datetime import datetime

import humanize
from rich.cells import cell_len, set_cell_size

from lobstr_tui.api import Eta, Run, RunStatus, StatusKind, credit_amount
from lobstr_tui.api.text import duration_text
from lobstr_tui.monitor import Connection, LinkState, Snapshot
from lobstr_tui.monitor.derive.events import short_label

GLYPHS: dict[StatusKind, str] = {
    StatusKind.PENDING: "◌",
    StatusKind.RUNNING: "●",
    StatusKind.UPLOADING: "⇡",
    StatusKind.PAUSED: "‖",
    StatusKind.DONE: "✓",
    StatusKind.ABORTED: "■",
    StatusKind.ERROR: "✖",
    StatusKind.UNKNOWN: "?",
}

# Theme variable names, resolved to colours by the widgets that draw them.
STATUS_COLOURS: dict[StatusKind, str] = {
    StatusKind.PENDING: "secondary",
    StatusKind.RUNNING: "primary",
    StatusKind.UPLOADING: "primary",
    StatusKind.PAUSED: "warning",
    StatusKind.DONE: "success",
    StatusKind.ABORTED: "foreground",
    StatusKind.ERROR: "error",
    StatusKind.UNKNOWN: "foreground",
}

DASH = "—"


def reason_cell(done_reason: str | None, description: str | None, *, error: bool) -> str:
    """A Done Reason cell (a run's or a task's): its slug; else, when it ended in error,
    the start of lobstr.io's own words (the cell cuts them with ``…``); else a dash."""
    if done_reason:
        return done_reason
    if error:
        return description or "crawler error"
    return DASH


def run_reason(run: Run) -> str:
    """The Done Reason cell of ``run`` (the runs table and the board say it alike)."""
    return reason_cell(run.done_reason, run.done_reason_desc,
                       error=run.status.kind is StatusKind.ERROR)


def status_label(status: RunStatus | None) -> str:
    """``● running``; unknown statuses keep their own words with a neutral glyph."""
    if status is None:
        return f"{DASH} never run"
    return f"{GLYPHS[status.kind]} {status.label}"


def count(value: int | float | None) -> str:
    """``1,240``; None is a dash."""
    if value is None:
        return DASH
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def credits(value: float | None) -> str:
    """An amount of credits: ``7,700``, ``1,795.5`` (see :func:`credit_amount`, which
    the monitor's messages use too); None is a dash."""
    return DASH if value is None else credit_amount(value)


def duration(seconds: float | None) -> str:
    """``2m 03s``, ``1h 04m``, ``45s`` (see :func:`~lobstr_tui.api.text.duration_text`)."""
    if seconds is None:
        return DASH
    if seconds < 0:  # impossible, but shown as received
        return "-" + duration_text(-seconds)
    return duration_text(seconds)


def coarse_duration(seconds: float) -> str:
    """A projection's time, without false precision: ``28m``, ``1h 04m``, ``<1m``."""
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    return duration(seconds)


def ago(when: datetime | None, now: datetime) -> str:
    """``3 minutes ago``, ``yesterday``..., humanised against ``now``."""
    if when is None:
        return DASH
    delta = now - when
    if delta.total_seconds() < -5:
        return "in " + humanize.naturaldelta(-delta)
    if delta.total_seconds() < 45:
        return "just now"
    if delta.days == 1:
        return "yesterday"
    return humanize.naturaltime(delta)


AGO_UNITS: tuple[tuple[str, int, int], ...] = (
    ("m", 60, 60), ("h", 3600, 24), ("d", 86400, 30), ("mo", 30 * 86400, 12),
    ("y", 365 * 86400, 100))


def short_ago(when: datetime | None, now: datetime) -> str:
    """At most 8 cells: ``just now``, ``12m ago``, ``3h ago``, ``5d ago``, ``2mo ago``."""
    if when is None:
        return DASH
    seconds = (now - when).total_seconds()
    if seconds < -5:
        return "future"
    if seconds < 45:
        return "just now"
    for unit, size, limit in AGO_UNITS:
        if seconds < size * limit:
            return f"{max(1, int(seconds // size))}{unit} ago"
    return f"{int(seconds // AGO_UNITS[-1][1])}y ago"


def eta(value: Eta | None) -> str:
    """``1m 10s`` or ``unknown`` (lobstr.io's ``∞``)."""
    if value is None or value.seconds is None:
        return "unknown"
    return duration(value.seconds)


SPARKS = "▁▂▃▄▅▆▇█"


def spark(values: tuple[float, ...] | list[float], width: int) -> str:
    """The last ``width`` values as a one-line sparkline (``▁▃▅█``); blank when empty."""
    tail = list(values)[-width:]
    if not tail:
        return ""
    top = max(tail)
    if top <= 0:
        return SPARKS[0] * len(tail)
    return "".join(SPARKS[min(len(SPARKS) - 1, int(v / top * (len(SPARKS) - 1) + 0.5))]
                   if v > 0 else SPARKS[0] for v in tail)


def clock_time(when: datetime) -> str:
    """``12:03:04`` in local time."""
    return when.astimezone().strftime("%H:%M:%S")


def age_text(seconds: int) -> str:
    """A data age that changes only as often as it matters: ``7s``, ``25s``, ``3m``."""
    if seconds < 10:
        return f"{seconds}s"
    if seconds < 60:
        return f"{seconds // 5 * 5}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"


def connection_text(connection: Connection, now: datetime) -> str:
    """The header's connection word: ``live 2s``, ``stale 40s``, ``offline, retrying in 8s``."""
    age = None
    if connection.last_ok_at is not None:
        age = max(0, int((now - connection.last_ok_at).total_seconds()))
    retry = None
    if connection.retry_at is not None:
        retry = max(0, int((connection.retry_at - now).total_seconds() + 0.999))
    state = connection.state
    if state is LinkState.LIVE:
        return f"● live {age_text(age or 0)}"
    if state is LinkState.CONNECTING:
        return "◌ connecting…"
    if state is LinkState.STALE:
        suffix = f", retrying in {retry}s" if retry else ""
        return (f"◐ stale {age_text(age)}{suffix}" if age is not None
                else f"◐ stale{suffix}")
    if state is LinkState.OFFLINE:
        # The detail names the host that could not be reached (never the token).
        why = f" ({connection.detail})" if connection.detail else ""
        offline = (f"offline{why}, retrying in {retry}s" if retry is not None
                   else f"offline{why}")
        # Data already on screen stays, marked with its age.
        return (f"◐ stale {age_text(age)} · {offline}" if age is not None
                else f"○ {offline}")
    if state is LinkState.RATE_LIMITED:
        return (f"◔ rate-limited, resuming in {retry}s" if retry is not None
                else "◔ rate-limited")
    return "✖ unauthorized: check LOBSTR_TOKEN"


def stale_note(snapshot: Snapshot, resource: str, now: datetime) -> str:
    """`` · ⚠ 40s old`` when a panel's data is older than twice its poll period (the
    panel keeps its last good data, marked), else nothing."""
    if not snapshot.is_stale(resource, now):
        return ""
    when = snapshot.fetched_at.get(resource)
    if when is None:
        return " · ⚠ not read yet"
    return f" · ⚠ {age_text(max(0, int((now - when).total_seconds())))} old"


FRESH_PROGRESS_SECONDS = 30
"""Progress read longer ago than this shows its age in the squid list."""


def progress_age(read_at: datetime | None, now: datetime) -> str:
    """`` · 3m old`` for progress read a while ago, nothing when it is fresh."""
    if read_at is None:
        return ""
    age = int((now - read_at).total_seconds())
    return f" · {age_text(age)} old" if age > FRESH_PROGRESS_SECONDS else ""


def cells(text: str) -> int:
    """The width of ``text`` in terminal cells (wide characters count 2)."""
    return cell_len(text)


def shorten(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` terminal cells, ending in an ellipsis if cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 1)).rstrip() + "…" if width > 0 else ""


def wrap_words(text: str, room: int) -> list[str]:
    """``text`` in lines of at most ``room`` cells: words kept whole where they fit,
    longer ones folded; nothing is dropped."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if cell_len(candidate) <= room:
            line = candidate
            continue
        if line:
            lines.append(line)
        while cell_len(word) > room:
            head = set_cell_size(word, room)
            cut = max(1, len(head.rstrip()))
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    lines.append(line)
    return lines


def fit_lines(text: str, width: int, most: int, *, more: str = "") -> str:
    """``text`` wrapped in ``width`` cells on at most ``most`` lines; when it needs more,
    the last line is cut with ``…`` and ends with ``more`` (where the rest can be read)."""
    lines = wrap_words(text, max(1, width))
    if len(lines) <= most:
        return "\n".join(lines)
    kept = lines[:most]
    tail = "…" + more
    kept[-1] = set_cell_size(kept[-1], max(0, width - cell_len(tail))).rstrip() + tail
    return "\n".join(kept)


def pad(text: str, width: int) -> str:
    """``text`` cut or padded with spaces to exactly ``width`` cells."""
    text = shorten(text, width)
    return text + " " * (width - cell_len(text))


def url_label(url: str, width: int = 48) -> str:
    """A URL without scheme and ``www.``, shortened (the log's task labels use the same)."""
    return short_label(url, width)
