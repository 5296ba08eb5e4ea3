"""What keeps a watching monitor cheap (issue 14): widgets redraw only when what they
show changes, nothing wakes up on a timer it does not need, and a long list of squids is
measured without wrapping every prompt."""

from __future__ import annotations

import gc

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.css.styles import RulesMap
from textual.widgets import DataTable, ProgressBar, Static

from lobstr_tui import cli
from lobstr_tui.exit_codes import EXIT_USAGE
from lobstr_tui.sim import SimServer
from lobstr_tui.ui.kit.fitted_prompt import FittedPrompt
from lobstr_tui.ui.kit.lean_table import LeanTable
from lobstr_tui.ui.kit.refit import put_border, put_text
from lobstr_tui.ui.kit.still_progress_bar import StillProgressBar
from lobstr_tui.ui.widgets.download_bar import DownloadBar
from lobstr_tui.ui.widgets.run_detail import RunDetail
from lobstr_tui.ui.widgets.squid_list import SquidList
from tests.ui_support import make_app, wait_for, wait_for_refresh

NO_RULES: RulesMap = {}


class FakeStatic:
    """Records what ``put_text`` asks of a Static."""

    def __init__(self, content: object = "") -> None:
        self.content = content
        self.updates: list[tuple[str, bool]] = []

    def update(self, content: Text, *, layout: bool = True) -> None:
        self.content = content
        self.updates.append((content.plain, layout))


def test_put_text_skips_unchanged_text_and_lays_out_only_for_new_line_counts() -> None:
    widget = FakeStatic()
    put_text(widget, Text("a\nb"))  # type: ignore[arg-type]
    put_text(widget, Text("a\nb"))  # type: ignore[arg-type]
    put_text(widget, Text("a\nc"))  # type: ignore[arg-type]
    put_text(widget, Text("a\nc\nd"))  # type: ignore[arg-type]
    put_text(widget, Text("a\nc\nd", style="bold"))  # type: ignore[arg-type]
    assert widget.updates == [("a\nb", True), ("a\nc", False), ("a\nc\nd", True),
                              ("a\nc\nd", False)]


class Titled:
    """Counts assignments of a border title and subtitle."""

    def __init__(self) -> None:
        self.sets: list[tuple[str, str]] = []

    def __setattr__(self, name: str, value: object) -> None:
        if name.startswith("border_"):
            self.sets.append((name, str(value)))
        object.__setattr__(self, name, value)


def test_put_border_assigns_only_what_changed() -> None:
    widget = Titled()
    put_border(widget, title="Runs", subtitle="3 of 3")  # type: ignore[arg-type]
    put_border(widget, title="Runs", subtitle="3 of 3")  # type: ignore[arg-type]
    put_border(widget, subtitle="4 of 4")  # type: ignore[arg-type]
    put_border(widget, title="Runs of x")  # type: ignore[arg-type]
    assert widget.sets == [("border_title", "Runs"), ("border_subtitle", "3 of 3"),
                           ("border_subtitle", "4 of 4"), ("border_title", "Runs of x")]


def test_fitted_prompt_height_is_its_line_count_unless_narrower() -> None:
    prompt = FittedPrompt("Google Maps FR   \n  ● running · 40%")
    assert prompt.get_height(NO_RULES, 40) == 2
    assert prompt.get_height(NO_RULES, 17) == 2
    assert prompt.get_optimal_width(NO_RULES, 80) == 17
    # Narrower than its widest line: it wraps, as any text would.
    assert prompt.get_height(NO_RULES, 8) > 2
    assert str(prompt) == "Google Maps FR   \n  ● running · 40%"
    assert prompt == FittedPrompt("Google Maps FR   \n  ● running · 40%")
    assert FittedPrompt("日本語").get_optimal_width(NO_RULES, 80) == 6  # cells, not chars


class Bars(App[None]):
    def compose(self) -> ComposeResult:
        yield ProgressBar(total=100, show_eta=False, id="plain")
        yield StillProgressBar(total=100, show_eta=False, id="still")
        yield DownloadBar(id="download")


async def test_progress_bars_keep_no_timer_and_a_hidden_download_bar_does_not_animate(
) -> None:
    app = Bars()
    async with app.run_test() as pilot:
        await pilot.pause()
        # Textual's own bar refreshes its ETA every second: the control for this test.
        assert len(app.query_one("#plain", ProgressBar)._timers) == 1
        still = app.query_one("#still", StillProgressBar)
        assert len(still._timers) == 0
        still.update(progress=40)
        await pilot.pause()
        assert still.percentage == 0.4
        download = app.query_one(DownloadBar)
        bar = download.query_one(StillProgressBar)
        assert bar.query_one("Bar").auto_refresh is None  # hidden: not animating


async def test_squid_prompts_are_fitted_and_memory_is_set_apart_while_running(
        server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        options = app.query_one(SquidList).options
        await wait_for(pilot, lambda: options.option_count == len(server.world.squids))
        assert all(isinstance(options.get_option_at_index(i).prompt, FittedPrompt)
                   for i in range(options.option_count))
        await wait_for(pilot, lambda: gc.get_freeze_count() > 0)
        # The run's progress bars are all of the still kind (no ETA timer).
        bars = list(app.query_one(RunDetail).query(ProgressBar))
        assert bars and all(isinstance(bar, StillProgressBar) for bar in bars), bars
    assert gc.get_freeze_count() == 0  # given back to the collector on the way out


async def test_static_update_is_what_put_text_relies_on() -> None:
    """``put_text`` compares with ``Static.content``: it must be the Text it was given."""

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(id="one")

    app = One()
    async with app.run_test() as pilot:
        widget = app.query_one("#one", Static)
        put_text(widget, Text("hello"))
        await pilot.pause()
        assert widget.content == Text("hello")
        assert str(widget.render()) == "hello"


def test_the_collector_is_on_again_when_the_command_returns(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert gc.isenabled()
    code = cli.main(["--theme", "no-such-theme"])  # fails inside run_monitor
    assert code == EXIT_USAGE
    assert "unknown theme" in capsys.readouterr().err
    assert gc.isenabled(), "start-up turned it off; the way out turns it on"


async def test_the_app_turns_the_collector_on_once_it_has_painted(server: SimServer) -> None:
    gc.disable()  # as cli.main leaves it while starting
    try:
        app = make_app(server)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, gc.isenabled, what="the collector on")
            # Turned on after the first paint: the main screen was there to be painted.
            assert app.screen.query_one(SquidList).is_mounted
    finally:
        gc.enable()


class Tables(App[None]):
    def compose(self) -> ComposeResult:
        for table in (DataTable[Text](id="plain"), LeanTable(id="lean")):
            table.add_columns("run", "results", "status")
            for row in range(5):
                table.add_row(Text(f"r{row}"), Text("0"), Text("running"), key=f"r{row}")
            yield table


async def test_a_lean_table_keeps_only_the_renders_a_paint_can_use() -> None:
    """A running run's cells change every few seconds all day: Textual's own table keeps
    every superseded render until its caches are full (the control); ours drops them."""
    app = Tables()
    async with app.run_test(size=(60, 20)) as pilot:
        plain = app.query_one("#plain", DataTable)
        lean = app.query_one("#lean", LeanTable)
        for results in range(1, 61):
            for table in (plain, lean):
                table.update_cell("r0", table.ordered_columns[1].key, Text(str(results)))
            await wait_for_refresh(app)
        await pilot.pause()
        assert str(lean.get_cell_at(Coordinate(0, 1))) == "60"
        # One paint's worth: 6 lines (header and 5 rows) of 3 cells.
        assert len(lean._cell_render_cache) <= 18
        assert len(lean._line_cache) <= 6
        assert len(plain._cell_render_cache) >= 300, "the control no longer keeps them"
