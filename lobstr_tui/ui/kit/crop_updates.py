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

And once a full repaint has been written, every partial one is compared with what the
terminal shows (:mod:`lobstr_tui.ui.kit.screen_shadow`) and only the cells that differ
are sent.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.console import Console
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.driver import Driver
from textual.strip import Strip

from lobstr_tui.ui.kit.clean_exit import clean_exit_driver
from lobstr_tui.ui.kit.screen_shadow import (
    SHADOWS,
    Cell,
    Pen,
    Shadow,
    cells_of,
    codes_of,
    move_to,
)

TEXTUAL_RENDER = ChopsUpdate.render_segments
"""Textual's own rendering of a partial update (before :func:`install`)."""

TEXTUAL_FULL_RENDER = LayoutUpdate.render_segments
"""Textual's own rendering of a full repaint (before :func:`install`)."""


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


def compact(strip: Strip, console: Console, pen: Pen | None = None) -> str:
    """``strip`` as terminal sequences, each style written only where it changes (and
    reset at the end unless ``pen``, which goes on writing, is given)."""
    using = pen or Pen()
    out: list[str] = []
    pieces: list[Cell] = []
    for text, style, _ in strip:
        codes = codes_of(style, console)
        if codes is None and style is not None:  # a link, written as Textual does
            out.append(using.paint(pieces))
            pieces = []
            system = console._color_system or ColorSystem.TRUECOLOR
            out.append(Strip.render_style(style, text, system))
            using.unknown()
        else:
            pieces.append((text, codes or ""))
    out.append(using.paint(pieces))
    if pen is None:
        out.append(using.lift())
    return "".join(out)


def render_full(self: LayoutUpdate, console: Console) -> str:
    """``LayoutUpdate.render_segments``, each style written where it changes, and the
    screen recorded for the partial updates after it."""
    region = self.region
    shadow = SHADOWS[console] = Shadow(region.right, region.bottom)
    sequences: list[str] = []
    pen = Pen()
    for y, line in enumerate(self.strips, region.y):
        strip = Strip.join(line)
        sequences.append(move_to(region.x, y))
        cells = cells_of(strip, console)
        if cells is None or len(cells) != strip.cell_length:
            sequences.append(compact(strip, console, pen))
            shadow.forget(region.x, y, strip.cell_length)
        else:
            sequences.append(pen.paint(cells))
            shadow.record(region.x, y, cells)
    sequences.append(pen.lift())
    return "".join(sequences)


def render_cropped(self: ChopsUpdate, console: Console) -> str:
    """``ChopsUpdate.render_segments``, cropped at both ends of each changed span, and
    only the cells that differ from the screen once a full repaint recorded it."""
    shadow = SHADOWS.get(console)
    sequences: list[str] = []
    append = sequences.append
    pen = Pen()
    chops, chop_ends = self.chops, self.chop_ends
    for y, x1, x2 in self.spans:
        line = chops[y]
        for end, (x, strip) in zip(chop_ends[y], line.items(), strict=False):
            if strip is None or x > x2 or end <= x1:
                continue
            low, high = max(x1 - x, 0), min(end, x2) - x
            if shadow is not None and shadow.holds(x, y, strip.cell_length):
                cells = cells_of(strip, console)
                if cells is not None and len(cells) == strip.cell_length:
                    written = shadow.write(x, y, cells, low, high, pen)
                    if written is not None:
                        append(written)
                        continue
            start = safe_start(strip, low) if x < x1 else 0
            part = strip.crop(start, high)
            append(move_to(x + start, y))
            append(compact(part, console, pen))
            if shadow is not None:
                shadow.forget(x + start, y, part.cell_length)
    append(pen.lift())
    return "".join(sequences)


def install() -> None:
    """Make every partial update of the app crop both ends (once is enough)."""
    ChopsUpdate.render_segments = render_cropped  # type: ignore[method-assign]
    LayoutUpdate.render_segments = render_full  # type: ignore[method-assign]


def terminal_driver(chosen: type[Driver]) -> type[Driver]:
    """The driver lobstr-tui writes with instead of ``chosen``: partial updates cropped
    (:func:`install`) and no line left behind after a resize (:func:`clean_exit_driver`)."""
    install()
    return clean_exit_driver(chosen)
