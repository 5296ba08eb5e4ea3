"""Widgets whose text is refitted to their width: shown again, from the last thing
shown (a snapshot), after every resize; and setters that skip what has not changed."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from lobstr_tui.ui.kit.narrow import put_static

Shown = TypeVar("Shown")
"""What a widget shows (for lobstr-tui's widgets, a snapshot)."""


class Reshown(Generic[Shown]):
    """Mix in before the widget class; ``show`` records what it showed via ``shown``."""

    _last: tuple[Shown, datetime] | None = None

    def show(self, snapshot: Shown, now: datetime) -> None:
        """Render a snapshot as of ``now`` (each widget's own)."""
        raise NotImplementedError

    def shown(self, snapshot: Shown, now: datetime) -> None:
        """Remember the snapshot on screen, to show it again at a new width."""
        self._last = (snapshot, now)

    def on_resize(self) -> None:
        if self._last is not None:
            self.show(*self._last)


def put_text(widget: Static, text: Text, *, wraps: bool = False) -> None:
    """Show ``text`` in ``widget`` only if it differs from what is there, and lay the
    screen out again only when its number of lines changed (a layout pass costs a reflow
    of the whole screen; most snapshots change a number or nothing). ``wraps``: the
    widget's height follows how its text wraps, so any change lays it out again."""
    old = widget.content
    if isinstance(old, Text) and old == text and old.style == text.style:  # == skips style
        return
    if not wraps and put_static(widget, text):
        return  # the same shape: only the changed cells are repainted
    lines = text.plain.count("\n")
    widget.update(text, layout=wraps or not isinstance(old, Text)
                  or old.plain.count("\n") != lines)


def put_border(widget: Widget, *, title: str | None = None,
               subtitle: str | None = None) -> None:
    """Set a widget's border title and subtitle only when they change: Textual repaints
    the whole widget on every assignment, even of the same text (a table repainted on
    every snapshot)."""
    shown: dict[str, str] = widget.__dict__.setdefault("_lobstr_borders", {})
    for name, value in (("border_title", title), ("border_subtitle", subtitle)):
        if value is not None and shown.get(name) != value:
            shown[name] = value
            setattr(widget, name, value)
