"""Telling the person about alerts outside the app's window: the terminal bell, desktop
notifications through the terminal (OSC 777 / 9 / 99), and a command of theirs
(``--notify-cmd``). Pure encoders and an async command runner: no Textual here; the UI
decides when to write and where."""

from lobstr_tui.notify.channels import alert_title, channels_for
from lobstr_tui.notify.command import CommandNotifier, encode_payload
from lobstr_tui.notify.osc import BELL, desktop_sequence, terminal_protocol, tmux_passthrough
from lobstr_tui.notify.settings import ALERTS, BELL_ALERTS, AlertSettings

__all__ = [
    "ALERTS",
    "BELL",
    "BELL_ALERTS",
    "AlertSettings",
    "CommandNotifier",
    "alert_title",
    "channels_for",
    "desktop_sequence",
    "encode_payload",
    "terminal_protocol",
    "tmux_passthrough",
]
