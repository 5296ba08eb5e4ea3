"""Durations on the command line: ``90``, ``90s``, ``10m``, ``1h30m``, ``2d`` (what
the scripts print is :func:`~lobstr_tui.api.text.duration_text`, as the cockpit's)."""

from __future__ import annotations

import math
import re

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")


def parse_duration(text: str) -> float:
    """Seconds in ``text``: a plain number of seconds, or parts such as ``1h30m``.

    Raises ``ValueError`` with a message for the person on anything else."""
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        raise ValueError("an empty duration")
    try:
        seconds = float(raw)
    except ValueError:
        position = 0
        seconds = 0.0
        for match in _PART.finditer(raw):
            if match.start() != position:
                break
            seconds += float(match[1]) * _UNITS[match[2]]
            position = match.end()
        if position != len(raw) or position == 0:
            raise ValueError(f"not a duration: {text!r} (say 90s, 10m, 1h30m or 2d)") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"a duration must be more than 0, got {text!r}")
    return seconds
