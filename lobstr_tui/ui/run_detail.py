"""The run detail: a banner for paused or errored runs, then the progress line."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

from lobstr_tui.api import Run, RunStats, StatusKind, explain
from lobstr_tui.monitor import Snapshot, short_id
from lobstr_tui.ui import format as fmt


def banner_text(run: Run) -> str | None:
    """The banner for a paused or errored run: glyph, word, slug with its plain meaning
    and what to do, then the API's own description."""
    if run.status.kind not in (StatusKind.PAUSED, StatusKind.ERROR):
        return None
    parts = [f"{fmt.GLYPHS[run.status.kind]} {run.status.label.upper()}"]
    if run.done_reason:
        entry = explain(run.done_reason)
        action = f" → {entry.action}" if entry.action else ""
        parts.append(f"{run.done_reason}: {entry.explanation}{action}")
    elif run.status.kind is StatusKind.ERROR:
        parts.append("lobstr.io's crawler crashed → nothing to do: lobstr.io resumes the run "
                     "once it is fixed")
    if run.done_reason_desc:
        parts.append(f'lobstr.io says: "{run.done_reason_desc}"')
    return " · ".join(parts)


def progress_text(run: Run | None, stats: RunStats | None, width: int = 200) -> str:
    """``62% · tasks 31/50 · 1,240 results · ETA 1m 10s``; shorter words when ``width``
    cells are not enough. A run that ended without finishing says how it ended."""
    if run is None:
        return "no run selected"
    if stats is None:
        return f"{fmt.count(run.total_results)} results · loading progress…"
    pct = "?%" if stats.percent_done is None else f"{stats.percent_done:.0f}%"
    if run.status.kind in (StatusKind.ABORTED, StatusKind.ERROR):
        pct = f"{run.status.label} at {pct}"
    done, total, results = stats.total_tasks_done, stats.total_tasks, stats.total_results
    eta = [f"ETA {fmt.eta(stats.eta)}"] if run.status.is_active else []
    candidates = [
        [pct, f"tasks {done}/{total}", f"{fmt.count(results)} results", *eta],
        [pct, f"{done}/{total} tasks", f"{fmt.count(results)} res", *eta],
        [pct, f"{done}/{total}", f"{fmt.count(results)} res", *eta],
        [pct, f"{done}/{total}", f"{fmt.count(results)} res"],
    ]
    texts = [" · ".join(parts) for parts in candidates]
    return next((text for text in texts if fmt.cells(text) <= width),
                fmt.shorten(texts[-1], width))


def run_line(run: Run | None, stats: RunStats | None) -> str:
    """``run 3f2a1b · ● running · current maps/search/x`` or ``… · took 4m 10s``."""
    if run is None:
        return ""
    parts = [f"run {short_id(run.id)}", fmt.status_label(run.status)]
    if run.status.is_active:
        current = stats.current_task if stats else None
        parts.append(f"current {fmt.url_label(current, 60)}" if current else "no current task")
    else:
        seconds = (stats.duration if stats else None) or run.duration
        parts.append(f"took {fmt.duration(seconds)}")
        if run.done_reason:
            parts.append(run.done_reason)
    return " · ".join(parts)


class RunDetail(Vertical):
    """Progress of the selected run, with a banner when it is paused or errored."""

    def compose(self) -> ComposeResult:
        yield Static(id="run-banner")
        with Horizontal(id="progress-row"):
            yield ProgressBar(total=100, show_eta=False, show_percentage=False,
                              id="run-progress")
            yield Static(id="progress-text")
        yield Static(id="run-line")

    _last: tuple[Snapshot, datetime] | None = None

    def on_resize(self) -> None:
        if self._last is not None:
            self.show(*self._last)

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Render the selected run of a snapshot."""
        self._last = (snapshot, now)
        run = snapshot.selected_run
        stats = snapshot.stats if snapshot.stats and run and snapshot.stats.id in (
            "", run.id) else None
        banner = self.query_one("#run-banner", Static)
        text = banner_text(run) if run else None
        banner.display = text is not None
        if text is not None and run is not None:
            banner.update(Text(text))
            banner.set_class(run.status.kind is StatusKind.ERROR, "-error")
            banner.set_class(run.status.kind is StatusKind.PAUSED, "-paused")
        bar = self.query_one(ProgressBar)
        percent = stats.percent_done if stats else None
        bar.update(progress=percent or 0.0)
        # The bar takes the run's state colour: an aborted or errored run is never a
        # green complete bar.
        kind = run.status.kind if run else None
        for state in (StatusKind.PAUSED, StatusKind.ERROR, StatusKind.ABORTED):
            bar.set_class(kind is state, f"-{state.value}")
        progress = self.query_one("#progress-text", Static)
        stale = fmt.stale_note(snapshot, "stats", now)
        width = max(20, progress.content_size.width or 60) - fmt.cells(stale)
        line = progress_text(run, stats, width) + stale
        if "stats" in snapshot.errors:
            line += f" · ⚠ stats unreadable: {snapshot.errors['stats']}"
        # Both are single fixed lines: skip the layout pass.
        progress.update(Text(line), layout=False)
        self.query_one("#run-line", Static).update(Text(run_line(run, stats)), layout=False)
