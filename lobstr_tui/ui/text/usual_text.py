"""Words for a run against its squid's usual run (see monitor/model/baseline.py)."""

from __future__ import annotations

from collections.abc import Sequence

from lobstr_tui.monitor.model.baseline import Flag
from lobstr_tui.ui.text.format import DASH

FLAG_GLYPH = "⚑"


def flags_text(flags: Sequence[Flag]) -> str:
    """``⚑ slow: 2.4× usual (n=18) · costly: 2.1× usual (n=18)``; empty for none."""
    if not flags:
        return ""
    return f"{FLAG_GLYPH} " + " · ".join(flag.text for flag in flags)


def with_flags(text: str, flags: Sequence[Flag]) -> str:
    """``text`` followed by the flags (the flags alone when ``text`` is empty)."""
    said = flags_text(flags)
    if not said:
        return text
    return f"{said} · {text}" if text and text != DASH else said
