"""Alerts delivered: a toast and a log line for each, the terminal bell for the ones that
need the person, a desktop notification through the terminal, and the user's command.

The bell and the OSC sequences are written through the app's driver (never while
headless); the command runs in the background and a failing one is said once.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lobstr_tui.monitor import Event, Level
from lobstr_tui.notify import (
    AlertSettings,
    CommandNotifier,
    alert_title,
    channels_for,
    desktop_sequence,
)
from lobstr_tui.notify.channels import BELL, COMMAND, DESKTOP

if TYPE_CHECKING:
    from textual.app import App

SEVERITY = {Level.INFO: "information", Level.GOOD: "information",
            Level.WARNING: "warning", Level.ERROR: "error"}


class AlertDelivery:
    """Sends each alert event to the channels the settings ask for."""

    def __init__(self, app: App[None], settings: AlertSettings) -> None:
        self.app = app
        self.settings = settings
        self.written: deque[str] = deque(maxlen=100)
        """The last bell and OSC sequences due, in order (recorded when headless too,
        where nothing reaches a terminal)."""
        self.delivered: deque[str] = deque(maxlen=100)
        """The names of the alerts delivered, in order."""
        self.command = (CommandNotifier(settings.command, on_failure=self._command_failed)
                        if settings.command else None)

    def deliver(self, events: Iterable[Event]) -> None:
        """Toast each alert, and ring, notify and run the command as configured."""
        for event in events:
            if event.alert is None:
                continue
            self.delivered.append(event.alert)
            channels = channels_for(event.alert, self.settings)
            squid = _squid_name(event)
            title = alert_title(event.alert, squid)
            self.app.notify(event.text, title=title,
                            severity=SEVERITY[event.level],  # type: ignore[arg-type]
                            timeout=12 if event.level in (Level.WARNING, Level.ERROR) else 6)
            if BELL in channels:
                self._write("\a")
            if DESKTOP in channels:
                self._write(desktop_sequence(title, event.text, env=os.environ))
            if COMMAND in channels and self.command is not None and event.payload:
                self.command.submit(event.payload)

    def close(self) -> None:
        """Stop commands still running (the app is closing)."""
        if self.command is not None:
            self.command.close()

    def _write(self, data: str) -> None:
        self.written.append(data)
        driver = self.app._driver
        if driver is None or self.app.is_headless:
            return  # nothing to ring or notify without a terminal
        driver.write(data)
        driver.flush()

    def _command_failed(self, message: str) -> None:
        self.app.notify(f"--notify-cmd failed: {message}", severity="warning", timeout=10)


def _squid_name(event: Event) -> str | None:
    squid = (event.payload or {}).get("squid")
    if isinstance(squid, dict):
        name = squid.get("name")
        return name if isinstance(name, str) else None
    return None
