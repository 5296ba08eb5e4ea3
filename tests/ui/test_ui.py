"""The real app under Pilot, against the simulator over loopback HTTP."""

from __future__ import annotations

import pytest
from rich.text import Text

from lobstr_tui.api import credit_amount
from lobstr_tui.sim import SimServer, World
from lobstr_tui.sim.faults import FaultPlan, parse_spec
from lobstr_tui.ui.screens.confirm_screen import ConfirmScreen
from lobstr_tui.ui.screens.help_screen import HelpScreen
from lobstr_tui.ui.text import format as fmt
from lobstr_tui.ui.widgets.run_detail import RunDetail
from lobstr_tui.ui.widgets.runs_table import RunsTable
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from tests.conftest import TOKEN
from tests.ui_support import make_app, select_squid, squid_id, wait_for


def table_rows(app) -> dict[str, dict[str, str]]:
    table = app.query_one(RunsTable)
    rows = {}
    for row_key in [row.key for row in table.ordered_rows]:
        cells = table.get_row(row_key)
        rows[str(row_key.value)] = {key: cell.plain if isinstance(cell, Text) else str(cell)
                                    for key, cell in zip(table.column_keys, cells, strict=True)}
    return rows


def log_text(app) -> str:
    log = app.query_one(EventLog)
    log.flush()
    return "\n".join(log.texts)


def detail_text(app) -> str:
    """The run detail's text, its wrapped lines joined back into one (the banner wraps
    its own lines, so a phrase may straddle two)."""
    detail = app.query_one(RunDetail)
    return " ".join(" ".join(str(w.render()).split()) for w in detail.query("Static")
                    if w.display)


async def test_squid_list_shows_every_squid(server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        options = app.query_one(SquidList).options
        await wait_for(pilot, lambda: options.option_count == len(world.squids),
                       what="all squids listed")
        prompts = [str(options.get_option_at_index(i).prompt)
                   for i in range(options.option_count)]
        for squid in world.squids.values():
            assert any(prompt.startswith(squid.name[:20]) for prompt in prompts), squid.name
        assert any("\n  ‖ paused · " in p for p in prompts)
        assert any("\n  ✖ error · " in p for p in prompts)
        assert any("\n  ● running · " in p for p in prompts)


async def test_runs_table_has_simulator_values_in_every_column(server: SimServer,
                                                               world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(200, 50)) as pilot:
        target = await select_squid(pilot, app, "Trustpilot reviews fintech")
        expected_ids = world.squids[target].run_ids
        await wait_for(pilot, lambda: len(table_rows(app)) == len(expected_ids),
                       what="table rows")
        rows = table_rows(app)
        assert list(rows) == expected_ids, "newest first, keyed by run id"
        now = world.clock.now()
        for run_id in expected_ids:
            sim = world.runs[run_id]
            row = rows[run_id]
            assert row["run"] == run_id[:6] + "…"
            assert row["started"] == fmt.short_ago(sim.started_at, now)
            assert row["ended"] == fmt.short_ago(sim.ended_at, now)
            assert row["results"] == f"{sim.total_results:,}"
            assert row["unique"] == f"{sim.unique_results:,}"
            assert row["credits"] == credit_amount(sim.credit_used)
            seconds = (sim.ended_at - sim.started_at).total_seconds()
            assert row["duration"] == fmt.duration(seconds)
            assert row["status"].endswith(sim.status)
            shown = sim.done_reason or ((sim.done_reason_desc or "crawler error")
                                        if sim.status == "error" else "—")
            assert shown.startswith(row["reason"].removesuffix("…"))
            assert row["origin"] == sim.origin


async def test_running_run_progress_and_results_advance(server: SimServer,
                                                        world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        await wait_for(pilot, lambda: app.snapshot.stats is not None, what="stats")
        before = app.snapshot.stats
        assert before is not None
        world.clock.advance(60)
        await wait_for(pilot, lambda: app.snapshot.stats is not None
                       and app.snapshot.stats.total_results > before.total_results,
                       what="results to grow")
        after = app.snapshot.stats
        assert after is not None and (after.percent_done or 0) > (before.percent_done or 0)
        await wait_for(pilot, lambda: f"{after.total_results:,} results" in detail_text(app),
                       what="the detail to show the new result count")
        run_id = world.squids[squid_id(world, "Google Maps FR restaurants")].run_ids[0]
        await wait_for(pilot, lambda: table_rows(app)[run_id]["results"]
                       != f"{before.total_results:,}", what="table row update")
        assert "tasks" in log_text(app)


async def test_paused_run_shows_reason_description_and_action(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "LinkedIn leads SaaS CTOs")
        await wait_for(pilot, lambda: "PAUSED" in detail_text(app), what="banner")
        banner = detail_text(app)
        assert "‖ PAUSED" in banner and "cookies_expired" in banner
        assert "session cookies expired" in banner
        assert "re-sync the account in lobstr.io" in banner
        run_id = app.snapshot.selected_run_id
        assert run_id is not None
        assert table_rows(app)[run_id]["status"] == "‖ paused"
        assert table_rows(app)[run_id]["reason"] == "cookies_expired"


async def test_errored_run_shows_its_state_and_description(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Instagram posts #coffee")
        await wait_for(pilot, lambda: "ERROR" in detail_text(app), what="error banner")
        banner = detail_text(app)
        assert "✖ ERROR" in banner and "Instagram changed its page layout" in banner
        assert "resumes the run once it is fixed" in banner
        assert "e: why" not in banner  # it fits whole at 120 columns: nothing is cut


async def test_launch_confirm_new_run_appears_and_log_says_so(server: SimServer,
                                                              world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        target = await select_squid(pilot, app, "Amazon reviews headphones")
        runs_before = len(world.squids[target].run_ids)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="dialog")
        body = "\n".join(app.screen.lines)
        assert "Amazon reviews headphones" in body and "credits" in body and "ready" in body
        assert app.screen.focused is not None and app.screen.focused.id == "cancel"
        await pilot.press("y")
        await wait_for(pilot, lambda: len(world.squids[target].run_ids) == runs_before + 1,
                       what="run created")
        new_id = world.squids[target].run_ids[0]
        await wait_for(pilot, lambda: new_id in table_rows(app), what="new row")
        assert next(iter(table_rows(app))) == new_id
        await wait_for(pilot, lambda: f"launched run {new_id[:6]}" in log_text(app),
                       what="log line")
        assert app.last_outcome is not None and app.last_outcome.ok


@pytest.mark.parametrize(("setup", "message"), [
    ("launched elsewhere", "a run is already active for this squid"),
    ("broke", "not enough credits: 0 left"),
])
async def test_launch_refused_says_why_and_changes_nothing(server: SimServer, world: World,
                                                           setup: str, message: str) -> None:
    """The dialog showed no blocker, then the account changed before the answer: the
    API's refusal is said in plain words and nothing is launched."""
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        target = await select_squid(pilot, app, "Amazon reviews headphones")
        await wait_for(pilot, lambda: app.snapshot.balance is not None, what="balance")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="dialog")
        assert app.screen.can_confirm, "nothing known against this launch yet"
        if setup == "broke":
            world.account.consumed = world.account.available + 5
            await wait_for(pilot, lambda: app.snapshot.balance is not None
                           and app.snapshot.balance.remaining < 0, what="credits gone")
        else:
            world.start_run(target, origin="api")
        runs_before = list(world.squids[target].run_ids)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.last_outcome is not None, what="answer")
        assert app.last_outcome is not None and not app.last_outcome.ok
        assert message in app.last_outcome.message
        assert message in log_text(app)
        assert world.squids[target].run_ids == runs_before


async def test_abort_confirm_uploading_then_aborted(server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        target = await select_squid(pilot, app, "Google Maps FR restaurants")
        run_id = world.squids[target].run_ids[0]
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="dialog")
        assert run_id in "\n".join(app.screen.lines)
        await pilot.press("y")
        await wait_for(pilot, lambda: table_rows(app).get(run_id, {}).get("status")
                       == "⇡ uploading", what="uploading")
        assert table_rows(app)[run_id]["reason"] == "aborted"
        world.clock.advance(10)
        await wait_for(pilot, lambda: table_rows(app)[run_id]["status"] == "■ aborted",
                       what="aborted")
        assert "abort accepted" in log_text(app)
        assert world.runs[run_id].status == "aborted"


async def test_double_press_launches_once(server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        target = await select_squid(pilot, app, "Booking hotels Rome")
        before = len(world.squids[target].run_ids)
        await pilot.press("l", "y", "l", "y", "l", "y")
        await wait_for(pilot, lambda: app.last_outcome is not None
                       and not app.scheduler.actions.busy, what="answers")
        await app.scheduler.stop()  # from here on nothing more can be sent
        assert len(world.squids[target].run_ids) == before + 1
        launches = [e for e in server.log if e.method == "POST" and e.path == "runs"]
        assert len(launches) == 1


async def test_read_only_has_no_launch_or_abort(server: SimServer, world: World) -> None:
    app = make_app(server, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        target = await select_squid(pilot, app, "Google Maps FR restaurants")
        before = list(world.squids[target].run_ids)
        await pilot.press("a", "l")
        await pilot.pause()  # both keys handled
        assert not isinstance(app.screen, ConfirmScreen)
        assert world.squids[target].run_ids == before
        assert world.runs[before[0]].status == "running"
        footer = [str(getattr(key, "description", "")) for key in app.query("FooterKey")]
        assert "Launch" not in footer and "Abort" not in footer
        assert not any("READ-ONLY" in text for text in footer), "no pseudo-key"
        assert not any(e.method == "POST" for e in server.log)


async def test_filter_narrows_the_list_and_esc_clears(server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        options = app.query_one(SquidList).options
        await wait_for(pilot, lambda: options.option_count == len(world.squids), what="list")
        await pilot.press("slash", "l", "i", "n", "k")
        await wait_for(pilot, lambda: options.option_count == 1, what="filtered")
        assert str(options.get_option_at_index(0).prompt).startswith("LinkedIn")
        await pilot.press("escape")
        await wait_for(pilot, lambda: options.option_count == len(world.squids),
                       what="filter cleared")


async def test_help_lists_keys_statuses_and_reasons(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        text = str(app.screen.query_one("#help-text").render())
        for needle in ("ctrl+p", "launch", "paused", "cookies_expired", "no_credits_left"):
            assert needle in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="closed")


async def test_quitting_never_aborts(server: SimServer, world: World) -> None:
    app = make_app(server)
    active = {r.id: r.status for r in world.runs.values() if r.is_active}
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        await pilot.press("q")
    assert not any(e.method == "POST" for e in server.log)
    assert "running" in active.values() and "paused" in active.values()
    assert {r.id: r.status for r in world.runs.values() if r.id in active} == active, \
        "every active run is as it was: quitting touched none"


async def test_older_runs_are_paged_in_on_demand() -> None:
    from tests.conftest import manual_world

    world = manual_world("large", squids=3, runs=130)
    with SimServer(world, token=TOKEN) as big_server:
        app = make_app(big_server)
        async with app.run_test(size=(120, 40)) as pilot:
            await select_squid(pilot, app, "Big history squid")
            await wait_for(pilot, lambda: len(table_rows(app)) == 50, what="first page")
            assert app.snapshot.runs_total == 130
            table = app.query_one(RunsTable)
            table.focus()
            # Scrolling to the last row loaded reads the next page (End jumps to the
            # oldest directly: tests/ui/test_story.py).
            table.move_cursor(row=table.row_count - 1)
            await wait_for(pilot, lambda: len(table_rows(app)) == 100, what="second page")
            table.move_cursor(row=table.row_count - 1)
            await wait_for(pilot, lambda: len(table_rows(app)) == 130, what="third page")
            assert list(table_rows(app)) == world.squids[
                squid_id(world, "Big history squid")].run_ids


async def test_ansi_theme_and_no_color(server: SimServer, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(server)
    app.theme = "ansi-dark"
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        assert app.theme == "ansi-dark" and app.no_color
        table = app.query_one(RunsTable)
        status = table.get_row(app.snapshot.selected_run_id)[table.column_keys.index("status")]
        assert status.plain == "● running" and not str(status.style)


async def test_before_its_runs_arrive_the_table_has_its_headers_and_says_loading(
        world: World) -> None:
    # At start the runs table was drawn empty without its column headers, "0 of 0",
    # while its squid was shown running.
    faults = FaultPlan(parse_spec("runs:hang=30"))
    with SimServer(world, token=TOKEN, faults=faults) as server:
        app = make_app(server, timeout=20.0)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="squid list")
            await pilot.pause()
            table = app.query_one(RunsTable)
            labels = [str(column.label) for column in table.columns.values()]
            assert labels[:3] == ["Run ID", "Started", "Results"]
            assert table.row_count == 0 and app.snapshot.selected_run_id is None
            assert "loading its runs" in str(table.border_subtitle)
            assert "0 of 0" not in str(table.border_subtitle)
