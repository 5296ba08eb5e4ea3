"""The Tasks tab: the selected run's tasks, paged as the user scrolls, filtered by ctrl+f."""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import RowDoesNotExist

from lobstr_tui.api import RunTask
from lobstr_tui.api.text import fit_middle
from lobstr_tui.monitor import Snapshot
from lobstr_tui.ui.text import format as fmt
from lobstr_tui.ui.widgets.tabs.story_table import StoryTable

TASK_GLYPHS = {"completed": "✓", "done": "✓", "error": "✖", "failed": "✖", "running": "▸",
               "pending": "◌", "aborted": "■", "paused": "‖", "stopped": "■"}
"""A glyph per task status (another status shows as ``?``)."""
COLUMNS = (("status", "Status", 11), ("task", "Task", 16), ("results", "Results", 8),
           ("reason", "Done Reason", 18), ("collected", "Collected", 9))
"""(key, label, width) in screen order, which is also the order they are kept in when
the table is narrow; the Task column (its width here is its least) takes the room the
others leave."""


def plan_task_columns(width: int) -> list[tuple[str, str, int]]:
    """The columns that fit in ``width`` cells, in screen order, Task widened."""
    room = width - 2  # the vertical scrollbar
    kept: list[tuple[str, str, int]] = []
    used = 0
    for column in COLUMNS:
        need = column[2] + 2  # a cell of padding on each side
        if used + need > room and kept:
            break
        kept.append(column)
        used += need
    spare = max(0, room - used)
    return [(key, label, w + spare if key == "task" else w) for key, label, w in kept]


def distinct_labels(tasks: list[RunTask], width: int) -> dict[str, str]:
    """Each task's label in ``width`` cells, showing what tells it apart from the
    others: tasks of one squid share a long start and end (one search URL, one
    parameter changed), so the part that differs is kept, widened into the shared
    start, then the shared end, as far as the width allows (``…`` marks a cut)."""
    labels = {task.id: task.label.split("://", 1)[-1].removeprefix("www.") for task in tasks}
    values = list(labels.values())
    if len(set(values)) < 2 or all(fmt.cells(v) <= width for v in values):
        return {key: fit_middle(value, width) for key, value in labels.items()}
    start = _shared_start(values)
    end = min(_shared_start([v[::-1] for v in values]), min(len(v) for v in values) - start)
    return {key: _around(value, start, len(value) - end, width)
            for key, value in labels.items()}


def _shared_start(values: list[str]) -> int:
    """How many characters all ``values`` start with."""
    first, last = min(values), max(values)
    count = 0
    while count < len(first) and first[count] == last[count]:
        count += 1
    return count


def status_counts(tasks: tuple[RunTask, ...]) -> str:
    """``✓45 ✖3 ▸2``: how many loaded tasks are in each status, most first."""
    counts = Counter(task.status or "?" for task in tasks)
    return " ".join(f"{TASK_GLYPHS.get(status, '?')}{number:,}"
                    for status, number in counts.most_common())


def task_matches(task: RunTask, needle: str) -> bool:
    """``needle`` is the task's status, or part of its label, status or done reason."""
    needle = needle.strip().lower()
    if not needle:
        return True
    if needle == task.status:
        return True
    haystack = " ".join((task.label, task.status, task.done_reason or "")).lower()
    return needle in haystack


def _around(value: str, first: int, last: int, width: int) -> str:
    """``value[first:last]`` grown to the left, then to the right, within ``width``."""
    def shown(a: int, b: int) -> str:
        return ("…" if a > 0 else "") + value[a:b] + ("…" if b < len(value) else "")

    if fmt.cells(shown(first, last)) > width:
        return fit_middle(value[first:last], width)
    while first > 0 and fmt.cells(shown(first - 1, last)) <= width:
        first -= 1
    while last < len(value) and fmt.cells(shown(first, last + 1)) <= width:
        last += 1
    return shown(first, last)


class TasksPane(Vertical):
    """The run's tasks: status, label, results, done reason, last collection."""

    BINDINGS = [
        Binding("ctrl+f", "find", "Filter tasks", show=False, id="tasks.filter",
                tooltip="Filter the tasks by status or text"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="tasks.clear",
                tooltip="Clear the tasks filter"),
    ]

    class NeedMore(Message):
        """The cursor reached the last task loaded and more exist."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple[tuple[RunTask, ...], str, int] | None = None
        self._has_more = False
        self._last: tuple[Snapshot, datetime] | None = None
        self.needle = ""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="status or text (esc clears)", id="tasks-filter")
        table = StoryTable(cursor_type="row", zebra_stripes=True,
                                           id="tasks-table")
        yield table
        yield Static(id="tasks-line")

    @property
    def table(self) -> StoryTable:
        """The tasks table."""
        return self.query_one("#tasks-table", StoryTable)

    def on_resize(self) -> None:
        # The table's new width is known after this layout: lay the columns out then.
        self.call_after_refresh(self._reshow)

    def _reshow(self) -> None:
        if self._last is not None:
            self.show(*self._last)

    def action_find(self) -> None:
        """Show the filter and type into it."""
        field = self.query_one("#tasks-filter", Input)
        field.add_class("-visible")
        field.focus()

    @on(Input.Changed, "#tasks-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.needle = event.value
        if self._last is not None:
            self.show(*self._last)

    @on(Input.Submitted, "#tasks-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Esc clears the filter only while there is one (else it goes back)."""
        if action == "clear_filter":
            return bool(self.needle) or self.query_one("#tasks-filter", Input).has_focus
        return True

    def action_clear_filter(self) -> None:
        """Clear the filter and hide it."""
        field = self.query_one("#tasks-filter", Input)
        field.value = ""
        field.remove_class("-visible")
        self.needle = ""
        self.table.focus()
        if self._last is not None:
            self.show(*self._last)

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Rows of the loaded tasks that match the filter (rebuilt only when they change)."""
        self._last = (snapshot, now)
        tasks = snapshot.tasks
        width = self.table.content_size.width
        shown = (tasks, self.needle, width)
        self._has_more = snapshot.tasks_has_more
        self.query_one("#tasks-line", Static).update(self._line(snapshot, now))
        if self._shown is not None and self._shown[0] is tasks and self._shown[1:] == shown[1:]:
            return
        self._shown = shown
        self._rebuild([t for t in tasks if task_matches(t, self.needle)], width, now)

    def _line(self, snapshot: Snapshot, now: datetime) -> str:
        if snapshot.selected_run_id is None:
            return "no run selected"
        error = snapshot.errors.get("tasks")
        if error:
            return f"⚠ tasks: {error}"
        if not snapshot.tasks:
            return "tasks: loading…" if snapshot.tasks_pages == 0 else "no tasks"
        loaded, total = len(snapshot.tasks), snapshot.tasks_total
        parts = [f"{loaded:,} of {total:,} tasks" if total > loaded else f"{loaded:,} tasks"]
        if self.needle.strip():
            matching = sum(1 for t in snapshot.tasks if task_matches(t, self.needle))
            parts.append(f"{matching:,} match{'' if matching == 1 else 'es'} "
                         f"“{fmt.shorten(self.needle.strip(), 20)}”")
        if snapshot.tasks_loading_more:
            parts.append("loading more…")
        elif snapshot.tasks_has_more:
            parts.append("↓ at the end loads more")
        when = snapshot.fetched_at.get("tasks")
        if when is not None:
            parts.append(f"read {fmt.ago(when, now)}")
        return " · ".join(parts) + fmt.stale_note(snapshot, "tasks", now)

    def _rebuild(self, tasks: list[RunTask], width: int, now: datetime) -> None:
        table = self.table
        cursor = None
        if table.row_count:
            cursor = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        columns = plan_task_columns(width)
        widths = {key: column_width for key, _, column_width in columns}
        labels = distinct_labels(tasks, widths.get("task", 16))
        with self.app.batch_update():
            table.clear(columns=True)
            for key, label, column_width in columns:
                table.add_column(label, key=key, width=column_width)
            for task in tasks:
                cells = self._cells(task, labels[task.id], now)
                table.add_row(*(cells[key] for key, _, _ in columns), key=task.id)
            if cursor is not None:
                with contextlib.suppress(RowDoesNotExist):
                    table.move_cursor(row=table.get_row_index(cursor), animate=False)

    @staticmethod
    def _cells(task: RunTask, label: str, now: datetime) -> dict[str, Text]:
        glyph = TASK_GLYPHS.get(task.status, "?")
        colour = {"✖": "bold", "■": "dim"}.get(glyph, "")
        return {
            "status": Text(fmt.shorten(f"{glyph} {task.status or '?'}", 11), style=colour),
            "task": Text(label),
            "results": Text(f"{task.last_result:,}", justify="right"),
            "reason": Text(fmt.shorten(fmt.reason_cell(
                task.done_reason, task.done_reason_desc, error=task.status in ("error", "failed")),
                18)),
            "collected": Text(fmt.short_ago(task.last_collection_at, now)
                              if task.last_collection_at else fmt.DASH),
        }

    @on(DataTable.RowHighlighted, "#tasks-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if self._has_more and event.cursor_row >= self.table.row_count - 1:
            self.post_message(self.NeedMore())
