"""Repaint only the cells that changed.

Textual repaints a whole widget when its content changes: ``Static.update``,
``DataTable.update_cell`` and ``OptionList.replace_option_prompt`` all mark every line
of the widget dirty, and the terminal is sent every cell of it again with its colours.
A clock that says ``live 9s`` then ``live 10s`` in a 120-cell bar sent the whole bar;
one cell of a 90-column table sent the table. Over SSH that was 225 bytes for every
cell that really changed (``bench.tty_bytes``).

The helpers here put the new content in place and mark dirty only what differs: the
stretch of each line whose characters changed, a table's cell, an option's lines. When
the shape changed (another number of lines, a line of another width, other styles) they
fall back to repainting the widget, which is always right.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region
from textual.widgets import OptionList, Static

from lobstr_tui.ui.kit.fitted_prompt import FittedPrompt

Stretch = tuple[int, int, int]
"""A line's changed cells: (line, first cell, cell after the last)."""


def line_stretch(old: str, new: str) -> tuple[int, int] | None:
    """The cells of ``new`` that differ from ``old``, a line of the same width: from the
    first character that differs to the last one; None when nothing differs."""
    if old == new:
        return None
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    first = cell_len(new[:start])
    return first, max(first + 1, cell_len(new[:end_new]))


def changed_stretches(old: Text, new: Text, width: int) -> list[Stretch] | None:
    """Where ``new`` differs from ``old`` on screen, as stretches of lines; None when the
    two differ in shape (lines, base style, justification, or a line wider than ``width``
    that would wrap), so that the whole widget must be repainted. Lines are left-aligned:
    one whose width changed is repainted from its first change to its longer end."""
    if old.style != new.style or old.justify != new.justify or new.justify not in (
            None, "default", "left"):
        return None
    old_lines = old.split("\n", allow_blank=True)
    new_lines = new.split("\n", allow_blank=True)
    if len(old_lines) != len(new_lines):
        return None
    stretches: list[Stretch] = []
    for y, (before, after) in enumerate(zip(old_lines, new_lines, strict=True)):
        if after.cell_len > width or before.cell_len > width:
            return None
        if before.spans != after.spans:
            stretches.append((y, 0, width))
            continue
        stretch = line_stretch(before.plain, after.plain)
        if stretch is not None and before.cell_len != after.cell_len:
            # Left-aligned: what follows the first change moved; the shorter line's
            # end is blanked.
            stretch = (stretch[0], max(before.cell_len, after.cell_len))
        if stretch is not None:
            stretches.append((y, *stretch))
    return stretches


def regions(stretches: list[Stretch]) -> list[Region]:
    """Stretches as regions of a widget's content."""
    return [Region(start, y, end - start, 1) for y, start, end in stretches]


def put_static(widget: Static, text: Text) -> bool:
    """Show ``text`` in ``widget``, repainting only the cells that differ from the
    ``Text`` there, with no layout; False (nothing done) when the change has another
    shape and the caller must update the widget as a whole."""
    if not isinstance(widget, Static) or not widget.is_mounted:
        return False
    old = widget.content
    width = widget.content_size.width
    if not isinstance(old, Text) or width <= 0:
        return False
    if widget.styles.text_align not in ("left", "start"):
        return False
    stretches = changed_stretches(old, text, width)
    if stretches is None:
        return False
    # Static keeps its content in two private names; setting them is what ``update``
    # does, without its ``refresh()`` of every line.
    widget._Static__content = text  # type: ignore[attr-defined]
    widget._Static__visual = None  # type: ignore[attr-defined]
    if stretches:
        widget.refresh(*regions(stretches))
    return True


def put_prompt(options: OptionList, option_id: str, prompt: FittedPrompt) -> None:
    """``replace_option_prompt`` that repaints only the option's lines that changed (it
    repaints the whole list), when the option keeps its number of lines."""
    index = options.get_option_index(option_id)
    option = options.get_option_at_index(index)
    old = option.prompt
    width = options.scrollable_content_region.width
    old_rows = old.text.split("\n") if isinstance(old, FittedPrompt) else []
    new_rows = prompt.text.split("\n")
    if (len(old_rows) != len(new_rows) or not options.is_mounted
            or max(cell_len(row) for row in new_rows) > width - 2
            or options._heights.get(index) != len(new_rows)):
        options.replace_option_prompt(option_id, prompt)
        return
    # What replace_option_prompt does, bar its refresh() of the whole list: the new
    # prompt, and no option drawn from the render cache as it was (its height is the
    # same, so the line map stands).
    option._set_prompt(prompt)
    options._option_render_cache.clear()
    top = options._index_to_line[index] - options.scroll_offset.y
    dirty = [Region(0, top + y, width, 1)
             for y, (before, after) in enumerate(zip(old_rows, new_rows, strict=True))
             if before != after and 0 <= top + y < options.scrollable_content_region.height]
    if dirty:
        options.refresh(*dirty)
