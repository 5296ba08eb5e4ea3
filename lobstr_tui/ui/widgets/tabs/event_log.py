"""The log panel: events derived from polling, written in batches, following the tail.

Each event is one entry, wrapped to the panel's width with its continuation lines
indented under the text (never cut); an event identical to the one before it adds
``×N`` to that entry instead of a new line. Entries are kept (bounded) so a resize
wraps them again for the new width.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.cells import cell_len
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Log

from lobstr_tui.monitor import Event, Level
from lobstr_tui.ui.kit.refit import put_border
from lobstr_tui.ui.text import format as fmt

MAX_LINES = 5_000
MAX_ENTRIES = 2_000
FLUSH_SECONDS = 0.2
MAX_PENDING = 20_000
MIN_WRAP = 20

_MARKS = {Level.INFO: " ", Level.GOOD: "✓", Level.WARNING: "⚠", Level.ERROR: "✖"}


def event_line(event: Event) -> str:
    """``12:03:04 ⚠ run 3f2a1b running → paused · cookies_expired: …``."""
    return f"{fmt.clock_time(event.at)} {_MARKS[event.level]} {event.text}"


@dataclass
class Entry:
    """One event as logged: its line, how many times in a row it came."""

    head: str
    text: str
    count: int = 1

    @property
    def line(self) -> str:
        """The whole entry on one line (``×N`` when repeated)."""
        return f"{self.head}{self.text}" + (f" ×{self.count}" if self.count > 1 else "")


def wrap_entry(entry: Entry, width: int) -> list[str]:
    """The entry's screen lines for ``width`` cells: continuation lines are indented
    under the text, nothing is cut."""
    indent = " " * cell_len(entry.head)
    room = max(MIN_WRAP, width) - len(indent)
    body = entry.text + (f" ×{entry.count}" if entry.count > 1 else "")
    first, *rest = fmt.wrap_words(body, room)
    return [entry.head + first, *(indent + line for line in rest)]


class EventLog(Log):
    """Derived events, newest at the bottom; bounded; pauses following on scroll-up."""

    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False, id="log.down"),
        Binding("k", "scroll_up", "Up", show=False, id="log.up"),
    ]

    TITLE = "Log (derived from polling)"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_lines=MAX_LINES, auto_scroll=True, **kwargs)  # type: ignore[arg-type]
        self.border_title = self.TITLE
        self._pending: deque[Event] = deque(maxlen=MAX_PENDING)
        self.entries: deque[Entry] = deque(maxlen=MAX_ENTRIES)
        self.unseen = 0
        self.follow = True
        self.total_events = 0
        self._timer: Timer | None = None
        self._wrap_width = 0

    @property
    def texts(self) -> list[str]:
        """Every entry kept, one line each, as logged (with ``×N`` for repeats)."""
        return [entry.line for entry in self.entries]

    def on_mount(self) -> None:
        self._timer = self.set_interval(FLUSH_SECONDS, self.flush, name="log-flush")
        self._update_subtitle()

    def on_resize(self) -> None:
        if self._width_now() != self._wrap_width:
            self._rewrite()

    def _width_now(self) -> int:
        return max(MIN_WRAP, self.scrollable_content_region.width - 1)

    def add(self, events: list[Event]) -> None:
        """Queue events; they are written on the next flush."""
        self._pending.extend(events)
        self.total_events += len(events)
        if self._timer is not None:
            self._timer.resume()

    def flush(self) -> None:
        """Write queued events with one call (per-line writes are very slow)."""
        if not self._pending:
            if self.follow and self.unseen and self.is_vertical_scroll_end:
                self.unseen = 0
                self._update_subtitle()
            elif not self.unseen and self._timer is not None:
                self._timer.pause()  # nothing to write: no wake-ups while idle
            return
        events = list(self._pending)
        self._pending.clear()
        fresh: list[Entry] = []
        repeated_last = False
        for event in events:
            head = f"{fmt.clock_time(event.at)} {_MARKS[event.level]} "
            last = fresh[-1] if fresh else (self.entries[-1] if self.entries else None)
            if last is not None and last.text == event.text:
                last.count += 1
                last.head = head  # the time of the latest repeat
                repeated_last = repeated_last or not fresh
                continue
            fresh.append(Entry(head, event.text))
        self.entries.extend(fresh)
        at_end = self.is_vertical_scroll_end
        if repeated_last:
            self._rewrite()  # the entry already on screen changed its ×N
        width = self._width_now()
        lines = [line for entry in fresh for line in wrap_entry(entry, width)]
        if lines:
            self.write_lines(lines, scroll_end=self.follow and at_end)
        if not (self.follow and at_end):
            self.unseen += len(events)
        else:
            self.unseen = 0
        self._update_subtitle()

    def _rewrite(self) -> None:
        """Wrap every kept entry again (a new width, or the last entry's count)."""
        width = self._width_now()
        self._wrap_width = width
        lines = [line for entry in self.entries for line in wrap_entry(entry, width)]
        at_end = self.is_vertical_scroll_end
        scroll_y = self.scroll_y
        self.clear()
        self.write_lines(lines[-MAX_LINES:], scroll_end=self.follow and at_end)
        if not (self.follow and at_end):
            self.scroll_to(y=scroll_y, animate=False, immediate=True)

    def toggle_follow(self) -> bool:
        """Start or stop following the tail; returns the new state."""
        self.follow = not self.follow
        if self.follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
            self.unseen = 0
        self._update_subtitle()
        return self.follow

    def _update_subtitle(self) -> None:
        if self.unseen:
            put_border(self, subtitle=f"paused, {self.unseen:,} new · f follows")
        elif not self.follow:
            put_border(self, subtitle="not following · f follows")
        else:
            put_border(self, subtitle="following · f holds")
