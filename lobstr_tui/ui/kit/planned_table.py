"""What the runs table and the board share: planned columns, theme colours, the run
under the cursor."""

from __future__ import annotations

from textual.widgets.data_table import CellDoesNotExist

from lobstr_tui.ui.kit.columns import Column, keys
from lobstr_tui.ui.kit.lean_table import LeanTable


class PlannedTable(LeanTable):
    """A row-cursor table whose columns come from a :class:`~lobstr_tui.ui.kit.columns.Layout`
    plan; rows are keyed by run id."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._columns: tuple[Column, ...] = ()

    @property
    def column_keys(self) -> tuple[str, ...]:
        """The keys of the columns shown now, in screen order."""
        return keys(self._columns)

    def _add_columns(self) -> None:
        for column in self._columns:
            self.add_column(column.label, key=column.key, width=column.width)

    def colour(self, name: str) -> str:
        """A theme colour by variable name (no colours under NO_COLOR)."""
        if self.app.no_color:
            return ""
        return self.app.theme_variables.get(name, "")

    def _cursor_key(self) -> str | None:
        """The id of the row under the cursor, if any."""
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return None if key.value is None else str(key.value)
