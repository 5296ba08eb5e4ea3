"""The active-runs board: every active run on the account, one row each.

Rows that need the person (paused, error) come first, then by ETA (the monitor orders
them). Columns give way by priority like the runs table's: squid, status and percent
stay at 80x24.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from lobstr_tui.api import StatusKind
from lobstr_tui.monitor import Snapshot
from lobstr_tui.monitor.model.baseline import Flag
from lobstr_tui.monitor.model.board import BoardRow
from lobstr_tui.ui.kit.columns import Column, Layout, plan
from lobstr_tui.ui.kit.planned_table import PlannedTable
from lobstr_tui.ui.kit.refit import Reshown, put_border
from lobstr_tui.ui.text import format as fmt
from lobstr_tui.ui.text.usual_text import with_flags

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
    flex="squid", flex_max=28, spare="reason", spare_max=80,
)
"""The Reason column takes the room left at large widths: two errors' own words differ
only past their first words (``Crawler crashed: …``)."""
PROFILES_LAYOUT = Layout(
    columns=(Column("profile", "Profile", 10), *LAYOUT.columns),
    priority=("squid", "status", "profile", "percent", *LAYOUT.priority[3:]),
    short={**LAYOUT.short, "profile": Column("profile", "Profile", 6)},
    flex="squid", flex_max=28, spare="reason", spare_max=80,
)
"""The board of several profiles (``--all-profiles``): a Profile column first."""
RIGHT_ALIGNED = frozenset({"percent", "tasks", "results", "rate", "credits", "eta", "age"})


def row_key(row: BoardRow) -> str:
    """A row's key: its run id, with its profile on a board of several (two accounts'
    ids never meet)."""
    return f"{row.profile}/{row.run.id}" if row.profile else row.run.id


def board_cells(row: BoardRow, now: datetime, flags: Sequence[Flag] = ()) -> dict[str, str]:
    """The text of each cell of one board row (``flags``: how the run is beyond its
    squid's usual run, said first in the Reason column)."""
    stats = row.stats
    run = row.run
    percent = row.percent
    seconds = row.age(now)
    age = None if seconds is None else int(seconds)
    return {
        "profile": row.profile or fmt.DASH,
        "squid": row.squid_name,
        "status": fmt.status_label(run.status),
        "reason": with_flags(fmt.run_reason(run), flags) if flags else fmt.run_reason(run),
        "percent": "?" if percent is None else f"{percent:.0f}",
        "tasks": f"{stats.total_tasks_done}/{stats.total_tasks}" if stats else fmt.DASH,
        "results": fmt.count(row.results),
        "rate": fmt.DASH if row.results_per_minute is None
        else f"{row.results_per_minute:,.0f}",
        "spark": fmt.spark(row.rate_history, 11),
        "credits": fmt.credits(row.credits_used),
        # Only a running run has an ETA worth showing: a paused one is not moving.
        "eta": fmt.duration(row.eta_seconds)
        if row.eta_seconds is not None and run.status.kind is StatusKind.RUNNING else fmt.DASH,
        "age": fmt.DASH if age is None else fmt.age_text(age),
    }


class BoardTable(Reshown[Snapshot], PlannedTable):
    """Every active run of the account; Enter opens its squid and run."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="board.down"),
        Binding("k", "cursor_up", "Up", show=False, id="board.up"),
    ]

    class Open(Message):
        """The user chose a row: open that squid and run (of ``profile``, on a board of
        several)."""

        def __init__(self, squid_id: str, run_id: str, profile: str | None = None) -> None:
            super().__init__()
            self.squid_id = squid_id
            self.run_id = run_id
            self.profile = profile

    def __init__(self, *, profiles: bool = False, **kwargs: object) -> None:
        """``profiles``: rows of several profiles, with a Profile column."""
        super().__init__(**kwargs)
        self._layout = PROFILES_LAYOUT if profiles else LAYOUT
        self._rows: dict[str, BoardRow] = {}
        self._shown: dict[str, list[Text]] = {}

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Update from a snapshot: cells change in place while the columns and the order
        of the runs stay; otherwise the rows are laid out again, the cursor kept on its
        run."""
        self.shown(snapshot, now)
        columns = plan(self._layout, self.content_size.width or 80)
        rows = {row_key(row): row for row in snapshot.board}
        cells = {run_id: self._cells(row, now, columns,
                                     snapshot.anomalies.get(row.run.id, ()))
                 for run_id, row in rows.items()}
        if columns == self._columns and list(rows) == list(self._shown):
            with self.app.batch_update():
                for run_id, new in cells.items():
                    for column, old, cell in zip(self._columns, self._shown[run_id], new,
                                                 strict=True):
                        if old != cell:
                            self.put_cell(run_id, column.key, cell)
        else:
            cursor = self._cursor_key()
            if columns != self._columns:
                self._columns = columns
                self.clear(columns=True)
                self._add_columns()
            else:
                self.clear()
            for run_id, new in cells.items():
                self.add_row(*new, key=run_id)
            if cursor in rows:
                self.move_cursor(row=self.get_row_index(cursor), animate=False)
        self._rows, self._shown = rows, cells
        note = f" · {snapshot.budget_note}" if snapshot.budget_note else ""
        put_border(self, title=f"Active runs ({len(snapshot.board)})",
                   subtitle=f"w: back · enter: open{note}")

    def _cells(self, row: BoardRow, now: datetime, columns: tuple[Column, ...],
               flags: Sequence[Flag] = ()) -> list[Text]:
        values = board_cells(row, now, flags)
        kind = row.run.status.kind
        cells = []
        for column in columns:
            cell = Text(values[column.key],
                        justify="right" if column.key in RIGHT_ALIGNED else "left")
            if column.key in ("status", "reason") and kind in fmt.STATUS_COLOURS:
                colour = self.colour(fmt.STATUS_COLOURS[kind])
                if colour:
                    cell.stylize(colour)
            elif column.key == "reason" and flags and (colour := self.colour("warning")):
                cell.stylize(colour)
            cell.truncate(column.width, overflow="ellipsis")
            cells.append(cell)
        return cells

    @property
    def highlighted(self) -> BoardRow | None:
        """The row under the cursor, if any."""
        if not self.row_count:
            return None
        with contextlib.suppress(RowDoesNotExist, IndexError):
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
            return self._rows.get(str(key)) if key is not None else None
        return None

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        """Enter: open the squid and run of the row."""
        event.stop()
        key = None if event.row_key.value is None else str(event.row_key.value)
        row = self._rows.get(key) if key is not None else None
        if row is not None:
            self.post_message(self.Open(row.squid_id, row.run.id, row.profile))
