"""Repainting only what changed (issue 24): the changed stretches of a text, a table's
cell, an option's lines, and partial updates sent to the terminal cropped at both ends."""

from __future__ import annotations

import pyte
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._compositor import ChopsUpdate
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from lobstr_tui.ui.kit.crop_updates import TEXTUAL_RENDER, compact, render_cropped, safe_start
from lobstr_tui.ui.kit.fitted_prompt import FittedPrompt
from lobstr_tui.ui.kit.lean_table import LeanTable
from lobstr_tui.ui.kit.narrow import changed_stretches, line_stretch, put_prompt
from lobstr_tui.ui.kit.refit import put_text


def test_a_clock_that_ticks_changes_only_its_digits() -> None:
    assert line_stretch("● live 9s ", "● live 8s ") == (7, 8)
    assert line_stretch("same", "same") is None
    # Two lines, the second one's number changed, the first not at all.
    assert changed_stretches(Text("a\nrun 12s"), Text("a\nrun 13s"), 40) == [(1, 5, 6)]


def test_a_line_of_another_width_is_repainted_from_its_first_change_to_its_end() -> None:
    assert changed_stretches(Text("x 59s"), Text("x 1m 00s"), 40) == [(0, 2, 8)]
    assert changed_stretches(Text("x 1m 00s"), Text("x 59s"), 40) == [(0, 2, 8)]


def test_another_shape_means_the_whole_widget() -> None:
    assert changed_stretches(Text("a"), Text("a\nb"), 40) is None
    assert changed_stretches(Text("a"), Text("b", style="bold"), 40) is None
    assert changed_stretches(Text("short"), Text("far too long"), 8) is None
    # Other styles on a line of the same text: that whole line.
    styled = Text("ab")
    styled.stylize("red", 0, 1)
    assert changed_stretches(Text("ab"), styled, 10) == [(0, 0, 10)]


class Pieces(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(Text(" lobstr · credits 10 left         ● live 9s "), id="bar")
        yield LeanTable(id="table")
        yield OptionList(Option(FittedPrompt("Squid A\n  ● running · 10%"), id="a"),
                         Option(FittedPrompt("Squid B\n  ✓ done"), id="b"), id="list")

    def on_mount(self) -> None:
        table = self.query_one(LeanTable)
        table.add_column("run", key="run", width=8)
        table.add_column("took", key="took", width=8)
        table.add_row(Text("r1"), Text("1m 00s"), key="r1")
        table.add_row(Text("r2"), Text("5s"), key="r2")


async def test_each_piece_repaints_only_what_changed_and_shows_it() -> None:
    app = Pieces()
    async with app.run_test(size=(60, 14)) as pilot:
        await pilot.pause()
        bar = app.query_one("#bar", Static)
        put_text(bar, Text(" lobstr · credits 10 left         ● live 10s"))
        start = len(" lobstr · credits 10 left         ● live ")
        assert bar._repaint_regions == {Region(start, 0, 3, 1)}
        table = app.query_one(LeanTable)
        table.put_cell("r2", "took", Text("6s"))
        (region,) = table._repaint_regions
        assert region.height == 1 and region.width < table.size.width
        options = app.query_one(OptionList)
        put_prompt(options, "a", FittedPrompt("Squid A\n  ● running · 20%"))
        (line,) = options._repaint_regions
        assert line.y == options.content_offset.y + 1 and line.height == 1
        await pilot.pause()
        assert "● live 10s" in str(bar.render())
        assert table.get_cell("r2", "took").plain == "6s"
        assert "20%" in str(options.get_option("a").prompt)
        assert "".join(s.text for s in options.render_line(1)).strip() == "● running · 20%"
        # Another number of lines: the whole list again, still right.
        put_prompt(options, "b", FittedPrompt("Squid B"))
        await pilot.pause()
        assert options.get_option_index("b") == 1


def replay(data: str, base: str | None = None) -> list[str]:
    screen = pyte.Screen(40, 2)
    stream = pyte.Stream(screen)
    if base:
        stream.feed(base)
    stream.feed(data)
    return screen.display


def an_update(strip: Strip, x1: int, x2: int) -> ChopsUpdate:
    return ChopsUpdate([{4: strip}], [(0, x1, x2)], [[4 + strip.cell_length]])


def test_a_partial_update_is_cropped_at_both_ends_and_replays_the_same() -> None:
    console = Console(width=40, color_system="256", force_terminal=True)
    old = Strip([Segment("credits 10 left ", Style(color="red")),
                 Segment("● live 9s", Style(bold=True))])
    new = Strip([Segment("credits 10 left ", Style(color="red")),
                 Segment("● live 8s", Style(bold=True))])
    # Textual's own, whether or not an app installed ours in this process before.
    before = TEXTUAL_RENDER(an_update(old, 0, 40), console)
    whole = TEXTUAL_RENDER(an_update(new, 27, 28), console)
    cropped = render_cropped(an_update(new, 27, 28), console)
    assert replay(cropped, before) == replay(whole, before)
    assert "8" in replay(cropped, before)[0]
    assert len(cropped) < len(whole) / 2


def test_a_crop_never_cuts_a_wide_character() -> None:
    wide = Strip([Segment("日本語 ok")])
    assert safe_start(wide, 3) == 0  # inside 本: from the start of its text
    narrow = Strip([Segment("abc"), Segment("defg")])
    assert safe_start(narrow, 4) == 4
    console = Console(width=40, color_system="256", force_terminal=True)
    cropped = render_cropped(an_update(wide, 7, 9), console)
    assert cropped.startswith("\x1b[1;5H") and "日本" in cropped  # from the text's start
    cropped = render_cropped(an_update(narrow, 8, 9), console)
    assert cropped.startswith("\x1b[1;9H") and "abc" not in cropped


def cells(data: str) -> list[tuple[object, ...]]:
    screen = pyte.Screen(40, 1)
    pyte.Stream(screen).feed(data)
    return [tuple(screen.buffer[0][x]) for x in range(40)]


def test_a_style_is_written_only_where_it_changes_and_draws_the_same() -> None:
    console = Console(width=40, color_system="256", force_terminal=True)
    cell = Style(color="white", bgcolor="blue")
    strip = Strip([Segment(" run ", cell), Segment(" 12s ", cell), Segment("│", None),
                   Segment("ok", Style(bold=True, color="red")), Segment("   ", cell)])
    textual = strip.render(console)
    ours = compact(strip, console)
    assert cells(ours) == cells(textual)
    assert len(ours) < len(textual)
    assert ours.count("\x1b[") == 5  # white on blue, plain, bold red, white on blue, reset
