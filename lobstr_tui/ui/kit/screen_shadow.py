"""What the terminal shows, cell by cell, so that an update writes only what differs.

Textual repaints a widget's region when anything in it changes: a log line added sends
every line of the log, its border and its scrollbar; a second refresh of the same
content sends it all again. Over SSH on a slow link every such byte is latency. A
:class:`Shadow` keeps the cells last written to the terminal (each cell's text and the
style codes it was written with). A full repaint records the whole screen; a partial one
is compared with it, and only the runs of cells that differ are written (two runs close
together as one: a cursor move costs more than a few cells).

Wide characters: a cell covered by the wide text before it holds :data:`HALF`. Text
that is not all single-width characters (emoji, CJK, combining marks) is kept as one unit:
its first cell holds the whole text and the rest are :data:`HALF`, so it is always
written whole and never cut; a run that would start inside an old or new wide unit
starts at the unit's first cell instead.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from rich.cells import cell_len, get_character_cell_size
from rich.color import ColorSystem
from rich.console import Console
from textual.strip import Strip

Cell = tuple[str, str]
"""A cell: its text and the style codes it is written with ("" for none)."""

HALF = ""
"""The text of a cell covered by the wide text in a cell before it."""

UNKNOWN: Cell = ("\x00", "")
"""A cell whose content on the terminal is not known: never equal to a written one."""

GAP = 6
"""Unchanged cells between two changed runs that are written rather than moved over."""

_single: dict[str, bool] = {}


def _single_width(text: str) -> bool:
    """Whether every character of ``text`` takes exactly one cell."""
    if text.isascii():
        return text.isprintable()
    for character in text:
        known = _single.get(character)
        if known is None:
            known = _single[character] = (character.isprintable()
                                          and get_character_cell_size(character) == 1)
        if not known:
            return False
    return True


def codes_of(style: object, console: Console) -> str | None:
    """The SGR codes ``style`` is written with; None for a link (written Textual's way)."""
    if style is None:
        return ""
    if style._link:  # type: ignore[attr-defined]
        return None
    system = console._color_system or ColorSystem.TRUECOLOR
    return style._ansi or Strip.render_ansi(style, system)  # type: ignore[attr-defined]


def cells_of(strip: Strip, console: Console) -> list[Cell] | None:
    """``strip`` as cells, or None when it cannot be (a link, zero-width text)."""
    cells: list[Cell] = []
    for text, style, _ in strip:
        codes = codes_of(style, console)
        if codes is None:
            return None
        if _single_width(text):
            cells.extend([(character, codes) for character in text])
            continue
        width = cell_len(text)
        if width == 0:
            return None
        cells.append((text, codes))
        cells.extend([(HALF, codes)] * (width - 1))
    return cells


class Pen:
    """Writes cells, setting a style only where it differs from the one in force. The
    style stays in force across cursor moves, so runs of one update in the same style
    set it once; :meth:`lift` resets it at the end."""

    def __init__(self) -> None:
        self.current: str | None = None  # the codes in force ("" plain, None: unknown)

    def paint(self, cells: list[Cell]) -> str:
        """``cells`` (or runs of text with one style) as terminal sequences."""
        out: list[str] = []
        for text, codes in cells:
            if not text:
                continue
            if codes != self.current:
                out.append(f"\x1b[0;{codes}m" if codes else "\x1b[0m")
                self.current = codes
            out.append(text)
        return "".join(out)

    def lift(self) -> str:
        """The reset that ends what was written (nothing if no style is in force)."""
        done = "\x1b[0m" if self.current else ""
        self.current = "" if self.current is not None else None
        return done

    def unknown(self) -> None:
        """Something else was written: the style in force is not known."""
        self.current = None


def move_to(x: int, y: int) -> str:
    return f"\x1b[{y + 1};{x + 1}H"


class Shadow:
    """The cells of a ``width`` x ``height`` screen as last written."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.rows: list[list[Cell]] = [[UNKNOWN] * width for _ in range(height)]

    def holds(self, x: int, y: int, width: int) -> bool:
        """Whether the cells ``x`` to ``x + width`` of line ``y`` are on this screen."""
        return 0 <= y < self.height and x >= 0 and x + width <= self.width

    def record(self, x: int, y: int, cells: list[Cell]) -> None:
        """``cells`` were written at ``x``, ``y`` (cut to the screen)."""
        if 0 <= y < self.height:
            row = self.rows[y]
            fit = cells[: max(self.width - x, 0)]
            row[x:x + len(fit)] = fit

    def forget(self, x: int, y: int, width: int) -> None:
        """The cells ``x`` to ``x + width`` of line ``y`` (and a wide unit either side of
        them) are no longer known."""
        if 0 <= y < self.height:
            row = self.rows[y]
            for column in range(max(x - 1, 0), min(x + width + 1, self.width)):
                row[column] = UNKNOWN

    def runs(self, x: int, y: int, cells: list[Cell], low: int, high: int
             ) -> list[tuple[int, int]] | None:
        """The runs ``(start, end)`` of ``cells`` (to be written at ``x``, ``y``) between
        ``low`` and ``high`` that differ from the screen, widened to whole wide units;
        None when one would have to start or end outside ``cells``."""
        row = self.rows[y]
        found: list[tuple[int, int]] = []
        index = low
        while index < high:
            if cells[index] == row[x + index]:
                index += 1
                continue
            end = index + 1
            while end < high and cells[end] != row[x + end]:
                end += 1
            if found and index - found[-1][1] <= GAP:
                index = found.pop()[0]
            found.append((index, end))
            index = end
        widened: list[tuple[int, int]] = []
        for start, end in found:
            while start > 0 and (cells[start][0] == HALF or row[x + start][0] == HALF):
                start -= 1
            while end < len(cells) and (cells[end][0] == HALF or row[x + end][0] == HALF):
                end += 1
            if cells[start][0] == HALF or row[x + start][0] == HALF:
                return None  # a wide unit begins before these cells
            if x + end < self.width and row[x + end][0] == HALF and end == len(cells):
                return None  # an old wide unit goes on after them
            if widened and start <= widened[-1][1]:
                start = widened.pop()[0]
            widened.append((start, end))
        return widened

    def write(self, x: int, y: int, cells: list[Cell], low: int, high: int,
              pen: Pen) -> str | None:
        """The sequences that bring cells ``low`` to ``high`` of ``cells`` (a line piece
        at ``x``, ``y``) to the screen, recorded; None when they cannot be told apart
        cell by cell (the caller writes the piece whole and :meth:`forget` s it)."""
        runs = self.runs(x, y, cells, low, high)
        if runs is None:
            return None
        row = self.rows[y]
        out: list[str] = []
        for start, end in runs:
            out.append(move_to(x + start, y))
            out.append(pen.paint(cells[start:end]))
            row[x + start:x + end] = cells[start:end]
        return "".join(out)


SHADOWS: WeakKeyDictionary[Console, Shadow] = WeakKeyDictionary()
"""What each console's terminal shows, from its last full repaint on."""


def forget_screens() -> None:
    """The terminal was left or cleared: partial updates are written whole until the
    next full repaint records the screen again."""
    SHADOWS.clear()
