"""The run's whole story in the real app against the simulator: the Tasks tab (paging,
filter, polled only while open), the Results tab (columns from the rows, paging, never
more than 2 requests a second, a 429 waited out), the jump to the oldest of 5,000 runs
and a run found by its id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from lobstr_tui.monitor.model.snapshot import StoryTab
from lobstr_tui.monitor.polling import fetch
from lobstr_tui.monitor.polling.intents import SETTLE_SECONDS
from lobstr_tui.monitor.polling.rate_gate import RateGate
from lobstr_tui.sim import SimClock, SimServer, World, build
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.screens.confirm_screen import ConfirmScreen
from lobstr_tui.ui.widgets.download_bar import DownloadBar
from lobstr_tui.ui.widgets.runs_table import GAP, RunsTable
from lobstr_tui.ui.widgets.tabs.results_pane import ResultsPane
from lobstr_tui.ui.widgets.tabs.run_story import RunStory
from lobstr_tui.ui.widgets.tabs.tasks_pane import TasksPane
from tests.conftest import FROZEN_START, TOKEN, manual_world
from tests.ui.test_fault_matrix import record_requests
from tests.ui_support import make_app, select_squid, squid_id, wait_for

SETTLE_MARGIN = 0.05
"""Seconds past the settle time: the loop's wake-up that sends a held read."""

MAPS = "Google Maps FR restaurants"


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 10 tasks and 10 results, so that a demo run has several."""
    monkeypatch.setattr(fetch, "TASKS_PAGE", 10)
    monkeypatch.setattr(fetch, "RESULTS_PAGE", 10)


def requests_to(server: SimServer, prefix: str, since: int = 0) -> list[str]:
    """Paths of the requests answered to ``prefix`` since log entry ``since``."""
    return [e.path for e in list(server.log)[since:] if e.prefix == prefix]


def asked(sent: list[tuple[float, float, str, str, int | None]], prefix: str,
          since: int = 0) -> list[str]:
    """``path?query`` of the app's requests to ``prefix`` since request ``since``."""
    return [path for _, _, _, path, _ in sent[since:] if path.split("/", 1)[0].split(
        "?", 1)[0] == prefix]


def files_in(folder: Path) -> list[str]:
    """Every file in ``folder``, hidden ones too."""
    return sorted(path.name for path in folder.iterdir())


def tab_label(app: object, tab: StoryTab) -> str:
    story = app.query_one(RunStory)  # type: ignore[attr-defined]
    return story.get_tab(f"{tab.value}-tab").label.plain


def rows(table: DataTable[object]) -> list[list[str]]:
    return [[str(getattr(c, "plain", c)) for c in table.get_row_at(i)]
            for i in range(table.row_count)]


async def test_tasks_tab_pages_filters_and_polls_only_while_open(
        server: SimServer, world: World) -> None:
    app = make_app(server)
    sent = record_requests(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, MAPS)
        run_id = app.snapshot.selected_run_id
        run = world.runs[run_id or ""]
        assert run.status == "running" and len(run.tasks) > 20
        await wait_for(pilot, lambda: app.snapshot.stats is not None, what="stats")
        await wait_for(pilot, lambda: app.scheduler.quiet, what="quiet")
        # On the Log tab of a run that does not move (the world's clock stands still),
        # the tasks are not polled: many stats reads go by and no tasks read.
        mark = len(server.log)
        await wait_for(pilot, lambda: len(requests_to(server, "runs", mark)) >= 10,
                       what="stats polls")
        assert requests_to(server, "runtasks", mark) == []

        await pilot.press("right_square_bracket", "right_square_bracket")
        await wait_for(pilot, lambda: app.snapshot.story_tab is StoryTab.TASKS, what="tab")
        pane = app.query_one(TasksPane)
        await wait_for(pilot, lambda: pane.table.row_count == 10, what="the first page")
        assert f"+{len(run.tasks) - 10}" in tab_label(app, StoryTab.TASKS)
        counts = tab_label(app, StoryTab.TASKS)
        assert "✓" in counts and "◌" in counts, counts
        first_page = asked(sent, "runtasks")
        assert first_page and all("page=1&" in p for p in first_page), first_page

        # Polled while open (the run is active): page 1 read again and again.
        opened = len(server.log)
        opened_sent = len(sent)
        await wait_for(pilot, lambda: len(requests_to(server, "runtasks", opened)) >= 3,
                       what="tasks polled while the tab is open")

        # Scrolling to the end reads the next page.
        pane.table.focus()
        await wait_for(pilot, lambda: pane.table.has_focus, what="the table focused")
        await pilot.press("end")
        # The second page (and, when the highlight reaches its last row before the next
        # look, the third: 24 tasks in all) arrives; exactly 20 rows may never be seen.
        await wait_for(pilot, lambda: pane.table.row_count >= 20, what="the second page")
        assert any("page=2&" in p for p in asked(sent, "runtasks", opened_sent))

        # Columns follow the width: fewer at 80 columns, all five back at 120.
        assert len(pane.table.columns) == 5
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: len(pane.table.columns) < 5, what="narrow columns")
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: len(pane.table.columns) == 5, what="wide columns")

        # The filter: by status (ctrl+f: / filters squids everywhere).
        await pilot.press("ctrl+f")
        await pilot.press(*"pending")
        await wait_for(pilot, lambda: 0 < pane.table.row_count < len(app.snapshot.tasks),
                       what="filtered rows")
        assert all("pending" in row[0] for row in rows(pane.table))
        await pilot.press("escape")
        await wait_for(pilot, lambda: pane.table.row_count == len(app.snapshot.tasks) >= 20,
                       what="filter cleared")

        # Back on the Log tab: no more tasks reads.
        await pilot.press("left_square_bracket", "left_square_bracket")
        await wait_for(pilot, lambda: app.snapshot.story_tab is StoryTab.LOG, what="log tab")
        await wait_for(pilot, lambda: app.scheduler.quiet, what="quiet")
        closed = len(server.log)
        await wait_for(pilot, lambda: len(requests_to(server, "runs", closed)) >= 10,
                       what="stats polls")
        assert requests_to(server, "runtasks", closed) == []


@pytest.fixture
def live_server() -> Iterator[SimServer]:
    """The demo on a real clock, with the simulator's own rate limits (2 results
    requests a second): a third request within a second would get a 429."""
    world = build("demo", seed=1, clock=SimClock(start=FROZEN_START))
    with SimServer(world, token=TOKEN) as server:
        yield server


async def test_results_tab_columns_paging_and_two_requests_a_second(
        live_server: SimServer) -> None:
    server = live_server
    limits = dict(server.limiter.limits)
    app = make_app(server)
    server.limiter.limits = limits  # make_app lifts them; keep results at 2 a second
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, MAPS)
        mark = len(server.log)
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: app.snapshot.story_tab is StoryTab.RESULTS, what="tab")
        pane = app.query_one(ResultsPane)
        await wait_for(pilot, lambda: pane.table.row_count == 10, what="the first page")
        assert len(requests_to(server, "results", mark)) == 1, "one request on opening"
        columns = [str(c.label) for c in pane.table.columns.values()]
        assert columns[:3] == ["name", "address", "rating"], columns
        cell = str(app.query_one("#results-cell").render())
        assert cell.startswith("name: "), cell

        # Load six more pages as fast as keys go: never a 429 from the simulator.
        pane.table.focus()
        await wait_for(pilot, lambda: pane.table.has_focus, what="the table focused")
        for pages in range(2, 8):
            await pilot.press("end")
            await wait_for(pilot, lambda n=pages: pane.table.row_count == 10 * n,
                           limit=15, what=f"page {pages}")
        answered = [e for e in list(server.log)[mark:] if e.prefix == "results"]
        assert len(answered) == 7
        # Away and back on a finished run: the rows stay, and End still reads more.
        run = app.snapshot.selected_run
        assert run is not None and run.status.is_active
        await pilot.press("right_square_bracket", "left_square_bracket")
        await wait_for(pilot, lambda: app.snapshot.story_tab is StoryTab.RESULTS, what="back")
        await wait_for(pilot, lambda: not app.snapshot.results.loading, limit=15,
                       what="the first page read again (the run is collecting)")
        pane.table.focus()
        await wait_for(pilot, lambda: pane.table.has_focus, what="the table focused")
        await pilot.press("end")
        await wait_for(pilot, lambda: pane.table.row_count == 20, limit=15,
                       what="the next page after coming back")
        assert all(e.status == 200 for e in answered), [e.status for e in answered]
        assert "Results" in tab_label(app, StoryTab.RESULTS)


async def test_a_429_on_results_waits_and_says_so(server: SimServer) -> None:
    app = make_app(server)
    sent = record_requests(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, MAPS)
        server.faults.add("results:ratelimit=1*1")
        await pilot.press("left_square_bracket")
        line = app.query_one("#results-line")
        await wait_for(pilot, lambda: "asked to wait" in str(line.render()),
                       what="the wait said")
        assert app.snapshot.results.wait_until is not None
        pane = app.query_one(ResultsPane)
        await wait_for(pilot, lambda: pane.table.row_count == 10, what="the page after it")
        statuses = [code for _, _, _, path, code in sent if path.startswith("results")]
        assert statuses == [429, 200], "read again once, after Retry-After"


def test_the_gate_spaces_results_requests() -> None:
    from lobstr_tui.api.ratelimit import RateLimit

    gate = RateGate(share=1.0, low_remaining=3)
    gate.record("results", 10.0)
    assert gate.wait("results", 10.0) == pytest.approx(0.6)
    assert gate.wait("results", 10.6) == 0.0
    assert gate.wait("runs", 10.0) == 0.0, "only results are spaced"
    # Its per-second window running low is not a block ("rate-limited" on screen).
    gate.observe("results", RateLimit(2, 0, 1e9 + 1, None), now=10.6, epoch=1e9)
    assert gate.blocked_for(10.6) == 0.0
    gate.observe("runs", RateLimit(120, 0, 1e9 + 5, None), now=10.6, epoch=1e9)
    assert gate.blocked_for(10.6) == pytest.approx(5.0)


async def rested(pilot: Pilot[None], app: LobstrApp, what: str) -> None:
    """Until the cursor's settle time has passed on the scheduler's clock (reads it held
    back have gone out) and nothing is in flight."""
    since = app.scheduler.clocks.monotonic()
    await wait_for(pilot, lambda: app.scheduler.clocks.monotonic() > since + SETTLE_SECONDS
                   + SETTLE_MARGIN and app.scheduler.quiet, what=what)


@pytest.fixture
def history_server() -> Iterator[tuple[SimServer, World]]:
    world = manual_world("large", squids=3, runs=5000)
    with SimServer(world, token=TOKEN) as server:
        yield server, world


async def test_end_reaches_the_oldest_of_5000_runs_in_a_few_requests(
        history_server: tuple[SimServer, World]) -> None:
    server, world = history_server
    big = squid_id(world, "Big history squid")
    oldest = min(world.squids[big].run_ids, key=lambda r: world.runs[r].created_at)
    app = make_app(server)
    sent = record_requests(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Big history squid")
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: table.row_count == 50, what="the newest page")
        await wait_for(pilot, lambda: app.scheduler.quiet, what="quiet")
        table.focus()
        await wait_for(pilot, lambda: table.has_focus, what="the runs table focused")
        mark = len(sent)
        await pilot.press("end")
        await wait_for(pilot, lambda: app.snapshot.selected_run_id == oldest,
                       what="the oldest run selected")
        pages = [p for p in asked(sent, "runs", mark) if "page=" in p and "page=1&" not in p]
        assert 1 <= len(pages) <= 3, pages
        assert any("page=100&" in p for p in pages), pages
        assert table.cursor_run_id == oldest
        assert app.snapshot.runs_gap is not None
        # Resting on the oldest row reads nothing more: the gap row is what loads more
        # (it once read every page between, one after the other).
        settled = len(sent)
        await rested(pilot, app, "quiet after the jump")
        assert not [p for p in asked(sent, "runs", settled)
                    if p.startswith("runs?") and "page=1&" not in p]
        assert len(app.snapshot.runs) == 100
        assert "between not loaded" in str(table.border_subtitle)
        # The row of runs not loaded: moving onto it reads the next newest page.
        gap_row = table.get_row_index(GAP)
        assert gap_row == 50
        before = len(app.snapshot.runs)
        table.move_cursor(row=gap_row)
        await wait_for(pilot, lambda: len(app.snapshot.runs) == before + 50,
                       what="the next page")
        # One page for one move: the cursor is now on the first run of that page, not
        # on the gap row again (which would read the next page, and the next...).
        await rested(pilot, app, "quiet after the page")
        assert len(app.snapshot.runs) == before + 50
        assert table.cursor_row == gap_row and table.cursor_run_id is not None


async def test_a_run_typed_after_number_sign_is_found(
        history_server: tuple[SimServer, World]) -> None:
    server, world = history_server
    big = squid_id(world, "Big history squid")
    far = world.squids[big].run_ids[1234]
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Big history squid")
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: table.row_count == 50, what="the newest page")
        table.focus()
        await wait_for(pilot, lambda: table.has_focus, what="the runs table focused")
        # The start of a loaded run's id moves the cursor there.
        loaded = app.snapshot.runs[7].id
        await pilot.press("number_sign", *loaded[:6])
        await wait_for(pilot, lambda: table.cursor_run_id == loaded, what="found loaded")
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.has_focus, what="back to the table")
        # A whole id not loaded is looked up on lobstr.io, then selected.
        mark = len(server.log)
        await pilot.press("number_sign", *far, "enter")
        await wait_for(pilot, lambda: app.snapshot.selected_run_id == far
                       and table.cursor_run_id == far, what="the far run selected, cursor on it")
        assert any(p.endswith(f"runs/{far}") for p in requests_to(server, "runs", mark))
        assert any(run.id == far for run in app.snapshot.runs)
        # An id that does not exist: said in the log (typing it found loaded runs that
        # start like it on the way, as a find does).
        await pilot.press("number_sign", *("0" * 32), "enter")
        await wait_for(pilot, lambda: any("no run 000000" in e for e in app.query_one(
            "#log").texts), what="the not-found note")
        assert app.snapshot.selected_run_id != "0" * 32
        assert app.snapshot.selected_run is not None


async def test_d_downloads_the_csv_asks_before_replacing_and_refuses_an_active_run(
        server: SimServer, world: World, tmp_path: Path) -> None:
    folder = tmp_path
    app = make_app(server)
    app.downloads.directory = folder
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Amazon reviews headphones")
        run = app.snapshot.selected_run
        assert run is not None and run.status.kind.value == "done"
        await pilot.press("d")
        await wait_for(pilot, lambda: app.downloads.last is not None, limit=15,
                       what="the download")
        outcome = app.downloads.last
        assert outcome is not None and outcome.ok, outcome
        saved = list(folder.glob("*.csv"))
        assert [p.name for p in saved] == [f"Amazon-reviews-headphones-{run.id}.csv"]
        lines = saved[0].read_text().splitlines()
        assert len(lines) == world.runs[run.id].total_results + 1, "header and every row"
        assert any(f"saved {saved[0]}" in n.message for n in app._notifications)
        exports = [e for e in list(server.log) if e.path.startswith("/exports/")
                   or e.path.startswith("exports/")]
        assert exports and all(e.authorization is None for e in exports)

        # Again: the file exists, so the app asks; "n" keeps it untouched.
        before = saved[0].read_bytes()
        saved[0].write_bytes(b"mine")
        app.downloads.last = None
        assert app._notifications, "the saved toast is up"
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked")
        assert not app._notifications, "no toast lies over the question"
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="no")
        assert saved[0].read_bytes() == b"mine"
        # And "y" replaces it.
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked")
        app.downloads.last = None
        await pilot.press("y")
        await wait_for(pilot, lambda: app.downloads.last is not None
                       and app.downloads.last.ok, limit=15, what="replaced")
        assert saved[0].read_bytes() == before

        # An active run: a clear message, no request.
        await select_squid(pilot, app, MAPS)
        mark = len(server.log)
        app.downloads.last = None
        await pilot.press("d")
        await wait_for(pilot, lambda: app.downloads.last is not None, what="refused")
        assert "still running" in app.downloads.last.message
        assert not any("download" in e.path for e in list(server.log)[mark:])


async def test_an_export_being_prepared_shows_its_status_and_esc_cancels(
        server: SimServer, world: World, tmp_path: Path) -> None:
    app = make_app(server)
    app.downloads.directory = tmp_path
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Amazon reviews headphones")
        run = app.snapshot.selected_run
        assert run is not None
        world.runs[run.id].export_done = False  # lobstr.io still building the CSV: 404
        await pilot.press("d")
        bar = app.query_one(DownloadBar)
        await wait_for(pilot, lambda: "prepares the CSV" in str(
            app.query_one("#download-text").render()), what="the preparing status")
        assert bar.has_class("-visible")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.downloads.last is not None, what="cancelled")
        assert app.downloads.last.phase.value == "cancelled"
        assert not bar.has_class("-visible")
        assert files_in(tmp_path) == [], "nothing left behind (no partial file)"
