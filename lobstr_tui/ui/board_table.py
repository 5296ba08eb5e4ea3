"""The active-runs board: every active run on the account, one row each.

Rows that need the person (paused, error) come first, then by ETA (the monitor orders
them). Columns give way by priority like the runs table's: squid, status and percent
stay at 80x24.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from lobstr_tui.api import StatusKind
from lobstr_tui.monitor import Snapshot
from lobstr_tui.monitor.board import BoardRow
from lobstr_tui.ui import format as fmt
from lobstr_tui.ui.columns import Column, Layout, keys, plan

LAYOUT = Layout(
    columns=(
        Column("squid", "Squid", 24),
        Column("status", "Status", 12),
        Column("reason", "Reason", 17),
        Column("percent", "%", 4),
        Column("tasks", "Tasks", 7),
        Column("results", "Results", 8),
        Column("rate", "/min", 6),
        Column("spark", "last 30 min", 11),
        Column("credits", "Credits", 9),
        Column("eta", "ETA", 7),
        Column("age", "Age", 4),
    ),
    priority=("squid", "status", "percent", "age", "reason", "eta", "results", "rate",
              "spark", "credits", "tasks"),
    short={"squid": Column("squid", "Squid", 12)},
    flex="squid", flex_max=40,
)
RIGHT_ALIGNED = frozenset({"percent", "tasks", "results", "rate", "credits", "eta", "age"})


def board_cells(row: BoardRow, now: datetime) -> dict[str, str]:
    """The text of each cell of one board row."""
    stats = row.stats
    run = row.run
    percent = stats.percent_done if stats else None
    age = None if row.read_at is None else max(0, int((now - row.read_at).total_seconds()))
    reason = run.done_reason or ""
    if run.status.kind is StatusKind.ERROR and not reason:
        reason = run.done_reason_desc or "crawler error"
    return {
        "squid": row.squid_name,
        "status": fmt.status_label(run.status),
        "reason": reason or fmt.DASH,
        "percent": "?" if percent is None else f"{percent:.0f}",
        "tasks": f"{stats.total_tasks_done}/{stats.total_tasks}" if stats else fmt.DASH,
        "results": fmt.count(stats.total_results if stats else run.total_results),
        "rate": fmt.DASH if row.results_per_minute is None
        else f"{row.results_per_minute:,.0f}",
        "spark": fmt.spark(row.rate_history, 11),
        "credits": fmt.credits(row.credits_used),
        # Only a running run has an ETA worth showing: a paused one is not moving.
        "eta": fmt.duration(row.eta_seconds)
        if row.eta_seconds is not None and run.status.kind is StatusKind.RUNNING else fmt.DASH,
        "age": fmt.DASH if age is None else fmt.age_text(age),
    }


class BoardTable(DataTable[Text]):
    """Every active run of the account; Enter opens its squid and run."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="board.down"),
        Binding("k", "cursor_up", "Up", show=False, id="board.up"),
    ]

    class Open(Message):
        """The user chose a row: open that squid and run."""

        def __init__(self, squid_id: str, run_id: str) -> None:
            super().__init__()
            self.squid_id = squid_id
            self.run_id = run_id

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._columns: tuple[Column, ...] = ()
        self._rows: dict[str, BoardRow] = {}
        self._last: tuple[Snapshot, datetime] | None = None

    @property
    def column_keys(self) -> tuple[str, ...]:
        """The keys of the columns shown now."""
        return keys(self._columns)

    def on_resize(self) -> None:
        if self._last is not None:
            self.show(*self._last)

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Rebuild the rows from a snapshot, keeping the cursor on the same run."""
        self._last = (snapshot, now)
        columns = plan(LAYOUT, self.content_size.width or 80)
        cursor = self._cursor_run()
        if columns != self._columns:
            self._columns = columns
            self.clear(columns=True)
            for column in columns:
                self.add_column(column.label, key=column.key, width=column.width)
        else:
            self.clear()
        self._rows = {}
        for row in snapshot.board:
            if row.run.id in self._rows:
                continue
            self._rows[row.run.id] = row
            self.add_row(*self._cells(row, now), key=row.run.id)
        if cursor in self._rows:
            self.move_cursor(row=self.get_row_index(cursor), animate=False)
        total = len(snapshot.board)
        note = f" · {snapshot.budget_note}" if snapshot.budget_note else ""
        self.border_title = f"Active runs ({total})"
        self.border_subtitle = f"w: back · enter: open{note}"

    def _cells(self, row: BoardRow, now: datetime) -> list[Text]:
        values = board_cells(row, now)
        kind = row.run.status.kind
        cells = []
        for column in self._columns:
            cell = Text(values[column.key],
                        justify="right" if column.key in RIGHT_ALIGNED else "left")
            if column.key in ("status", "reason") and kind in fmt.STATUS_COLOURS:
                colour = self._colour(fmt.STATUS_COLOURS[kind])
                if colour:
                    cell.stylize(colour)
            cell.truncate(column.width, overflow="ellipsis")
            cells.append(cell)
        return cells

    def _colour(self, name: str) -> str:
        if self.app.no_color:
            return ""
        return self.app.theme_variables.get(name, "")

    def _cursor_run(self) -> str | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if key is None else str(key)

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        """Enter: open the squid and run of the row."""
        event.stop()
        run_id = None if event.row_key.value is None else str(event.row_key.value)
        if run_id is not None and run_id in self._rows:
            self.post_message(self.Open(self._rows[run_id].squid_id, run_id))
