"""Send the terminal only the cells of a partial update, not the line up to them.

When part of a widget is repainted, Textual's compositor writes each changed line from
the left edge of the widget's piece of that line up to the end of the change: it crops
the end but not the start (a "TODO: crop to x extents" in its ``ChopsUpdate``). A clock
at the right end of the 120-cell top bar sent the whole bar every second; a table cell
sent its row from the table's border. :func:`install` replaces
``ChopsUpdate.render_segments`` with the same rendering that also crops the start, at
the first changed cell, or at the start of the piece of text holding it when that text
has wide characters (a cut inside a wide character would blank it on screen).

Each piece is also written more tightly than ``Strip.render`` does: Textual sets every
segment's colours and resets them after it, even between segments of the same style (a
table row is one segment per cell, a log line its text then its padding). Here a style
is written only when it changes, as one sequence that resets and sets it, and reset once
at the end of the piece.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.console import Console
from rich.control import Control
from textual._compositor import ChopsUpdate
from textual.driver import Driver
from textual.strip import Strip

from lobstr_tui.ui.kit.clean_exit import clean_exit_driver

TEXTUAL_RENDER = ChopsUpdate.render_segments
"""Textual's own rendering of a partial update (before :func:`install`)."""


def safe_start(strip: Strip, offset: int) -> int:
    """The cell to start writing ``strip`` from to cover ``offset`` onwards: ``offset``
    itself, or the start of its segment when that one has wide characters."""
    position = 0
    for segment in strip:
        width = cell_len(segment.text)
        if position + width > offset:
            if position == offset or width == len(segment.text):
                return offset
            return position
        position += width
    return offset


def compact(strip: Strip, console: Console) -> str:
    """``strip`` as terminal sequences, each style written only where it changes."""
    system = console._color_system or ColorSystem.TRUECOLOR
    out: list[str] = []
    current: str | None = None  # the codes in force ("" plain, None: not set yet)
    for text, style, _ in strip:
        if style is not None and style._link:
            out.append(Strip.render_style(style, text, system))  # links as Textual does
            current = ""
            continue
        codes = "" if style is None else (style._ansi or Strip.render_ansi(style, system))
        if codes != current:
            out.append(f"\x1b[0;{codes}m" if codes else "\x1b[0m")
            current = codes
        out.append(text)
    if current:
        out.append("\x1b[0m")
    return "".join(out)


def render_cropped(self: ChopsUpdate, console: Console) -> str:
    """``ChopsUpdate.render_segments``, cropped at both ends of each changed span."""
    sequences: list[str] = []
    append = sequences.append
    chops, chop_ends = self.chops, self.chop_ends
    last_y = self.spans[-1][0]
    for y, x1, x2 in self.spans:
        line = chops[y]
        for end, (x, strip) in zip(chop_ends[y], line.items(), strict=False):
            if strip is None or x > x2 or end <= x1:
                continue
            start = safe_start(strip, x1 - x) if x < x1 else 0
            part = strip.crop(start, min(end, x2) - x)
            append(Control.move_to(x + start, y).segment.text)
            append(compact(part, console))
        if y != last_y:
            append("\n")
    return "".join(sequences)


def install() -> None:
    """Make every partial update of the app crop both ends (once is enough)."""
    ChopsUpdate.render_segments = render_cropped  # type: ignore[method-assign]


def terminal_driver(chosen: type[Driver]) -> type[Driver]:
    """The driver lobstr-tui writes with instead of ``chosen``: partial updates cropped
    (:func:`install`) and no line left behind after a resize (:func:`clean_exit_driver`)."""
    install()
    return clean_exit_driver(chosen)
