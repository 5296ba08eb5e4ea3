"""The runs table: the web dashboard's columns plus Origin, updated in place by run id."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from lobstr_tui.api import Run, StatusKind
from lobstr_tui.monitor import Snapshot, short_id
from lobstr_tui.ui.kit.columns import Column, Layout, plan
from lobstr_tui.ui.kit.planned_table import PlannedTable
from lobstr_tui.ui.kit.refit import put_border
from lobstr_tui.ui.text import format as fmt

LAYOUT = Layout(
    columns=(
        Column("run", "Run ID", 7),
        Column("started", "Started", 8),
        Column("ended", "Ended", 8),
        Column("results", "Results", 9),
        Column("unique", "Unique", 9),
        Column("credits", "Credits", 9),
        Column("duration", "Duration", 8),
        Column("status", "Status", 11),
        Column("reason", "Done Reason", 20),
        Column("origin", "Origin", 8),
    ),
    # Status is the last to go; Run ID and Done Reason shorten before they disappear
    # (Done Reason still shows at 80x24); Done Reason takes the room left over, up to
    # the longest reason slug.
    priority=("status", "run", "results", "reason", "started", "duration", "credits",
              "ended", "unique", "origin"),
    short={"run": Column("run", "Run", 4), "reason": Column("reason", "Done Reason", 12)},
    flex="reason", flex_max=25,
)
GAP = "⋯gap"
"""The key of the row that stands for the runs not loaded between two blocks."""
STATUS_WIDTHS = (11, 24)
"""Status is 11 cells (``⇡ uploading``), wider for an unknown status word, up to 24."""
RIGHT_ALIGNED = frozenset({"results", "unique", "credits", "duration"})
ColourOf = Callable[[str], str]
ODD_FIELDS = {"duration": "duration", "total_results": "results",
              "total_unique_results": "unique", "credit_used": "credits"}
"""Which cell carries the warning mark of an impossible value (else the Run ID)."""


def plan_columns(width: int, status_width: int = 11) -> tuple[Column, ...]:
    """The runs table's columns that fit in ``width`` cells (Status ``status_width``)."""
    return plan(LAYOUT, width, {"status": status_width})


def run_cells(run: Run, now: datetime, colour: ColourOf) -> dict[str, Text]:
    """The cells of one run's row, keyed by column."""
    seconds = run.duration
    if run.status.is_active and run.started_at is not None and run.ended_at is None:
        seconds = (now - run.started_at).total_seconds()
    values = {
        "run": short_id(run.id) + "…",
        "started": fmt.short_ago(run.started_at, now),
        "ended": fmt.short_ago(run.ended_at, now) if run.ended_at else fmt.DASH,
        "results": fmt.count(run.total_results),
        "unique": fmt.count(run.total_unique_results),
        "credits": fmt.credits(run.credit_used),
        "duration": fmt.duration(seconds),
        "status": fmt.status_label(run.status),
        "reason": fmt.run_reason(run),
        "origin": run.origin or fmt.DASH,
    }
    # Impossible values are shown as received, with a warning mark on their cell.
    for oddity in run.oddities:
        key = ODD_FIELDS.get(oddity.split(" ", 1)[0], "run")
        values[key] = f"⚠{values[key]}"
    cells = {key: Text(value, justify="right" if key in RIGHT_ALIGNED else "left")
             for key, value in values.items()}
    cells["status"].stylize(colour(fmt.STATUS_COLOURS[run.status.kind]))
    if run.status.kind in (StatusKind.PAUSED, StatusKind.ERROR) or (
            run.done_reason and run.done_reason not in ("tasks_done", "last_page_reached")):
        cells["reason"].stylize(colour(fmt.STATUS_COLOURS[run.status.kind]))
    return cells


class RunsTable(PlannedTable):
    """Runs of the selected squid, newest first; rows keyed by run id."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="runs.down"),
        Binding("k", "cursor_up", "Up", show=False, id="runs.up"),
        Binding("end,G", "oldest", "Oldest run", show=False, id="runs.last",
                tooltip="The oldest run (read directly, however long the history)"),
        Binding("home,g", "scroll_top", "First run", show=False, id="runs.first"),
        # Not in the footer (at 80 columns it would push others out): the pane's
        # title says "(# find)".
        Binding("number_sign", "find", "Find run id", show=False, id="runs.find",
                tooltip="Find a run by its id (or the start of it)"),
    ]

    _follow: str | None
    """A run looked up by its id: the cursor goes there once it is shown."""

    class Highlighted(Message):
        """The user moved to another run."""

        def __init__(self, run_id: str) -> None:
            super().__init__()
            self.run_id = run_id

    class NeedMore(Message):
        """The cursor reached the last loaded run and older ones exist."""

    class WantOldest(Message):
        """End: the oldest runs are wanted (not all loaded)."""

    class WantFind(Message):
        """``#``: the person wants to type a run id."""

    def action_find(self) -> None:
        """Ask for the find field."""
        self.post_message(self.WantFind())

    def follow(self, run_id: str) -> None:
        """Move the cursor to ``run_id`` once it is selected and shown (a run looked up
        by its id), even while the table has focus."""
        self._follow = run_id

    @property
    def cursor_run_id(self) -> str | None:
        """The run under the cursor (None on the row of runs not loaded)."""
        key = self._cursor_key()
        return None if key == GAP else key

    def find(self, start: str) -> bool:
        """Move the cursor to (and select) the first loaded run whose id starts with
        ``start``; False if none does."""
        if not start:
            return False
        match = next((key for key in self._order if key != GAP and key.startswith(start)),
                     None)
        if match is None:
            return False
        self._move_to(match)
        # Selected too: the table follows the selection while the find field has focus.
        self.post_message(self.Highlighted(match))
        return True

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._rows: dict[str, dict[str, str]] = {}
        self._order: list[str] = []
        self._squid: str | None = None
        self._replanned = True
        """The columns changed since the rows were built: build them anew."""
        self._has_more = False
        self._columns = plan_columns(0)
        self._last: tuple[Snapshot, datetime] | None = None
        self._to_oldest = False
        self._follow = None

    def on_mount(self) -> None:
        self._add_columns()
        self.border_title = "Runs (# find)"

    def on_resize(self) -> None:
        if self._plan():
            if self._last is not None:
                self.show(*self._last)
            else:
                self.clear(columns=True)
                self._add_columns()

    def _plan(self) -> bool:
        """Choose the columns for this width; True if they changed (then ``show`` starts
        from fresh columns and rows)."""
        shortest, longest = STATUS_WIDTHS
        labels = [fmt.cells(fmt.status_label(run.status)) for run in
                  (self._last[0].runs if self._last else ())]
        status_width = min(longest, max([shortest, *labels]))
        columns = plan_columns(self.content_size.width, status_width)
        if columns == self._columns:
            return False
        self._columns = columns
        self._replanned = True
        return True

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Update rows in place: cursor and scroll stay where they are."""
        self._last = (snapshot, now)
        if self.is_mounted:
            self._plan()
        squid = snapshot.selected_squid
        put_border(self, title=(f'Runs of "{squid.name}"' if squid else "Runs") + " (# find)")
        more = snapshot.runs_total - len(snapshot.runs)
        gap = snapshot.runs_gap
        loading = " · loading older…" if snapshot.runs_loading_more else (
            " · loading the oldest…" if snapshot.runs_jumping else "")
        where = (f" · {more:,} between not loaded" if gap else f" · ↓ for {more:,} older"
                 ) if more > 0 else ""
        if squid is not None and snapshot.runs_squid_id != squid.id:
            put_border(self, subtitle="loading its runs…")  # no count claimed before a page
        else:
            put_border(self, subtitle=f"{len(snapshot.runs):,} of {snapshot.runs_total:,}"
                       + where + loading + fmt.stale_note(snapshot, "runs", now))
        self._has_more = more > 0 and gap is None
        if snapshot.runs_squid_id != self._squid or self._replanned:
            # Another squid, or another width: start from fresh columns and rows.
            self._squid, self._replanned = snapshot.runs_squid_id, False
            self.clear(columns=True)
            self._add_columns()
            self._rows.clear()
            self._order = []
        wanted = [run.id for run in snapshot.runs]
        if gap is not None and gap.before in wanted:
            wanted.insert(wanted.index(gap.before), GAP)
        with self.app.batch_update():
            self._apply(snapshot, wanted, now)
        landed = not snapshot.runs_jumping and (gap is not None or not snapshot.runs_has_more)
        if self._to_oldest and landed and self.row_count:
            self._to_oldest = False
            self.move_cursor(row=self.row_count - 1, animate=False)

    def action_oldest(self) -> None:
        """End: the last row, once the oldest runs are loaded (read directly)."""
        snapshot = self._last[0] if self._last else None
        if snapshot is not None and snapshot.runs_has_more and snapshot.runs_gap is None:
            self._to_oldest = True
            self.post_message(self.WantOldest())
        elif self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)

    def tick(self, snapshot: Snapshot, now: datetime) -> None:
        """Once a second: only the rows of active runs change (their duration)."""
        for run in snapshot.runs:
            if run.status.is_active and run.id in self._rows:
                self._put(run, now)

    def _apply(self, snapshot: Snapshot, wanted: list[str], now: datetime) -> None:
        runs = {run.id: run for run in snapshot.runs}
        shown = set(wanted)
        kept = [key for key in self._order if key in shown]
        if wanted[: len(kept)] != kept:
            # A run appeared above others (a launch): rebuild, keeping the cursor's run
            # and the scroll offset, so nothing jumps under the user's eyes.
            self._rebuild(snapshot, wanted, now)
            return
        for gone in [key for key in self._order if key not in shown]:
            self.remove_row(gone)
            del self._rows[gone]
        for run_id in wanted:
            self._put_key(run_id, runs, snapshot, now)
        self._order = wanted
        selected = snapshot.selected_run_id
        if selected and self._cursor_key() != selected and (
                not self.has_focus or self._follow == selected):
            self._move_to(selected)
        self._followed()

    def _put_key(self, key: str, runs: dict[str, Run], snapshot: Snapshot,
                 now: datetime) -> None:
        if key != GAP:
            self._put(runs[key], now)
            return
        missing = max(0, snapshot.runs_total - len(snapshot.runs))
        note = "loading…" if snapshot.runs_loading_more else "↓ loads"
        values = {column.key: "⋯" for column in self._columns}
        values["status"] = f"{missing:,} more"
        if "reason" in values:
            values["reason"] = f"not loaded: {note}"
        cells = {key: Text(fmt.shorten(value, column.width), style="dim")
                 for column in self._columns for key, value in values.items()
                 if key == column.key}
        plain = {key: text.plain for key, text in cells.items()}
        if GAP not in self._rows:
            self.add_row(*(cells[column.key] for column in self._columns), key=GAP)
        else:
            for column in self._columns:
                if self._rows[GAP].get(column.key) != plain[column.key]:
                    self.put_cell(GAP, column.key, cells[column.key])
        self._rows[GAP] = plain

    def _put(self, run: Run, now: datetime) -> None:
        cells = run_cells(run, now, self.colour)
        for column in self._columns:
            cell = cells[column.key]
            if column.key == "run" and column.width < len(cell.plain):
                cell = cells[column.key] = Text(run.id[:column.width])
            cell.truncate(column.width, overflow="ellipsis")
        plain = {k: v.plain + str(v.style) for k, v in cells.items()}
        known = self._rows.get(run.id)
        if known is None:
            self.add_row(*(cells[column.key] for column in self._columns), key=run.id)
        else:
            for column in self._columns:
                if known.get(column.key) != plain[column.key]:
                    self.put_cell(run.id, column.key, cells[column.key])
        self._rows[run.id] = plain

    def _rebuild(self, snapshot: Snapshot, wanted: list[str], now: datetime) -> None:
        selected = snapshot.selected_run_id
        cursor = (selected if self._follow == selected else self._cursor_key()) or selected
        row = self.cursor_row
        if self._follow is None and 0 <= row < len(self._order) and self._order[row] == GAP:
            # The cursor was on the gap row, which read the page now loaded there: it
            # stays on that line, now the first of those runs (on the gap again it would
            # read the next page, and the next...).
            cursor = wanted[row] if row < len(wanted) and wanted[row] != GAP else cursor
        scroll = self.scroll_y
        self.clear()
        self._rows.clear()
        runs = {run.id: run for run in snapshot.runs}
        for run_id in wanted:
            self._put_key(run_id, runs, snapshot, now)
        self._order = wanted
        if cursor:
            self._move_to(cursor)
        if self._followed():
            return  # move_cursor scrolled it into view
        self.scroll_to(y=scroll, animate=False, immediate=True)

    def _followed(self) -> bool:
        """True (and done following) once the cursor is on the run looked up by id."""
        if self._follow is None or self._cursor_key() != self._follow:
            return False
        self._follow = None
        return True

    def _move_to(self, run_id: str) -> None:
        try:
            index = self.get_row_index(run_id)
        except RowDoesNotExist:
            return
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is None:
            return
        if event.row_key.value == GAP:
            # The runs between the newest and the oldest: the next page is read.
            self.post_message(self.NeedMore())
            return
        # Only the user's own moves select a run; rows added by polling do not (nor the
        # old cursor row while the table moves to a run looked up by its id).
        if self.has_focus and self._follow in (None, event.row_key.value):
            self.post_message(self.Highlighted(str(event.row_key.value)))
        # The last row reads the next page, unless the oldest runs are already loaded
        # after a gap (End): then the gap row is what reads more.
        if self._has_more and GAP not in self._rows and event.cursor_row >= self.row_count - 1:
            self.post_message(self.NeedMore())
