"""Actions say why: launch and abort act only on what the screen shows; the launch dialog
names what would make the launch fail and then offers only Close; read-only keys
answer; the footer shows keys that work; Enter opens a run; help reads the bindings."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Button

from lobstr_tui.api import Run, credit_amount
from lobstr_tui.monitor.derive.launch_check import cost_estimate
from lobstr_tui.monitor.polling.actions import READ_ONLY_ABORT, READ_ONLY_LAUNCH
from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.screens.confirm_screen import ConfirmScreen
from lobstr_tui.ui.screens.help_screen import HelpScreen, key_rows
from lobstr_tui.ui.widgets.runs_table import RunsTable
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from lobstr_tui.ui.widgets.top_bar import TopBar
from tests.conftest import FROZEN_START, TOKEN
from tests.ui_support import make_app, select_squid, squid_id, wait_for

NOT_READY = "Leboncoin immo Lyon"
NO_TASKS = "YouTube comments launch"
QUIET = "Amazon reviews headphones"


def toasts(app: LobstrApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def footer_keys(app: LobstrApp) -> set[str]:
    return {key.key for key in app.screen.query("FooterKey")}


def posts(server: SimServer) -> list[str]:
    return [e.path for e in list(server.log) if e.method == "POST"]


async def steer(server: SimServer, path: str, body: dict[str, object]) -> None:
    """Change the simulated account the way a person would, over /_sim/."""
    control = server.base_url.removesuffix("v1/") + "_sim/"
    async with httpx.AsyncClient(headers={"Authorization": f"Token {TOKEN}"},
                                 timeout=5.0) as http:
        reply = await http.post(control + path, json=body)
    assert reply.status_code == 200, reply.text


# -- only what is visible and selected --------------------------------------------------


async def test_a_filter_that_hides_every_squid_leaves_nothing_to_launch_or_abort(
        server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        assert app.snapshot.active_run is not None, "a run that abort could reach"
        options = app.query_one(SquidList).options
        await pilot.press("slash", *"zzzz", "enter")
        await wait_for(pilot, lambda: options.option_count == 0 and options.has_focus,
                       what="an empty list with the focus")
        await pilot.press("l")
        await wait_for(pilot, lambda: any("no squid selected" in t for t in toasts(app)),
                       what="the launch answer")
        await pilot.press("a")
        await wait_for(pilot, lambda: sum("no squid selected" in t for t in toasts(app)) == 2,
                       what="the abort answer")
        assert not isinstance(app.screen, ConfirmScreen)
        assert posts(server) == []


async def test_abort_never_reaches_a_run_of_a_squid_the_list_no_longer_shows(
        server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        await pilot.press("slash", *"amazon", "enter")
        options = app.query_one(SquidList).options
        await wait_for(pilot, lambda: options.option_count == 1, what="one squid shown")
        await wait_for(pilot, lambda: app.snapshot.runs_squid_id == squid_id(world, QUIET),
                       what="the shown squid's runs")
        await pilot.press("a")
        await wait_for(pilot, lambda: any(f"no active run of {QUIET}" in t
                                          for t in toasts(app)), what="the abort answer")
        assert not isinstance(app.screen, ConfirmScreen)
        assert posts(server) == []


# -- the launch dialog ------------------------------------------------------------------


async def open_launch(pilot, app: LobstrApp) -> ConfirmScreen:  # type: ignore[no-untyped-def]
    await pilot.press("l")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the dialog")
    screen = app.screen
    assert isinstance(screen, ConfirmScreen)
    return screen


async def assert_only_close(pilot, app: LobstrApp, server: SimServer,  # type: ignore[no-untyped-def]
                            screen: ConfirmScreen) -> None:
    buttons = [b.id for b in screen.query(Button)]
    assert buttons == ["close"], "nothing to confirm"
    assert screen.focused is not None and screen.focused.id == "close"
    assert footer_keys(app) == {"escape"}, "the dialog's footer offers only Close"
    await pilot.press("y")
    await pilot.pause()
    assert app.screen is screen, "y confirms nothing"
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="closed")
    assert posts(server) == [], "nothing was sent"


@pytest.mark.parametrize(("name", "blocker"), [
    ("Google Maps FR restaurants", "is running: lobstr.io allows one active run per squid"),
    (NOT_READY, "the squid is not ready"),
    (NO_TASKS, "no tasks to run: add tasks to the squid in lobstr.io first"),
])
async def test_the_launch_dialog_names_a_known_blocker_and_offers_only_close(
        server: SimServer, world: World, name: str, blocker: str) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, name)
        await wait_for(pilot, lambda: app.snapshot.balance is not None, what="balance")
        screen = await open_launch(pilot, app)
        body = " ".join(" ".join(screen.lines).split())  # as one line: wrapping aside
        assert screen.dialog_title == "Cannot launch a run"
        assert "This launch would be refused:" in body and blocker in body
        assert "estimate" not in body, "no price for a launch that cannot happen"
        await assert_only_close(pilot, app, server, screen)


async def test_no_credits_and_no_free_slot_are_blockers(server: SimServer,
                                                        world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, QUIET)
        await steer(server, "balance", {"consumed": world.account.available})
        await wait_for(pilot, lambda: app.snapshot.balance is not None
                       and app.snapshot.balance.remaining == 0, what="no credits left")
        screen = await open_launch(pilot, app)
        assert "✖ no credits left (0)" in " ".join(" ".join(screen.lines).split())
        await assert_only_close(pilot, app, server, screen)

        await steer(server, "balance", {"consumed": 0})
        await steer(server, "slots", {"total": world.used_slots})
        await wait_for(pilot, lambda: app.snapshot.balance is not None
                       and app.snapshot.balance.remaining > 0
                       and app.snapshot.balance.total_available_slots == world.used_slots,
                       what="all slots in use")
        screen = await open_launch(pilot, app)
        body = " ".join(" ".join(screen.lines).split())
        assert (f"✖ no free slot: {world.used_slots}/{world.used_slots} slots in use and "
                "this squid needs 2") in body
        assert "no credits" not in body
        await assert_only_close(pilot, app, server, screen)


async def test_without_blockers_the_dialog_shows_tasks_and_a_cost_estimate(
        server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        target = await select_squid(pilot, app, QUIET)
        newest = world.squids[target].run_ids[0]
        await wait_for(pilot, lambda: app.snapshot.stats is not None
                       and app.snapshot.stats.id == newest, what="the newest run's stats")
        screen = await open_launch(pilot, app)
        body = "\n".join(screen.lines)
        tasks = sum(t.is_active for t in world.squids[target].tasks)
        assert f"tasks      {tasks} (as many as run {newest[:6]} had)" in body
        done = [world.runs[r] for r in world.squids[target].run_ids
                if world.runs[r].status == "done"][:5]
        assert world.runs[newest].status == "done"
        per_result = sum(r.credit_used for r in done) / sum(r.total_results for r in done)
        stats = app.snapshot.stats
        assert stats is not None and stats.total_tasks == tasks
        expected = per_result * stats.total_results / stats.total_tasks * tasks
        # Credits in one voice (issue 21): an estimate in whole credits, amounts without
        # a ".0", a fraction only where there is one.
        assert f"estimate   ≈ {round(expected):,} credits\n" in body
        assert f"{tasks} tasks × " in body and f"× {credit_amount(per_result)} a result" in body
        balance = app.snapshot.balance
        assert balance is not None
        assert f"credits    {credit_amount(balance.remaining)} left\n" in body
        assert not re.search(r"\d\.0\b", body), body
        assert f"rates from the last {len(done)} done runs" in body
        assert "(an estimate from past runs, not a price)" in body
        assert max(len(line) for line in screen.lines) <= 64, "no line wraps by itself"
        assert [b.id for b in screen.query(Button)] == ["cancel", "confirm"]
        assert screen.focused is not None and screen.focused.id == "cancel"
        assert footer_keys(app) == {"y", "n"}
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="closed")
        assert posts(server) == []


def run_body(run_id: str, status: str, credits: float, results: int) -> Run:
    start = FROZEN_START - timedelta(hours=1)
    return Run.from_api({"id": run_id, "squid": "s1", "status": status,
                         "credit_used": credits, "total_results": results,
                         "started_at": start.isoformat(), "is_done": status == "done"})


def test_the_estimate_uses_only_done_runs_and_says_how_many() -> None:
    runs = (run_body("r5", "running", 10.0, 10), run_body("r4", "done", 200.0, 100),
            run_body("r3", "aborted", 50.0, 50), run_body("r2", "done", 100.0, 100))
    estimate = cost_estimate(runs)
    assert estimate is not None
    assert (estimate.runs, estimate.per_run, estimate.per_result) == (2, 150.0, 1.5)
    assert (estimate.lowest, estimate.highest, estimate.for_tasks) == (100.0, 200.0, None)
    scaled = cost_estimate(runs, tasks=4, results_per_task=25.0)
    assert scaled is not None and scaled.for_tasks == 150.0
    assert cost_estimate(runs[:1]) is None, "no done run: no estimate"


# -- read-only ---------------------------------------------------------------------------


async def test_read_only_keys_answer_and_the_header_says_so(server: SimServer,
                                                            world: World) -> None:
    app = make_app(server, read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        await pilot.press("l")
        await wait_for(pilot, lambda: READ_ONLY_LAUNCH in toasts(app), what="launch answer")
        await pilot.press("a")
        await wait_for(pilot, lambda: READ_ONLY_ABORT in toasts(app), what="abort answer")
        assert "read-only: launching is off (started with --read-only)" in toasts(app)
        assert not isinstance(app.screen, ConfirmScreen)
        keys = footer_keys(app)
        assert not keys & {"l", "a", "f12"}, "no launch, abort or pseudo-key in the footer"
        assert {"q", "question_mark", "d"} <= keys, "downloads stay: they change nothing"
        assert "READ-ONLY" in str(app.query_one(TopBar).render())
        assert posts(server) == []


# -- the footer, Enter, help ------------------------------------------------------------


async def test_the_footer_lists_only_keys_that_work_where_you_are(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, QUIET)
        await pilot.pause()
        main = footer_keys(app)
        assert {"l", "a", "d", "w", "left_square_bracket", "q", "question_mark"} <= main
        assert "f12" not in main
        for key in main:
            binding = app.screen.active_bindings[key]
            assert binding.enabled, f"{key} is shown but disabled"
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        assert footer_keys(app) == {"escape"}, "help's footer: only its own key"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="closed")


async def test_enter_on_a_run_opens_its_detail(server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        target = await select_squid(pilot, app, "Trustpilot reviews fintech")
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: table.row_count == len(world.squids[target].run_ids),
                       what="the runs")
        table.focus()
        await pilot.press("j", "j")
        third = world.squids[target].run_ids[2]
        await wait_for(pilot, lambda: table.cursor_row == 2, what="the cursor on run 3")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.snapshot.selected_run_id == third
                       and app.query_one(EventLog).has_focus, what="the run's detail")
        await wait_for(pilot, lambda: f"run {third[:6]}"
                       in str(app.query_one("#run-line").render()), what="the detail")
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.has_focus, what="back to the runs")


class Probe(Widget):
    """A widget that exists only to prove the key table reads bindings."""

    BINDINGS = [Binding("z", "probe", "Probe", tooltip="probe the help")]


def test_the_key_table_is_read_from_bindings() -> None:
    rows = key_rows([("somewhere", Probe)])
    assert [(r.place, r.keys, r.what) for r in rows] == [("somewhere", "z", "probe the help")]


@pytest.mark.parametrize("read_only", [False, True])
async def test_help_lists_every_working_binding(server: SimServer, read_only: bool) -> None:
    app = make_app(server, read_only=read_only)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        text = str(app.screen.query_one("#help-text").render())
        for binding in Binding.make_bindings(LobstrApp.BINDINGS):
            action = binding.action.split("(", 1)[0]
            shown = f"{binding.tooltip or binding.description}" in text
            assert shown == (app.check_action(action, ()) is not False), binding
        assert ("Launch a run (asks first)" in text) == (not read_only)
        assert (READ_ONLY_LAUNCH in text) == read_only
        for words in ("ctrl+p", "enter", "open the run under the cursor", "tab",
                      "cookies_expired", "no_credits_left"):
            assert words in text
