"""How the person asked to be told about alerts (``--no-bell``, ``--notify``,
``--notify-cmd``, ``--credits-warn``), and which alerts exist."""

from __future__ import annotations

from dataclasses import dataclass, field

ALERTS = ("run.running", "run.paused", "run.error", "run.done", "run.aborted", "run.anomaly",
          "credits.low")
"""Every alert name, as lobstr.io's webhook events name them where they exist."""

BELL_ALERTS = frozenset({"run.paused", "run.error", "credits.low"})
"""The alerts that need the person now: they ring the terminal bell."""


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """The delivery channels chosen on the command line; the toast and the log line
    are always on."""

    bell: bool = True
    """Ring the terminal bell for :data:`BELL_ALERTS` (off with ``--no-bell``)."""
    desktop: bool = False
    """Send a desktop notification through the terminal (``--notify desktop``)."""
    command: str | None = field(default=None, repr=False)
    """A shell command run for every alert with its JSON on stdin (``--notify-cmd``).
    Kept out of ``repr``: a command may carry a webhook secret."""
    credits_warn: float | None = None
    """Warn with ``credits.low`` when the balance falls below this many credits."""
