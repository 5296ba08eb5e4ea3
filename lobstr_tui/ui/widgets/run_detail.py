"""The run detail: a banner for paused or errored runs, then the progress line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from lobstr_tui.api import Run, RunStats, RunTask, StatusKind, explain
from lobstr_tui.monitor import Snapshot, short_id
from lobstr_tui.ui.kit.refit import Reshown, put_text
from lobstr_tui.ui.kit.still_progress_bar import StillProgressBar
from lobstr_tui.ui.text import format as fmt
from lobstr_tui.ui.widgets.usual_line import UsualLine

BANNER_LINES = 3
"""The most lines the banner takes (the table above it keeps its rows)."""
WHY_HINT = " e: why"
"""Where a cut banner's rest is read: the why key (see ui/screens/why_screen.py)."""


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


SAMPLE_PARTS = ("100%", "8/88", "888", "ETA 8m 88s")
"""A typical progress line's values: its width at each wording picks the wording, so
that every run, whatever its status or its numbers, reads the same words at one size."""


def _wordings(pct: str, tasks: str, results: str, tail: list[str]) -> list[str]:
    """The progress line from the longest wording to the shortest, the same words for
    every status: ``62% · 31/50 tasks · 1,240 results · ETA 1m 10s``."""
    candidates = [
        [pct, f"{tasks} tasks", f"{results} results", *tail],
        [pct, f"{tasks} tasks", f"{results} res", *tail],
        [pct, tasks, f"{results} res", *tail],
        [pct, tasks, f"{results} res"],
    ]
    return [" · ".join(parts) for parts in candidates]


def aborted_split(run: Run, stats: RunStats, tasks: Sequence[RunTask]) -> int | None:
    """How many of an aborted run's tasks the abort stopped (``run_aborted``), when all
    its tasks have been read; None when that is not known. lobstr.io counts the stopped
    tasks as done (100 %), so they must be told apart to say what the run did."""
    own = [task for task in tasks if task.run == run.id]
    if not own or len(own) < stats.total_tasks:
        return None
    return sum(task.done_reason == "run_aborted" for task in own)


def was_aborted(run: Run) -> bool:
    """Aborted, or uploading what it had after an abort."""
    return run.status.kind is StatusKind.ABORTED or (
        run.status.kind is StatusKind.UPLOADING and run.done_reason == "aborted")


def progress_text(run: Run | None, stats: RunStats | None, width: int = 200,
                  tasks: Sequence[RunTask] = ()) -> str:
    """``62% · 31/50 tasks · 1,240 results · ETA 1m 10s``; shorter words when ``width``
    cells are not enough, chosen by the width alone. A run that ended without finishing
    says how it ended; an aborted run, what it had done when it stopped (``tasks``: the
    run's tasks as read, to tell the tasks it finished from those the abort stopped)."""
    if run is None:
        return "no run selected"
    if stats is None:
        return f"{fmt.count(run.total_results)} results · loading progress…"
    pct = "?%" if stats.percent_done is None else f"{stats.percent_done:.0f}%"
    done, total = stats.total_tasks_done, stats.total_tasks
    tail = [f"ETA {fmt.eta(stats.eta)}"] if run.status.is_active else []
    if was_aborted(run):
        stopped = aborted_split(run, stats, tasks)
        pct, tail = "■ aborted", []
        if stopped is None:
            tasks_part = f"?/{total}"  # lobstr.io's count includes the tasks it stopped
        else:
            tasks_part = f"{total - stopped}/{total}"
            if stopped:
                tail = [f"{stopped} stopped"]
        if run.status.kind is StatusKind.UPLOADING:
            tail.append("uploading")
    else:
        tasks_part = f"{done}/{total}"
        if run.status.kind is StatusKind.ERROR:
            pct = f"{run.status.label} at {pct}"
    results = fmt.count(max(stats.total_results, run.total_results))  # the newest reading
    if stats.oddities:  # impossible values are shown as received, marked
        pct = f"⚠{pct}"
    texts = _wordings(pct, tasks_part, results, tail)
    samples = _wordings(SAMPLE_PARTS[0], SAMPLE_PARTS[1], SAMPLE_PARTS[2],
                        [SAMPLE_PARTS[3]])
    level = next((i for i, text in enumerate(samples) if fmt.cells(text) <= width),
                 len(samples) - 1)
    return next((text for text in texts[level:] if fmt.cells(text) <= width),
                fmt.shorten(texts[-1], width))


def run_line(run: Run | None, stats: RunStats | None, width: int = 200) -> str:
    """``run 3f2a1b · ● running · current maps/search/x`` or ``… · took 4m 10s``."""
    if run is None:
        return ""
    parts = [f"run {short_id(run.id)}", fmt.status_label(run.status)]
    if run.status.is_active:
        current = stats.current_task if stats else None
        used = fmt.cells(" · ".join(parts)) + len(" · current ")
        parts.append(f"current {fmt.url_label(current, max(10, width - used))}" if current
                     else "no current task")
    else:
        seconds = (stats.duration if stats else None) or run.duration
        parts.append(f"took {fmt.duration(seconds)}")
        if run.done_reason:
            parts.append(run.done_reason)
    return " · ".join(parts)


class RunDetail(Reshown[Snapshot], Vertical):
    """Progress of the selected run, with a banner when it is paused or errored."""

    def compose(self) -> ComposeResult:
        yield Static(id="run-banner")
        with Horizontal(id="progress-row"):
            yield StillProgressBar(total=100, show_eta=False, show_percentage=False,
                              id="run-progress")
            yield Static(id="progress-text")
        yield Static(id="run-line")
        yield UsualLine(id="run-usual")
        with Horizontal(id="spark-row"):
            yield Static("results/min, 30 min ", id="spark-results-label",
                         classes="spark-label")
            yield Static(id="spark-results")
            yield Static(" credits/min ", id="spark-credits-label", classes="spark-label")
            yield Static(id="spark-credits")


    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Render the selected run of a snapshot."""
        self.shown(snapshot, now)
        run = snapshot.selected_run
        stats = snapshot.stats if snapshot.stats and run and snapshot.stats.id in (
            "", run.id) else None
        banner = self.query_one("#run-banner", Static)
        text = banner_text(run) if run else None
        banner.display = text is not None
        if text is not None and run is not None:
            # A long reason wraps, on BANNER_LINES at most; cut, it says where the rest is.
            width = banner.content_size.width or max(20, self.size.width - 2)
            put_text(banner, Text(fmt.fit_lines(text, width, BANNER_LINES, more=WHY_HINT)),
                     wraps=True)
            banner.set_class(run.status.kind is StatusKind.ERROR, "-error")
            banner.set_class(run.status.kind is StatusKind.PAUSED, "-paused")
        bar = self.query_one(StillProgressBar)
        percent = stats.percent_clamped if stats else None  # the text shows the real one
        if run is not None and stats is not None and stats.total_tasks and was_aborted(run):
            # lobstr.io's 100 % counts the tasks the abort stopped: the bar shows the
            # tasks the run finished (none, until its tasks say which those are).
            stopped = aborted_split(run, stats, snapshot.tasks)
            percent = 0.0 if stopped is None else (
                100.0 * (stats.total_tasks - stopped) / stats.total_tasks)
        if bar.progress != (percent or 0.0):
            bar.update(progress=percent or 0.0)  # the same value still repaints the bar
        # The bar takes the run's state colour: an aborted or errored run is never a
        # green complete bar.
        kind = run.status.kind if run else None
        if run is not None and kind is StatusKind.UPLOADING and run.done_reason == "aborted":
            kind = StatusKind.ABORTED  # aborted, still uploading what it had: never green
        for state in (StatusKind.PAUSED, StatusKind.ERROR, StatusKind.ABORTED):
            bar.set_class(kind is state, f"-{state.value}")
        progress = self.query_one("#progress-text", Static)
        stale = fmt.stale_note(snapshot, "stats", now)
        width = max(20, progress.content_size.width or 60) - fmt.cells(stale)
        line = progress_text(run, stats, width, snapshot.tasks) + stale
        if "stats" in snapshot.errors:
            line += f" · ⚠ stats unreadable: {snapshot.errors['stats']}"
        put_text(progress, Text(line))
        line_widget = self.query_one("#run-line", Static)
        width = max(20, line_widget.content_size.width or 80)
        put_text(line_widget, Text(fmt.shorten(run_line(run, stats, width), width)))
        self.query_one(UsualLine).show(snapshot, now)
        self._show_history(snapshot)

    def _show_history(self, snapshot: Snapshot) -> None:
        """Results and credits per minute of the selected run over the last 30 minutes,
        from the polls already made (no extra requests); hidden until there are two.
        Bars rise from zero (a steady rate is a flat line, not a cliff or nothing)."""
        history = snapshot.selected_history
        row = self.query_one("#spark-row")
        results = list(history.results_per_minute) if history else []
        spent = list(history.credits_per_minute) if history else []
        row.display = len(results) >= 2
        if not row.display:
            return
        for name, series in (("results", results), ("credits", spent)):
            bars = self.query_one(f"#spark-{name}", Static)
            width = max(5, min(30, bars.content_size.width or 30))
            put_text(bars, Text(fmt.spark(series, width)))
