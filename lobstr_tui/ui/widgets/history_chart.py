"""A squid's last runs as a bar chart: one bar per run, oldest on the left, of one
measure (results, duration or credits per result); the median as a line across, the
band of the usual (3 MADs either side) shaded, each run's end marked under its bar by its
outcome, the selected run pointed at.

Drawn in eighth-block cells as plain Rich text in the theme's colours (so it reads in
16-colour themes, under NO_COLOR by its glyphs alone, and in ``--serve``); it is drawn
again only when its data or its size changes: nothing is spent while nothing changes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from lobstr_tui.api import Run, StatusKind
from lobstr_tui.monitor.model.baseline import Measure, Spread, ended_well, measures
from lobstr_tui.ui.text import format as fmt

EIGHTHS = " ▁▂▃▄▅▆▇█"
MEDIAN_GLYPH = "─"
BAND_GLYPH = "┊"
GUTTER = 8
"""Cells of value labels left of the bars (the last one marks the band's rows)."""
MARKS = {"good": "✓", "failed": "▲", "error": "✖", "aborted": "■", "other": "·"}
"""The glyph under each run's bar: done, done for a reason that is a failure (website
inaccessible, no credits left...), error, aborted."""
_PARTS = ("muted", "median", "selected", "good", "failed", "error", "aborted", "other",
          "band")
"""The chart's styled parts: the marks' outcomes (see :data:`MARKS`), and the rest."""
MEASURE_WORDS = {Measure.RESULTS: "results", Measure.DURATION: "duration",
                 Measure.CREDITS_PER_RESULT: "credits per result"}
CHART_MEASURES = (Measure.RESULTS, Measure.DURATION, Measure.CREDITS_PER_RESULT)


def outcome(run: Run) -> str:
    """``good``, ``failed``, ``error``, ``aborted`` (or ``other``): how a run ended."""
    kind = run.status.kind
    if kind is StatusKind.DONE:
        return "good" if ended_well(run) else "failed"
    if kind is StatusKind.ERROR:
        return "error"
    if kind is StatusKind.ABORTED:
        return "aborted"
    return "other"


def value_text(measure: Measure, value: float | None) -> str:
    """A measure's value as the chart's labels and the table say it."""
    if value is None:
        return fmt.DASH
    if measure is Measure.DURATION:
        return fmt.duration(value)
    if measure is Measure.CREDITS_PER_RESULT:
        return f"{value:.2f}"
    return fmt.count(round(value))


@dataclass(frozen=True, slots=True)
class ChartData:
    """What the chart shows: ``runs`` oldest first, the ``measure``, its ``usual``
    spread (None: too few runs to compare) and the selected run's id."""

    runs: tuple[Run, ...]
    measure: Measure
    usual: Spread | None
    selected: str | None


def chart_text(data: ChartData, width: int, height: int,
               colours: dict[str, Style]) -> Text:
    """The chart as ``height`` lines of ``width`` cells."""
    lines = [Text() for _ in range(max(1, height))]
    runs = data.runs
    plot = width - GUTTER - 1
    rows = height - 2
    if not runs or plot < 4 or rows < 2:
        lines[0].append(fmt.shorten("no finished runs to draw" if not runs
                                    else "too small for the chart", width))
        return Text("\n").join(lines)
    runs = runs[-plot:]  # the newest that fit, one cell each at least
    slot = max(1, plot // len(runs))
    bar = max(1, slot - 1) if slot >= 2 else 1
    values = [measures(run).get(data.measure) for run in runs]
    usual = data.usual
    band = (max(0.0, usual.median - 3 * usual.mad), usual.median + 3 * usual.mad) if (
        usual is not None) else None
    top = max([v for v in values if v is not None] + ([band[1]] if band else []), default=0.0)
    top = top * 1.05 if top > 0 else 1.0

    def row_of(value: float) -> int:
        """The plot row (0: top) that holds ``value``."""
        return rows - 1 - min(rows - 1, max(0, math.floor(value / top * rows)))

    median_row = row_of(usual.median) if usual is not None else None
    band_rows = range(row_of(band[1]), row_of(band[0]) + 1) if band else range(0)
    labels = {0: value_text(data.measure, top)}
    if usual is not None and median_row is not None:
        labels[median_row] = value_text(data.measure, usual.median)
    labels[rows - 1] = labels.get(rows - 1, "0")
    for r in range(rows):
        line = lines[r]
        # The band is also marked by the axis (a theme without a panel colour, NO_COLOR).
        edge = BAND_GLYPH if r in band_rows else " "
        line.append(labels.get(r, "").rjust(GUTTER - 1)[:GUTTER - 1] + edge,
                    colours["muted"])
        shade = colours["band"] if r in band_rows else Style()
        from_bottom = rows - 1 - r
        for value, run in zip(values, runs, strict=True):
            eighths = 0 if value is None else round(value / top * rows * 8)
            fill = min(8, max(0, eighths - from_bottom * 8))
            style = colours["selected"] if run.id == data.selected else colours[
                outcome(run)]
            if fill:
                line.append(EIGHTHS[fill] * bar, style + shade)
            elif r == median_row:
                line.append(MEDIAN_GLYPH * bar, colours["median"] + shade)
            else:
                line.append(" " * bar, shade)
            gap = slot - bar
            if gap:
                glyph = MEDIAN_GLYPH if r == median_row else " "
                line.append(glyph * gap, (colours["median"] if r == median_row
                                          else Style()) + shade)
    marks, axis = lines[rows], lines[rows + 1]
    marks.append(" " * GUTTER)
    axis.append(" " * GUTTER)
    for run in runs:
        kind = outcome(run)
        marks.append(MARKS[kind].ljust(slot), colours[kind])
        axis.append(("▲" if run.id == data.selected else " ").ljust(slot),
                    colours["selected"])
    tail = "  oldest ← → newest"
    if axis.cell_len + len(tail) <= width:
        axis.append(tail, colours["muted"])
    for line in lines:
        line.truncate(width)
    return Text("\n").join(lines)


class HistoryChart(Widget):
    """The bar chart of :func:`chart_text`; :meth:`show` gives it new data."""

    COMPONENT_CLASSES = {f"history-chart--{key}" for key in _PARTS}
    DEFAULT_CSS = """
    HistoryChart { height: 1fr; min-height: 6; }
    HistoryChart > .history-chart--muted { color: $foreground-muted; }
    HistoryChart > .history-chart--median { color: $foreground; }
    HistoryChart > .history-chart--selected { color: $primary; text-style: bold; }
    HistoryChart > .history-chart--good { color: $success; }
    HistoryChart > .history-chart--failed { color: $warning; }
    HistoryChart > .history-chart--error { color: $error; }
    HistoryChart > .history-chart--aborted { color: $foreground-muted; }
    HistoryChart > .history-chart--other { color: $foreground-muted; }
    HistoryChart > .history-chart--band { background: $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._data: ChartData | None = None

    @property
    def data(self) -> ChartData | None:
        """What the chart shows now."""
        return self._data

    def show(self, data: ChartData) -> None:
        """Draw ``data``, only if it differs from what is drawn."""
        if data != self._data:
            self._data = data
            self.refresh()

    def _colours(self) -> dict[str, Style]:
        # Component classes: Textual resolves the theme's colours (an ANSI theme's
        # ``ansi_default 50%`` too) and NO_COLOR.
        return {key: self.get_component_rich_style(f"history-chart--{key}", partial=True)
                for key in _PARTS}

    def render(self) -> Text:
        if self._data is None:
            return Text("reading the history…")
        size = self.content_size
        return chart_text(self._data, size.width, size.height, self._colours())


def chart_runs(runs: Sequence[Run]) -> tuple[Run, ...]:
    """A baseline's runs (newest first) in the chart's order: oldest first."""
    return tuple(reversed(runs))
