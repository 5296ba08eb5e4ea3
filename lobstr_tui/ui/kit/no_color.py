"""NO_COLOR with an ANSI theme: the terminal's own colours dropped, not greyed."""

from __future__ import annotations

from collections.abc import Sequence

from textual.filter import LineFilter, Monochrome, NoColor

_NO_COLOR = NoColor()


def ansi_no_color(filters: Sequence[LineFilter]) -> list[LineFilter]:
    """Under NO_COLOR Textual greys colour themes and drops the colours of ANSI themes,
    choosing by the theme it starts with; a --theme comes after that, and greying an
    ANSI theme turns the terminal's default colours black on black: ``filters`` with
    the greying replaced by dropping the colours."""
    return [_NO_COLOR if isinstance(f, Monochrome) else f for f in filters]
