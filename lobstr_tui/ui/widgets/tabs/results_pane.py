"""The Results tab: a preview of the selected run's result rows, columns from the rows."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.widgets.data_table import CellDoesNotExist

from lobstr_tui.api import ResultRow
from lobstr_tui.monitor import Snapshot
from lobstr_tui.monitor.model.snapshot import ResultsPreview
from lobstr_tui.ui.text import format as fmt
from lobstr_tui.ui.widgets.tabs.story_table import StoryTable

CELL_WIDTH = 24
"""A long value is shortened to this many cells in the table (the line under it has
the whole value of the highlighted cell)."""
MAX_COLUMNS = 40
"""Columns shown at most (crawlers with more fields: the first ones seen)."""


def value_text(value: Any) -> str:
    """A result value as one line of text (objects and lists as compact JSON)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def result_columns(rows: tuple[ResultRow, ...]) -> list[str]:
    """The columns of the rows: every key seen, in the order first seen."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row.values:
            if key not in seen:
                seen[key] = None
                if len(seen) >= MAX_COLUMNS:
                    return list(seen)
    return list(seen)


class ResultsPane(Vertical):
    """The first page of results on opening, further pages at the end of the table."""

    class NeedMore(Message):
        """The cursor reached the last row loaded and more exist."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._rows: tuple[ResultRow, ...] = ()
        self._columns: list[str] = []
        self._has_more = False

    def compose(self) -> ComposeResult:
        table = StoryTable(cursor_type="cell", zebra_stripes=True,
                                           id="results-table")
        yield table
        yield Static(id="results-cell")
        yield Static(id="results-line")

    @property
    def table(self) -> StoryTable:
        """The results table."""
        return self.query_one("#results-table", StoryTable)

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """The rows read so far; new pages are appended, another run starts afresh."""
        results = snapshot.results
        self._has_more = results.has_more
        self.query_one("#results-line", Static).update(self._line(snapshot, results, now))
        rows = results.rows if results.run_id == snapshot.selected_run_id else ()
        if rows is self._rows:
            return
        columns = result_columns(rows)
        table = self.table
        old = self._rows
        with self.app.batch_update():
            if columns != self._columns or rows[: len(old)] != old:
                table.clear(columns=True)
                for key in columns:
                    table.add_column(fmt.shorten(key, CELL_WIDTH), key=key)
                old = ()
            for row in rows[len(old):]:
                table.add_row(*(Text(fmt.shorten(value_text(row.values.get(key)), CELL_WIDTH))
                                for key in columns), key=row.id)
        self._rows, self._columns = rows, columns
        self._show_cell()

    @staticmethod
    def _line(snapshot: Snapshot, results: ResultsPreview, now: datetime) -> str:
        if snapshot.selected_run_id is None:
            return "no run selected"
        if results.wait_until is not None and results.wait_until > now:
            seconds = max(1, round((results.wait_until - now).total_seconds()))
            return (f"lobstr.io asked to wait (429: 2 result requests a second): "
                    f"next page in {seconds} s")
        error = snapshot.errors.get("results")
        if error:
            return f"⚠ results: {error}"
        if results.run_id != snapshot.selected_run_id or (results.loading and not results.rows):
            return "results: loading the first page…"
        if not results.rows:
            return "no results yet"
        parts = [f"{len(results.rows):,} of {results.total:,} rows"
                 if results.total > len(results.rows) else f"{len(results.rows):,} rows"]
        if results.loading:
            parts.append("loading more…")
        elif results.has_more:
            parts.append("End: next page")
        parts.append("d: the CSV")
        return " · ".join(parts)

    def _show_cell(self) -> None:
        """The whole value of the highlighted cell, under the table."""
        table = self.table
        text = ""
        if table.row_count and self._columns:
            try:
                key = table.coordinate_to_cell_key(table.cursor_coordinate)
            except CellDoesNotExist:
                key = None
            if key is not None and key.row_key.value is not None:
                row = next((r for r in self._rows if r.id == key.row_key.value), None)
                column = str(key.column_key.value)
                if row is not None:
                    text = f"{column}: {value_text(row.values.get(column)) or fmt.DASH}"
        self.query_one("#results-cell", Static).update(Text(text))

    @on(DataTable.CellHighlighted, "#results-table")
    def _cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        self._show_cell()
        if self._has_more and event.coordinate.row >= self.table.row_count - 1:
            self.post_message(self.NeedMore())
