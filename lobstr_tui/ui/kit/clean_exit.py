"""Give the terminal back exactly as it was found, even after a resize.

Leaving the alternate screen at a size other than the one it was entered at, tmux (3.3a
at least) first shrinks the alternate screen back to the old size, re-flowing it: each
line wider than the old width becomes two, and the lines pushed off the top land in
the history, from where they are pulled back into the shell's screen when it grows to
the new size again. Ten lines of the app's last frame were left above the shell's
prompt after 100x30 -> 120x40 and ``q``. Blanking the alternate screen before leaving
it leaves nothing to re-flow.
"""

from __future__ import annotations

import sys

from textual.driver import Driver

from lobstr_tui.ui.kit.screen_shadow import forget_screens

BLANK_SCREEN = "\x1b[0m\x1b[H\x1b[2J"
"""Default colours (a cleared line keeps the current background), the cursor home, the
whole screen erased."""

if sys.platform != "win32":
    from textual.drivers.linux_driver import LinuxDriver

    class CleanExitDriver(LinuxDriver):
        """Textual's terminal driver, blanking the alternate screen before leaving it."""

        def stop_application_mode(self) -> None:
            self.write(BLANK_SCREEN)
            forget_screens()  # what comes back (after a suspend) is repainted whole
            super().stop_application_mode()


def clean_exit_driver(chosen: type[Driver]) -> type[Driver]:
    """The driver to use instead of ``chosen`` (the one Textual picked): for Textual's
    own full-screen terminal driver, the same driver blanking the screen as it leaves;
    any other (a browser's, Windows', one named in TEXTUAL_DRIVER) unchanged."""
    if sys.platform == "win32" or chosen is not LinuxDriver:
        return chosen
    return CleanExitDriver
