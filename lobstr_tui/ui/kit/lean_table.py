"""A DataTable whose render caches keep only what can still be drawn.

Textual keys each of a DataTable's render caches (rows, cells, lines, row renderables) on
a count of updates. ``update_cell``, ``add_row`` and ``remove_row`` raise the count
without clearing them, so every entry made before becomes unreachable but stays until
the cache is full: up to 1,000 rows, 10,000 cells and 1,000 lines. A table whose running
run's cells change every few seconds filled them over a day (several MB of strips and
segments; ``bench.day``). Before the first paint after a change, those four caches are
emptied. Almost all they hold was made for older counts and could never be read again;
the little made for the new count before that paint (row renderables, when the column
widths are measured) is made once more. Textual's other caches are left alone.

``put_cell`` changes one cell and repaints that cell only: ``update_cell`` repaints the
whole table, and sends all of it to the terminal again (``bench.tty_bytes``).
"""

from __future__ import annotations

from rich.text import Text
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey


class LeanTable(DataTable[Text]):
    """A DataTable that drops render-cache entries no paint can use any more."""

    _painted_count = -1

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._painted_count != self._update_count:
            self._painted_count = self._update_count
            for cache in (self._row_render_cache, self._cell_render_cache,
                          self._row_renderable_cache, self._line_cache):
                cache.clear()
        return super().render_lines(crop)

    def put_cell(self, row_key: str, column_key: str, value: Text) -> None:
        """``update_cell`` (without a new column width) that repaints only the cell."""
        row, column = RowKey(row_key), ColumnKey(column_key)
        coordinate = Coordinate(self.get_row_index(row), self.get_column_index(column))
        # What update_cell does, bar its refresh() of the whole table: the new value,
        # and a new update count, which the render caches are keyed on.
        self._data[row][column] = value
        self._update_count += 1
        self.refresh_coordinate(coordinate)
