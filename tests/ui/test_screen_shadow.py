"""Only the cells that differ go to the terminal (issue 24), and the terminal still shows
exactly what a full repaint would: checked cell by cell in a terminal emulator (pyte), on
made-up lines with wide characters and on the real app's own updates."""

from __future__ import annotations

from typing import Any

import pyte
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.strip import Strip

from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.kit.crop_updates import (
    TEXTUAL_FULL_RENDER,
    TEXTUAL_RENDER,
    render_cropped,
    render_full,
)
from lobstr_tui.ui.kit.screen_shadow import SHADOWS, Pen, Shadow, cells_of, forget_screens
from lobstr_tui.ui.screens.board_screen import BoardScreen
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from tests.ui_support import make_app, select_squid, wait_for, wait_for_refresh

WIDTH, HEIGHT = 24, 3
STYLES = [Style(color="red"), Style(color="white", bgcolor="blue"), Style(bold=True), None]
# Narrow, box drawing, CJK and an emoji: widths on which rich and pyte agree.
CHARACTERS = ["a", "b", " ", "│", "·", "✓", "日", "本", "😀"]


def emulator() -> tuple[pyte.Screen, pyte.Stream]:
    screen = pyte.Screen(WIDTH, HEIGHT)
    return screen, pyte.Stream(screen)


def cells(screen: pyte.Screen) -> list[list[tuple[object, ...]]]:
    return [[tuple(screen.buffer[y][x]) for x in range(screen.columns)]
            for y in range(screen.lines)]


def piece(draw: Any, width: int) -> Strip:
    """A strip exactly ``width`` cells wide, of styled runs of the characters above."""
    segments: list[Segment] = []
    left = width
    while left:
        text = "".join(draw(st.lists(st.sampled_from(CHARACTERS), min_size=1, max_size=4)))
        fitted = ""
        for character in text:
            size = 2 if character in "日本😀" else 1
            if size > left:
                break
            fitted += character
            left -= size
        if not fitted:
            fitted, left = " ", left - 1
        segments.append(Segment(fitted, draw(st.sampled_from(STYLES))))
    return Strip(segments, width)


@st.composite
def screens(draw: Any) -> tuple[list[list[int]], list[list[Strip]],
                                 list[tuple[int, int, Strip, int, int]]]:
    """Rows cut into pieces (widgets), their first strips, then updates: (row, piece,
    new strip, dirty window start, end) with the window covering every change."""
    cuts = [sorted(draw(st.sets(st.integers(1, WIDTH - 1), max_size=2)))
            for _ in range(HEIGHT)]
    starts = [[0, *row] for row in cuts]
    widths = [[end - start for start, end in zip(row, [*row[1:], WIDTH], strict=True)]
              for row in starts]
    first = [[piece(draw, width) for width in row] for row in widths]
    updates = []
    for _ in range(draw(st.integers(1, 8))):
        y = draw(st.integers(0, HEIGHT - 1))
        index = draw(st.integers(0, len(starts[y]) - 1))
        width = widths[y][index]
        low = draw(st.integers(0, width - 1))
        high = draw(st.integers(low + 1, width))
        updates.append((y, index, piece(draw, width), low, high))
    return starts, first, updates


def full_update(starts: list[list[int]], strips: list[list[Strip]]) -> LayoutUpdate:
    from textual.geometry import Region

    return LayoutUpdate([list(row) for row in strips], Region(0, 0, WIDTH, HEIGHT))


@settings(max_examples=150, deadline=None)
@given(screens())
def test_partial_updates_leave_the_screen_a_full_repaint_would_show(case: Any) -> None:
    starts, strips, updates = case
    console = Console(width=WIDTH, color_system="256", force_terminal=True)
    ours, ours_stream = emulator()
    ours_stream.feed(render_full(full_update(starts, strips), console))
    for y, index, new, low, high in updates:
        old = strips[y][index]
        strips[y][index] = new
        x = starts[y][index]
        # Textual marks dirty the region its widget changed: at least the changed cells.
        old_cells, new_cells = cells_of(old, console), cells_of(new, console)
        assert old_cells is not None and new_cells is not None
        changed = [i for i, (a, b) in enumerate(zip(old_cells, new_cells, strict=True))
                   if a != b]
        if changed:
            low, high = min(low, changed[0]), max(high, changed[-1] + 1)
        line = {start: strip for start, strip in zip(starts[y], strips[y], strict=True)}
        ends = [start + strip.cell_length for start, strip in line.items()]
        chops = [{} for _ in range(HEIGHT)]
        chop_ends: list[list[int]] = [[] for _ in range(HEIGHT)]
        chops[y], chop_ends[y] = line, ends
        ours_stream.feed(render_cropped(ChopsUpdate(chops, [(y, x + low, x + high)],
                                                    chop_ends), console))
        truth, truth_stream = emulator()
        truth_stream.feed(TEXTUAL_FULL_RENDER(full_update(starts, strips), console))
        assert cells(ours) == cells(truth)


def test_an_unchanged_repaint_writes_nothing_and_a_change_writes_only_its_cells() -> None:
    console = Console(width=WIDTH, color_system="256", force_terminal=True)
    line = Strip([Segment("run 81ab1e ", Style(color="red")), Segment("12s ago" + " " * 6)])
    render_full(LayoutUpdate([[line]], _region(WIDTH, 1)), console)
    chops: list[dict[int, Strip | None]] = [{0: line}]
    again = render_cropped(ChopsUpdate(chops, [(0, 0, WIDTH)], [[WIDTH]]), console)
    assert again == ""
    later = Strip([Segment("run 81ab1e ", Style(color="red")), Segment("13s ago" + " " * 6)])
    written = render_cropped(ChopsUpdate([{0: later}], [(0, 0, WIDTH)], [[WIDTH]]), console)
    assert written == "\x1b[1;13H\x1b[0m3"  # one cell, at its place, default style
    assert len(TEXTUAL_RENDER(ChopsUpdate([{0: later}], [(0, 0, WIDTH)], [[WIDTH]]),
                              console)) > 3 * len(written)


def test_two_changes_in_one_style_set_the_style_once() -> None:
    console = Console(width=WIDTH, color_system="256", force_terminal=True)
    bold = Style(bold=True)
    render_full(LayoutUpdate([[Strip([Segment("1" + " " * 22 + "1", bold)])]],
                             _region(WIDTH, 1)), console)
    later = Strip([Segment("2" + " " * 22 + "2", bold)])
    written = render_cropped(ChopsUpdate([{0: later}], [(0, 0, WIDTH)], [[WIDTH]]), console)
    # Two runs far apart, one style set (it holds across the cursor move), one reset.
    assert written == "\x1b[1;1H\x1b[0;1m2\x1b[1;24H2\x1b[0m"


def test_without_a_full_repaint_first_a_partial_one_is_written_whole() -> None:
    console = Console(width=WIDTH, color_system="256", force_terminal=True)
    render_full(LayoutUpdate([[Strip([Segment("x" * WIDTH)])]], _region(WIDTH, 1)), console)
    assert console in SHADOWS
    forget_screens()  # the terminal was left (a suspend): its content is not known
    line = Strip([Segment("x" * WIDTH)])
    written = render_cropped(ChopsUpdate([{0: line}], [(0, 0, WIDTH)], [[WIDTH]]), console)
    assert "x" * WIDTH in written


def test_a_wide_character_is_never_cut_by_a_diff() -> None:
    shadow = Shadow(8, 1)
    console = Console(width=8, color_system="256", force_terminal=True)
    old = cells_of(Strip([Segment("ab日本cd")]), console)
    assert old is not None
    shadow.record(0, 0, old)
    new = cells_of(Strip([Segment("abX本cd ")]), console)  # 日 -> X and a blank
    assert new is not None
    written = shadow.write(0, 0, new, 0, 8, Pen())
    assert written is not None
    screen = pyte.Screen(8, 1)
    stream = pyte.Stream(screen)
    stream.feed("ab日本cd")
    stream.feed(written)
    assert screen.display[0].startswith("abX")


def _region(width: int, height: int) -> Any:
    from textual.geometry import Region

    return Region(0, 0, width, height)


def full_repaint(app: Any) -> LayoutUpdate:
    """The app's whole screen now, leaving what it still has to repaint to be repainted."""
    compositor = app.screen._compositor
    pending = set(compositor._dirty_regions)
    update = compositor.render_full_update()
    compositor._dirty_regions.update(pending)
    return update


async def test_the_real_app_shows_what_a_full_repaint_would_and_writes_less(
        server: SimServer, world: World) -> None:
    """Every update the real app renders, written our way into a terminal emulator: at
    each step the emulator shows exactly what Textual's own full repaint of the screen
    shows, while writing a fraction of Textual's own partial updates' bytes."""
    app = make_app(server)
    written = {"ours": 0, "textual": 0}
    screen, stream = pyte.Screen(120, 40), None
    kinds: list[str] = []

    async with app.run_test(size=(120, 40)) as pilot:
        console = app.console
        stream = pyte.Stream(screen)

        def display(_screen: Any, update: Any) -> None:
            if not isinstance(update, CompositorUpdate):
                return
            if isinstance(update, LayoutUpdate):
                kinds.append("full")
                stream.feed(render_full(update, console))
            elif isinstance(update, ChopsUpdate):
                kinds.append("partial")
                ours = render_cropped(update, console)
                written["ours"] += len(ours)
                written["textual"] += len(TEXTUAL_RENDER(update, console))
                stream.feed(ours)

        app._display = display  # type: ignore[method-assign]
        display(app.screen, full_repaint(app))  # the whole screen, as when it starts

        async def same_as_a_full_repaint(step: str) -> None:
            for _ in range(40):
                await wait_for_refresh(app)
                pending = bool(app.screen._compositor._dirty_regions)
                truth_update = full_repaint(app)
                if pending or app.screen._dirty_widgets:
                    continue
                truth = pyte.Screen(screen.columns, screen.lines)
                pyte.Stream(truth).feed(TEXTUAL_FULL_RENDER(truth_update, console))
                if cells(screen) == cells(truth):
                    return
                await pilot.pause(0.05)
            assert "\n".join(screen.display) == "\n".join(truth.display), step
            assert cells(screen) == cells(truth), step

        await select_squid(pilot, app, "Google Maps FR restaurants")
        await same_as_a_full_repaint("the running run selected")
        for _ in range(3):  # the run goes on: progress, log lines, durations
            world.clock.advance(90)
            world.advance()
            log = app.query_one(EventLog)
            lines = len(log.lines)
            await wait_for(pilot, lambda log=log, lines=lines: len(log.lines) > lines,
                           what="a new log line")
            await same_as_a_full_repaint("the run going on")
        await pilot.press("]")  # another tab
        await same_as_a_full_repaint("another tab")
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen), what="board")
        await same_as_a_full_repaint("the board")
        await pilot.press("w")
        await wait_for(pilot, lambda: not isinstance(app.screen, BoardScreen), what="back")
        await same_as_a_full_repaint("back from the board")
        screen.resize(30, 100)  # the terminal first, then the app hears of it
        await pilot.resize_terminal(100, 30)
        await same_as_a_full_repaint("resized")
    assert "partial" in kinds
    assert written["ours"] * 3 < written["textual"], written
