"""The one private Textual call behind the app's toasts: taking a toast off the screen
before its timeout. Textual has no public way to do it (a click on a toast does it
through the same private method); ``tests/ui/test_toast_withdraw.py`` fails when
Textual changes it."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.notifications import Notification


def withdraw(app: App[Any], notification: Notification) -> None:
    """Take ``notification``'s toast off the screen (nothing if it is already gone).
    Not yet shown (its message still queued), it expires at once: Textual shows no
    expired notification."""
    notification.timeout = 0
    if notification in app._notifications:
        app._unnotify(notification)
