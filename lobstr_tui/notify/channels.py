"""Which channels deliver an alert, and the words of its notification."""

from __future__ import annotations

from lobstr_tui.notify.settings import BELL_ALERTS, AlertSettings

# The channels channels_for() names.
TOAST = "toast"
LOG = "log"
BELL = "bell"
DESKTOP = "desktop"
COMMAND = "command"

_TITLES = {
    "run.running": "run running",
    "run.paused": "run paused",
    "run.error": "run error",
    "run.done": "run done",
    "run.aborted": "run aborted",
    "run.anomaly": "run unusual",
    "credits.low": "credits low",
}


def channels_for(event_alert: str, settings: AlertSettings) -> set[str]:
    """The channels that deliver the alert ``event_alert`` (e.g. ``"run.paused"``):
    always ``toast`` and ``log``; ``bell`` for paused, error and credits.low unless
    ``--no-bell``; ``desktop`` and ``command`` when asked for. An alert name this
    version does not know is delivered like a quiet one (no bell)."""
    channels = {TOAST, LOG}
    if settings.bell and event_alert in BELL_ALERTS:
        channels.add(BELL)
    if settings.desktop:
        channels.add(DESKTOP)
    if settings.command:
        channels.add(COMMAND)
    return channels


def alert_title(event_alert: str, squid_name: str | None = None) -> str:
    """A short notification title: ``"lobstr: run paused · Google Maps FR"``. The squid
    name is untrusted: the encoders in :mod:`lobstr_tui.notify.osc` clean it."""
    words = _TITLES.get(event_alert, event_alert)
    return f"lobstr: {words}" + (f" · {squid_name}" if squid_name else "")
