"""Leave cleanly when the terminal goes away: SIGTERM, SIGHUP, a dropped SSH session or
a killed tmux session. Quitting never touches runs on the server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from typing import Any

from textual.app import App

TTY_CHECK_SECONDS = 2.0
TTY_LOST_EXIT = 1
HARD_EXIT_SECONDS = 3.0


class TerminalWatch:
    """Signal handlers and a periodic check that the controlling terminal is still there."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._signals: list[signal.Signals] = []

    def start(self) -> None:
        """Install the handlers and start checking (call from the app's ``on_mount``)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.leave, 0)
                self._signals.append(sig)
        if not self.app.is_web:  # served to a browser: there is no terminal to lose
            self.app.set_interval(TTY_CHECK_SECONDS, self.check, name="tty-watchdog")

    def stop(self) -> None:
        """Remove the signal handlers."""
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        self._signals.clear()

    def check(self) -> None:
        """Exit if stderr is no longer a terminal with a size."""
        stream = sys.__stderr__
        try:
            if stream is None or not os.isatty(stream.fileno()):
                raise OSError("no terminal")
            os.get_terminal_size(stream.fileno())
        except (OSError, ValueError):
            self.leave(TTY_LOST_EXIT)

    def leave(self, code: int) -> None:
        """Exit now; if Textual's own shutdown hangs on a dead terminal (it can, writing to
        a closed pty), end the process anyway."""
        fallback = threading.Timer(HARD_EXIT_SECONDS, os._exit, args=(code,))
        fallback.daemon = True
        fallback.start()
        self.app.exit(return_code=code)
