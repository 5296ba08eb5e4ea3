"""``h``: a squid's last runs as a chart and a table (issue 23). It opens from the runs
table and from the board, charts one measure at a time (``m``), draws the median and
each run's outcome, follows the table's cursor, opens a run on Enter and goes back on
``esc``; a flagged run says so in the run detail and on its board row."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest
from rich.style import Style
from textual.pilot import Pilot
from textual.widgets import DataTable

from lobstr_tui.api import Run, RunStatus
from lobstr_tui.monitor.model.baseline import Flag, FlagKind, Measure, Spread
from lobstr_tui.sim import SimServer, World
from lobstr_tui.sim.entities import SimRun
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.screens.board_screen import BoardScreen
from lobstr_tui.ui.screens.history_screen import HistoryScreen
from lobstr_tui.ui.text.usual_text import flags_text, with_flags
from lobstr_tui.ui.widgets.board_table import board_cells
from lobstr_tui.ui.widgets.history_chart import MARKS, ChartData, HistoryChart, chart_text
from lobstr_tui.ui.widgets.usual_line import UsualLine
from tests.ui_support import (
    make_app,
    on_the_board,
    press_away,
    press_for,
    select_squid,
    wait_for,
)

MAPS = "Google Maps FR restaurants"
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PLAIN = {key: Style() for key in ("muted", "median", "selected", "good", "failed",
                                  "error", "aborted", "other", "band")}


async def open_history(pilot: Pilot[None], app: LobstrApp, world: World,
                       ) -> tuple[HistoryScreen, DataTable[object], list[SimRun]]:
    """Select the Maps squid, press h once its baseline is read, wait for its finished
    runs in the table; the screen, its table and those runs (newest first)."""
    target = await select_squid(pilot, app, MAPS)
    finished = [world.runs[r] for r in world.squids[target].run_ids
                if not world.runs[r].is_active]
    await wait_for(pilot, lambda: target in app.snapshot.baselines, what="its baseline")
    screen = await press_for(pilot, app, "h", HistoryScreen)
    table: DataTable[object] = screen.query_one("#history-table", DataTable)
    await wait_for(pilot, lambda: table.row_count == len(finished), what="its runs")
    return screen, table, finished


def past(n: int, results: int, status: str = "done", reason: str = "tasks_done") -> Run:
    started = T0 - timedelta(days=n)
    return Run.from_api({"id": f"{n:032x}", "squid": "s" * 32, "status": status,
                         "started_at": started.isoformat(),
                         "ended_at": (started + timedelta(minutes=10)).isoformat(),
                         "total_results": results, "credit_used": results,
                         "done_reason": reason})


def test_the_chart_draws_bars_the_median_and_each_outcome() -> None:
    runs = (past(4, 100), past(3, 50, "error", ""), past(2, 100, reason="no_credits_left"),
            past(1, 200, "aborted", "aborted"))
    data = ChartData(runs, Measure.RESULTS, Spread(100.0, 0.0, 5), selected=runs[3].id)
    lines = chart_text(data, 40, 8, PLAIN).plain.split("\n")
    assert len(lines) == 8 and all(len(line) <= 40 for line in lines)
    plot, marks, axis = lines[:6], lines[6], lines[7]
    assert marks.split() == [MARKS["good"], MARKS["error"], MARKS["failed"], MARKS["aborted"]]
    assert axis.split()[0] == "▲" and axis.index("▲") == marks.index(MARKS["aborted"])
    # 200 is the top (×1.05), 100 is half-way up: the median's row carries its label.
    median_row = next(i for i, line in enumerate(plot) if line.lstrip().startswith("100"))
    assert "─" in plot[median_row]
    # MAD 0: the band is the median's row alone, marked by the axis too.
    assert [line[7] for line in plot] == [" " if i != median_row else "┊"
                                          for i in range(len(plot))]
    assert plot[-1].lstrip().startswith("0")
    tallest = [line[8 + 3 * 7] for line in plot]  # the aborted run: 4th slot of 7
    assert tallest[0] != " " and all(c == "█" for c in tallest[1:])
    assert chart_text(replace(data, runs=()), 40, 8, PLAIN).plain.startswith(
        "no finished runs")


def test_flag_words() -> None:
    flags = (Flag(FlagKind.SLOW, 2.44, 300.0, 18), Flag(FlagKind.COSTLY, 2.1, 1.5, 18))
    assert flags_text(flags) == "⚑ slow: 2.4× usual (n=18) · costly: 2.1× usual (n=18)"
    assert with_flags("—", flags[:1]) == "⚑ slow: 2.4× usual (n=18)"
    assert with_flags("cookies_expired", flags[:1]) == (
        "⚑ slow: 2.4× usual (n=18) · cookies_expired")
    assert with_flags("tasks_done", ()) == "tasks_done"


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_h_shows_the_squids_history_and_enter_opens_a_run(
        server: SimServer, world: World, size: tuple[int, int]) -> None:
    app = make_app(server)
    async with app.run_test(size=size) as pilot:
        screen, _, finished = await open_history(pilot, app, world)
        title = str(screen.query_one("#history-title").render())
        assert title.startswith(f"{MAPS} · results · usual ")
        assert f"(n={sum(r.status == 'done' and r.done_reason in ('tasks_done', 'last_page_reached') for r in finished)})" in title  # noqa: E501
        chart = screen.query_one(HistoryChart)
        assert chart.data is not None and chart.data.measure is Measure.RESULTS
        assert [r.id for r in chart.data.runs] == [r.id for r in reversed(finished)]
        assert chart.data.selected == finished[0].id, "the table's cursor: the newest run"
        drawn = chart.render().plain.split("\n")
        assert len(drawn) == chart.content_size.height and "█" in drawn[-3 - 1]
        await pilot.press("m")
        assert chart.data.measure is Measure.DURATION
        assert " · duration · " in str(screen.query_one("#history-title").render())
        await pilot.press("m", "m")
        assert chart.data.measure is Measure.RESULTS
        await pilot.press("down")
        await wait_for(pilot, lambda: chart.data is not None
                       and chart.data.selected == finished[1].id, what="the cursor followed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, HistoryScreen),
                       what="back on the main screen")
        await wait_for(pilot, lambda: app.snapshot.selected_run_id == finished[1].id,
                       what="the run opened")
        again = await press_for(pilot, app, "h", HistoryScreen)  # h on that run
        again_chart = again.query_one(HistoryChart)
        await wait_for(pilot, lambda: again_chart.data is not None
                       and again_chart.data.selected == finished[1].id, what="it pointed at")
        await press_away(pilot, app, "escape", HistoryScreen)


async def test_h_on_the_board_is_the_rows_squid_and_a_flag_shows_on_the_row(
        server: SimServer, world: World) -> None:
    async with on_the_board(server) as (pilot, app, row):
        flag = Flag(FlagKind.SLOW, 2.4, 300.0, 18)
        assert board_cells(row, T0, (flag,))["reason"].startswith(
            "⚑ slow: 2.4× usual (n=18)")
        history = await press_for(pilot, app, "h", HistoryScreen)
        assert history.squid_id == row.squid_id
        assert history.squid_name == row.squid_name
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen), what="the board")


async def test_the_run_detail_says_a_flag_and_hides_when_usual(
        server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(100, 30)) as pilot:
        await select_squid(pilot, app, MAPS)
        line = app.main.query_one(UsualLine)
        assert not line.display
        snapshot = app.snapshot
        run_id = snapshot.selected_run_id
        assert run_id is not None
        flagged = replace(snapshot, anomalies=MappingProxyType(
            {run_id: (Flag(FlagKind.SLOW, 2.4, 300.0, 18),)}))
        line.show(flagged, snapshot.taken_at)
        assert line.display
        assert str(line.render()) == "⚑ slow: 2.4× usual (n=18) · h: history"
        line.show(replace(flagged, anomalies=MappingProxyType({})), snapshot.taken_at)
        assert not line.display


def test_a_status_word_is_a_run_status() -> None:
    assert RunStatus.parse("done").label == "done"  # the chart's runs parse like any


async def test_the_chart_draws_in_a_16_colour_theme(server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "ansi-dark"  # its variables read "ansi_default 50%": not a colour
        await select_squid(pilot, app, MAPS)
        screen = await press_for(pilot, app, "h", HistoryScreen)
        chart = screen.query_one(HistoryChart)
        await wait_for(pilot, lambda: chart.data is not None and bool(chart.data.runs),
                       what="the chart's runs")
        drawn = chart.render()
        assert len(drawn.plain.split("\n")) == chart.content_size.height
        assert any(span.style for span in drawn.spans), "coloured by the theme"


async def test_the_chart_is_not_drawn_again_while_nothing_changes(
        server: SimServer, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []
    render = HistoryChart.render

    def counted(chart: HistoryChart) -> object:
        drawn.append(1)
        return render(chart)

    monkeypatch.setattr(HistoryChart, "render", counted)
    app = make_app(server)  # the world's clock stands still: every poll says the same
    async with app.run_test(size=(80, 24)) as pilot:
        await select_squid(pilot, app, MAPS)
        screen = await press_for(pilot, app, "h", HistoryScreen)
        chart = screen.query_one(HistoryChart)
        await wait_for(pilot, lambda: chart.data is not None and bool(chart.data.runs)
                       and bool(drawn), what="the chart drawn")
        await pilot.press("down")  # the table keeps its cursor while nothing changes
        await pilot.pause(0.3)
        before, sent = len(drawn), app.scheduler.requests_sent
        await wait_for(pilot, lambda: app.scheduler.requests_sent >= sent + 10,
                       what="ten more answers")
        await pilot.pause(0.3)
        assert len(drawn) == before, "the same runs: nothing drawn again"
        assert screen.query_one("#history-table", DataTable).cursor_row == 1
        await pilot.press("m")
        await wait_for(pilot, lambda: len(drawn) > before, what="a new measure drawn")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_history_tables_reasons_fit_and_say_when_cut(
        server: SimServer, world: World, size: tuple[int, int]) -> None:
    """The Done reason takes the width left; a longer one ends in … (at 80x24 the
    demo's crash reason was cut at the border, unmarked)."""
    app = make_app(server)
    async with app.run_test(size=size) as pilot:
        _, table, finished = await open_history(pilot, app, world)
        await pilot.pause()
        room = table.scrollable_content_region.width
        widths = [column.get_render_width(table) for column in table.columns.values()]
        assert sum(widths) <= room, (widths, room)
        reason_width = widths[-1] - 2 * table.cell_padding
        crashed = next(r for r in finished if r.status == "error")
        cell = str(table.get_cell(crashed.id, "reason"))
        whole = crashed.done_reason_desc or ""
        assert len(cell) <= reason_width
        if len(whole) + 2 > reason_width:
            assert cell.endswith("…") and whole.startswith(cell[2:-1].rstrip())
        else:
            assert cell == f"✖ {whole}"
