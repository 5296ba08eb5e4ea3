"""Readable in every theme: the paused and error banners and the focused pane's border
keep contrast in the default theme, ansi-dark and textual-light, with 16 colours
(TERM=xterm) and without colours (NO_COLOR).

The colours are read from what the app renders (the widgets' strips, through the app's
own output filters), turned into what a terminal shows (Rich's downgrade for 16
colours; ANSI and default colours through a palette) and compared with the WCAG
contrast formula. ANSI colours depend on the terminal's palette, so they are checked
with the palette Textual assumes (``App.ansi_theme``: Monokai for dark themes,
Alabaster for light ones) and with xterm's default palette.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from rich.color import Color as RichColor
from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import TerminalTheme
from textual.geometry import Region
from textual.widget import Widget

from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.app import LobstrApp
from tests.ui_support import make_app, select_squid, wait_for

MIN_CONTRAST = 3.0
"""WCAG's minimum for large or bold text and for the parts of a user interface."""

_XTERM_ANSI = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
               (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
               (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
XTERM_DARK = TerminalTheme((0, 0, 0), (229, 229, 229), _XTERM_ANSI)
XTERM_LIGHT = TerminalTheme((255, 255, 255), (0, 0, 0), _XTERM_ANSI)

THEMES = ["textual-dark", "ansi-dark", "textual-light"]
"""textual-dark is the default theme."""
TERMINALS = ["truecolor", "xterm", "no-color"]
"""A terminal with all colours, TERM=xterm (16 colours), and NO_COLOR set."""

PAUSED = "LinkedIn leads SaaS CTOs"
ERRORED = "Instagram posts #coffee"


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    red, green, blue = rgb
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(one: tuple[int, int, int], other: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula() -> None:
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast((128, 128, 0), (128, 128, 0)) == pytest.approx(1.0)


@dataclass(frozen=True)
class Shown:
    """One cell as a terminal shows it: foreground and background under each palette."""

    char: str
    colours: tuple[tuple[tuple[int, int, int], tuple[int, int, int]], ...]

    def worst_contrast(self) -> float:
        return min(contrast(fg, bg) for fg, bg in self.colours)


def palettes(app: LobstrApp) -> tuple[TerminalTheme, ...]:
    """The palette Textual assumes for the theme (Monokai or Alabaster), and xterm's."""
    return (app.ansi_theme, XTERM_DARK if app.current_theme.dark else XTERM_LIGHT)


def terminal_segments(widget: Widget, y: int) -> list[Segment]:
    """Row ``y`` of ``widget`` (border included) as the driver writes it: rendering
    applies the app's line filters (ANSI to truecolour, NO_COLOR's)."""
    return list(widget.render_lines(Region(0, y, widget.outer_size.width, 1))[0])


def shown(app: LobstrApp, segment: Segment, system: ColorSystem | None) -> Shown:
    style = segment.style or Style()
    fg = style.color or RichColor.default()
    bg = style.bgcolor or RichColor.default()
    if system is not None:
        fg, bg = fg.downgrade(system), bg.downgrade(system)
    colours = []
    for theme in palettes(app):
        pair = (tuple(fg.get_truecolor(theme, foreground=True)),
                tuple(bg.get_truecolor(theme, foreground=False)))
        colours.append(pair[::-1] if style.reverse else pair)
    return Shown(segment.text[:1], tuple(colours))  # type: ignore[arg-type]


def first_text(segments: list[Segment]) -> Segment:
    return next(s for s in segments if s.text.strip())


def cells(segments: list[Segment]) -> Iterator[tuple[int, Segment]]:
    x = 0
    for segment in segments:
        for char in segment.text:
            yield x, Segment(char, segment.style)
            x += 1


@pytest.fixture(params=TERMINALS)
def terminal(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
             ) -> ColorSystem | None:
    """The colour system the terminal gets (None: as rendered); sets NO_COLOR for the
    no-colour terminal (the app reads it when it starts)."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("COLORTERM", raising=False)
    if request.param == "no-color":
        monkeypatch.setenv("NO_COLOR", "1")
        return None
    if request.param == "xterm":
        monkeypatch.setenv("TERM", "xterm")
        system = Console(force_terminal=True).color_system
        assert system == "standard", "Rich gives TERM=xterm 16 colours"
        return ColorSystem.STANDARD
    return None


@pytest.mark.parametrize("theme", THEMES)
async def test_banners_and_focus_keep_contrast(server: SimServer, world: World, theme: str,
                                               terminal: ColorSystem | None) -> None:
    app = make_app(server)
    app.theme = theme
    async with app.run_test(size=(120, 40)) as pilot:
        banners: dict[str, Shown] = {}
        banner = app.query_one("#run-banner")
        for name, word in ((PAUSED, "PAUSED"), (ERRORED, "ERROR")):
            await select_squid(pilot, app, name)

            def showing(word: str = word) -> bool:
                return bool(banner.display) and word in str(banner.render())

            await wait_for(pilot, showing, what=f"the {word} banner")
            await pilot.pause()
            cell = shown(app, first_text(terminal_segments(banner, 0)), terminal)
            banners[word] = cell
            assert cell.worst_contrast() >= MIN_CONTRAST, (theme, word, cell)

        table = app.query_one("#runs")
        table.focus()
        await wait_for(pilot, lambda: table.has_focus, what="focus on the runs")
        await pilot.pause()
        focused = shown(app, next(s for x, s in cells(terminal_segments(table, 1))
                                  if x == 0), terminal)
        log = app.query_one("#log")
        blurred = shown(app, next(s for x, s in cells(terminal_segments(log, 1))
                                  if x == 0), terminal)
        assert focused.worst_contrast() >= MIN_CONTRAST, (theme, "focused border", focused)
        assert focused.char != blurred.char, "focus shows in the line itself, colour or not"
        if not app.no_color:
            error = banners["ERROR"]
            assert all(f[0] != e[1] for f, e in zip(focused.colours, error.colours,
                                                    strict=True)), \
                "the focused border never takes the error colour"
