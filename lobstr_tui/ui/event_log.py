"""The log panel: events derived from polling, written in batches, following the tail."""

from __future__ import annotations

from collections import deque

from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Log

from lobstr_tui.monitor import Event, Level
from lobstr_tui.ui import format as fmt

MAX_LINES = 5_000
FLUSH_SECONDS = 0.2
MAX_PENDING = 20_000

_MARKS = {Level.INFO: " ", Level.GOOD: "✓", Level.WARNING: "⚠", Level.ERROR: "✖"}


def event_line(event: Event) -> str:
    """``12:03:04 ⚠ run 3f2a1b running → paused · cookies_expired: …``."""
    return f"{fmt.clock_time(event.at)} {_MARKS[event.level]} {event.text}"


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
        self._pending: deque[str] = deque(maxlen=MAX_PENDING)
        self.unseen = 0
        self.follow = True
        self.total_events = 0
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        self._timer = self.set_interval(FLUSH_SECONDS, self.flush, name="log-flush")
        self._update_subtitle()

    def add(self, events: list[Event]) -> None:
        """Queue events; they are written on the next flush."""
        self._pending.extend(event_line(event) for event in events)
        self.total_events += len(events)
        if self._timer is not None:
            self._timer.resume()

    def flush(self) -> None:
        """Write queued lines with one call (per-line writes are very slow)."""
        if not self._pending:
            if self.follow and self.unseen and self.is_vertical_scroll_end:
                self.unseen = 0
                self._update_subtitle()
            elif not self.unseen and self._timer is not None:
                self._timer.pause()  # nothing to write: no wake-ups while idle
            return
        lines = list(self._pending)
        self._pending.clear()
        at_end = self.is_vertical_scroll_end
        self.write_lines(lines, scroll_end=self.follow and at_end)
        if not (self.follow and at_end):
            self.unseen += len(lines)
        else:
            self.unseen = 0
        self._update_subtitle()

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
            self.border_subtitle = f"paused, {self.unseen:,} new · f follows"
        elif not self.follow:
            self.border_subtitle = "not following · f follows"
        else:
            self.border_subtitle = "following"
