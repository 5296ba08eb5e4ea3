"""A progress bar that only redraws when its value changes.

Textual's ``ProgressBar`` starts a once-a-second timer to refresh its ETA, and an
indeterminate one (``total=None``) animates at 15 frames a second, even while it is
hidden. We never show an ETA, so the timer is only a wake-up; the animation is kept for
a bar on screen waiting for a total, and stopped by giving it a total again.
"""

from __future__ import annotations

from textual import events
from textual.widgets import ProgressBar


class StillProgressBar(ProgressBar):
    """A ``ProgressBar`` without the once-a-second ETA refresh (build with
    ``show_eta=False``)."""

    def on_mount(self, event: events.Mount) -> None:  # type: ignore[override]
        event.prevent_default()  # ProgressBar's own on_mount starts the 1 s timer
        self.update()
