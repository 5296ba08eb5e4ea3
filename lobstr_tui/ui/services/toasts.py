"""Toasts that leave the screen readable: at small sizes at most two at once, the rest
folded into the newest (``+N more in the log``) and written to the log. Toasts over a
dialog are hidden by the style sheet (``ModalScreen Toast``), not here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.notifications import Notification, Notify, SeverityLevel

from lobstr_tui.monitor import Level
from lobstr_tui.ui.kit.toast_withdraw import withdraw

SMALL_WIDTH = 100
SMALL_HEIGHT = 32
SMALL_LIMIT = 2
"""Under ``SMALL_WIDTH`` columns or ``SMALL_HEIGHT`` rows, toasts shown at once."""

LEVELS: dict[SeverityLevel, Level] = {"information": Level.INFO, "warning": Level.WARNING,
                                      "error": Level.ERROR}


class ToastFold:
    """Posts the app's toasts, folding the excess at small sizes. Called on the app's
    thread (lobstr-tui notifies from nowhere else)."""

    def __init__(self, app: App[Any], spill: Callable[[str, Level], None]) -> None:
        """``spill``: writes a folded toast's message to the log."""
        self._app = app
        self._spill = spill
        self._shown: list[Notification] = []
        self._folded = 0

    @property
    def small(self) -> bool:
        """True when the terminal is small enough to fold toasts."""
        width, height = self._app.size
        return width < SMALL_WIDTH or height < SMALL_HEIGHT

    def notify(self, message: str, title: str, severity: SeverityLevel,
               timeout: float, markup: bool) -> None:
        """Show a toast, as ``App.notify`` does; at small sizes, when two are shown
        already, the newer of them gives its place (and its message goes to the log)."""
        self._shown = [n for n in self._shown if not n.has_expired]
        if not any(n.title.startswith("+") for n in self._shown):
            self._folded = 0
        if self.small and len(self._shown) >= SMALL_LIMIT:
            newer = self._shown.pop()
            withdraw(self._app, newer)
            self._spill(newer.message, LEVELS.get(newer.severity, Level.INFO))
            self._folded += 1
            title = f"+{self._folded} more in the log" + (f" · {title}" if title else "")
        notification = Notification(message, title, severity, timeout, markup=markup)
        self._shown.append(notification)
        self._app.post_message(Notify(notification))
