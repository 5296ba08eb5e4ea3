"""A squid's history (``h``): its last finished runs as a chart of one measure at a time
(``m`` switches: results, duration, credits per result) with the usual run's median and
band, and the same runs as a table under it (readable at 80x24 and over SSH). The
table's cursor is the chart's highlighted run; Enter opens the run; ``esc`` goes back."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from lobstr_tui.api import Run
from lobstr_tui.monitor import Snapshot
from lobstr_tui.monitor.model.baseline import (
    Baseline,
    Measure,
    judge_ended,
    run_seconds,
    usual_of,
)
from lobstr_tui.ui.kit.refit import put_text
from lobstr_tui.ui.text import format as fmt
from lobstr_tui.ui.text.usual_text import with_flags
from lobstr_tui.ui.widgets.history_chart import (
    CHART_MEASURES,
    MEASURE_WORDS,
    ChartData,
    HistoryChart,
    chart_runs,
    value_text,
)

OpenRun = Callable[[str, str], None]
COLUMNS = (("started", "Started", 12), ("took", "Took", 7), ("results", "Results", 7),
           ("credits", "Credits", 8))
"""The table's columns before the Done reason, which takes the width left (no sideways
scrolling): a reason longer than that ends in ``…``, never cut mid-word unmarked."""
REASON_MIN = 12


def reason_width(room: int) -> int:
    """The Done reason column's width in a table ``room`` cells wide inside (each column
    has a cell of padding on either side)."""
    return max(REASON_MIN, room - sum(width + 2 for _, _, width in COLUMNS) - 2)


def title_text(name: str, baseline: Baseline | None, measure: Measure) -> str:
    """``Google Maps FR · results · usual 1,170 (n=18) · m: switch``."""
    head = f"{name} · {MEASURE_WORDS[measure]}"
    if baseline is None:
        return f"{head} · reading its last runs…"
    usual = baseline.usual
    spread = usual.get(measure)
    said = usual.note or (f"usual {value_text(measure, spread.median)} (n={usual.n})"
                          if spread else f"n={usual.n}")
    error = f" · ⚠ {baseline.error}" if baseline.error else ""
    return f"{head} · {said}{error} · m: switch"


def started_text(run: Run) -> str:
    """``Nov 01 09:12`` in local time (a dash when unknown)."""
    if run.started_at is None:
        return fmt.DASH
    return run.started_at.astimezone().strftime("%b %d %H:%M")


class HistoryScreen(Screen[None]):
    """One squid's last runs; shown again as new snapshots change its baseline."""

    DEFAULT_CSS = """
    #history-title { height: 1; padding: 0 1; text-style: bold; }
    #history-chart { height: 45%; min-height: 6; padding: 0 1 0 0; }
    #history-table { height: 1fr; border: round $primary 50%; scrollbar-gutter: stable;
                     border-title-color: $primary; scrollbar-size-horizontal: 0; }
    #history-table:focus { border: heavy $primary; }
    """

    BINDINGS = [
        Binding("escape,h", "app.pop_screen", "Back", id="history.back",
                tooltip="Back to where h was pressed"),
        Binding("m", "measure", "Measure", id="history.measure",
                tooltip="Chart another measure: results, duration, credits per result"),
    ]

    def __init__(self, squid_id: str, name: str, run_id: str | None,
                 open_run: OpenRun) -> None:
        """``open_run(squid_id, run_id)`` opens a run (Enter on the table)."""
        super().__init__()
        self.squid_id = squid_id
        self.squid_name = name
        self.selected = run_id
        self._open_run = open_run
        self.measure = Measure.RESULTS
        self._baseline: Baseline | None = None
        self._filled = False
        self._reason_width = REASON_MIN

    def compose(self) -> ComposeResult:
        yield Static(id="history-title")
        yield HistoryChart(id="history-chart")
        table: DataTable[Text] = DataTable(id="history-table", cursor_type="row",
                                           zebra_stripes=False)
        yield table
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._draw()

    def on_resize(self) -> None:
        """The Done reason takes the table's width left: the rows again at a new one."""
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        room = self.query_one(DataTable).scrollable_content_region.width
        if room and reason_width(room) != self._reason_width:
            self._reason_width = reason_width(room)
            self._draw()

    def show(self, snapshot: Snapshot) -> None:
        """Take the squid's baseline from ``snapshot``; redraw only when it changed."""
        baseline = snapshot.baselines.get(self.squid_id)
        if baseline is self._baseline and self._filled:
            return
        self._baseline = baseline
        self._filled = False
        if self.is_mounted:
            self._draw()

    def action_measure(self) -> None:
        """Chart the next measure."""
        index = CHART_MEASURES.index(self.measure)
        self.measure = CHART_MEASURES[(index + 1) % len(CHART_MEASURES)]
        self._draw_chart()

    def _draw(self) -> None:
        baseline = self._baseline
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        table.add_column("Done reason", key="reason", width=self._reason_width)
        runs = baseline.runs if baseline is not None else ()
        for run in runs:  # newest first, like the runs table
            flags = judge_ended(usual_of(runs, exclude=run.id), run)
            reason = fmt.run_reason(run)
            table.add_row(
                Text(started_text(run)),
                Text(fmt.duration(run_seconds(run)), justify="right"),
                Text(fmt.count(run.total_results), justify="right"),
                Text(fmt.credits(run.credit_used), justify="right"),
                Text(fmt.shorten(f"{fmt.GLYPHS[run.status.kind]} {with_flags(reason, flags)}",
                                 self._reason_width)),
                key=run.id)
        if self.selected is not None and any(run.id == self.selected for run in runs):
            table.move_cursor(row=table.get_row_index(self.selected), animate=False)
        self._filled = baseline is not None
        self._draw_chart()

    def _draw_chart(self) -> None:
        baseline = self._baseline
        put_text(self.query_one("#history-title", Static),
                 Text(title_text(self.squid_name, baseline, self.measure)))
        runs = baseline.runs if baseline is not None else ()
        usual = baseline.usual.get(self.measure) if baseline is not None else None
        self.query_one(HistoryChart).show(ChartData(chart_runs(runs), self.measure, usual,
                                                    self.selected))
        table = self.query_one(DataTable)
        table.border_title = f"Last {len(runs)} finished runs · enter: open · esc: back"

    @on(DataTable.RowHighlighted, "#history-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key is not None and key != self.selected:
            self.selected = str(key)
            self._draw_chart()

    @on(DataTable.RowSelected, "#history-table")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self._open_run(self.squid_id, str(event.row_key.value))
