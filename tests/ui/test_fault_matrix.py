"""The fault matrix: the real app under Pilot while the simulator misbehaves.

Each test says what the user sees during the fault, that keys still work, and what
happens once the fault clears. Timing rules (Retry-After, backoff, the slow probe after a
rejected token) are checked on a fake clock, here and in test_scheduler.py; how fast keys
answer under faults is a benchmark figure (bench/), never an assertion here.
See docs/reliability.md.
"""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Iterator

import pytest
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from lobstr_tui.api import LobstrClient, RequestRecord
from lobstr_tui.launch import build_scheduler
from lobstr_tui.monitor import Clocks, PollPolicy
from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.screens.confirm_screen import ConfirmScreen
from lobstr_tui.ui.widgets.run_detail import RunDetail
from lobstr_tui.ui.widgets.runs_table import RunsTable
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from lobstr_tui.ui.widgets.top_bar import TopBar
from lobstr_tui.ui.widgets.unreachable_banner import UnreachableBanner
from tests.conftest import TOKEN
from tests.fake_clock import FakeClock, run_for, settle
from tests.ui_support import FAST, make_app, select_squid, wait_for


def top(app: LobstrApp) -> str:
    return str(app.query_one(TopBar).render())


def log_text(app: LobstrApp) -> str:
    log = app.query_one(EventLog)
    log.flush()
    return "\n".join(log.texts)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def keys_still_work(pilot: Pilot[None], app: LobstrApp) -> None:
    """A key press (``f``: follow the log) is handled while the fault goes on."""
    log = app.query_one(EventLog)
    before = log.follow
    await pilot.press("f")
    await wait_for(pilot, lambda: log.follow is not before, what="the key to be handled")
    await pilot.press("f")
    await wait_for(pilot, lambda: log.follow is before, what="the key to be handled again")


def record_requests(app: LobstrApp, fake: FakeClock | None = None
                    ) -> list[tuple[float, float, str, str, int | None]]:
    """Every request the app's client finishes: (start, end, method, path?query, status), in
    real monotonic seconds, or in fake seconds (start = end) when ``fake`` is given."""
    sent: list[tuple[float, float, str, str, int | None]] = []
    client = app.scheduler.client
    observe = client.on_response

    def record(entry: RequestRecord) -> None:
        # A resource is its path with its query: the board's runs?squid=X&limit=1 and
        # the selected squid's runs list are two resources on one path.
        base, _, query = entry.path.partition("?")
        path = base.removeprefix("/v1/").strip("/") + (f"?{query}" if query else "")
        end = fake.t if fake is not None else time.monotonic()
        start = end if fake is not None else end - entry.elapsed
        sent.append((start, end, entry.method, path, entry.status_code))
        if observe is not None:
            observe(entry)

    client.on_response = record
    return sent


@pytest.fixture
def port_world(world: World) -> Iterator[tuple[int, World]]:
    yield free_port(), world


async def test_unreachable_at_start_then_connects(port_world: tuple[int, World]) -> None:
    port, world = port_world
    client = LobstrClient(TOKEN, f"http://127.0.0.1:{port}/v1/", timeout=1.0)
    app = LobstrApp(build_scheduler(client, policy=FAST, clocks=Clocks(wall=world.clock.now),
                                    seed=1))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: f"offline (could not connect to 127.0.0.1:{port})"
                       ", retrying in" in top(app), what="offline naming the host")
        assert app.query_one(RunsTable).row_count == 0
        banner = app.query_one(UnreachableBanner)
        await wait_for(pilot, lambda: banner.region.height > 0, what="the banner says so")
        await keys_still_work(pilot, app)
        with SimServer(world, token=TOKEN, port=port):
            await wait_for(pilot, lambda: "live" in top(app) and app.snapshot.squids_loaded,
                           what="connected by itself")
            await wait_for(pilot, lambda: banner.region.height == 0, what="the banner gone")
            await wait_for(pilot, lambda: app.query_one(RunsTable).row_count > 0,
                           what="data on screen")
        assert "connection lost" in log_text(app)
        assert "connection restored" in log_text(app)


async def test_connection_lost_mid_session_keeps_data_marked_stale(world: World) -> None:
    port = free_port()
    server = SimServer(world, token=TOKEN, port=port).start()
    app = make_app(server)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await select_squid(pilot, app, "Google Maps FR restaurants")
            rows = app.query_one(RunsTable).row_count
            server.stop()
            await wait_for(pilot, lambda: "offline" in top(app), what="offline")
            world.clock.advance(40)
            offline = f"offline (could not connect to 127.0.0.1:{port}), retrying in"
            await wait_for(pilot, lambda: "stale 40s" in top(app) and offline in top(app),
                           what="stale marker naming the host")
            assert app.query_one(RunsTable).row_count == rows, "last good data stays"
            await keys_still_work(pilot, app)
            server = SimServer(world, token=TOKEN, port=port).start()
            await wait_for(pilot, lambda: "live" in top(app), what="live again")
            assert "connection lost" in log_text(app)
            assert "connection restored" in log_text(app)
    finally:
        server.stop()


async def test_429_storm_honours_retry_after(server: SimServer, world: World) -> None:
    fake = FakeClock(world.clock)
    app = make_app(server, policy=PollPolicy(), clocks=fake.clocks)
    sent = record_requests(app, fake)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app.scheduler)
        await wait_for(pilot, lambda: app.query_one(RunsTable).row_count > 0, what="rows")
        rows = app.query_one(RunsTable).row_count
        server.faults.add("runs:ratelimit=2")
        storm_from = fake.t
        await run_for(fake, app.scheduler, 30)
        await wait_for(pilot, lambda: "rate-limited, resuming in" in top(app),
                       what="rate-limited marker")
        limited = [end for _, end, _, path, code in sent
                   if code == 429 and end >= storm_from]
        assert len(limited) >= 5, "the storm went on"
        assert all(b - a >= 2.0 for a, b in itertools.pairwise(limited)), \
            "no request to runs before Retry-After has passed"
        assert app.query_one(RunsTable).row_count == rows, "last good data stays"
        await keys_still_work(pilot, app)
        server.faults.clear()
        await run_for(fake, app.scheduler, 65)
        await wait_for(pilot, lambda: "live" in top(app), what="resumed")
        calm_from = fake.t
        await run_for(fake, app.scheduler, 30)
        after = [code for _, end, _, _, code in sent if end > calm_from]
        assert after and set(after) == {200}


async def test_5xx_and_html_pages_mark_stale_and_recover(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        rows = app.query_one(RunsTable).row_count
        server.faults.add("squids:status=503;user:html;me:html;runs:status=502")
        await wait_for(pilot, lambda: "stale" in top(app), what="stale marker")
        assert app.query_one(RunsTable).row_count == rows, "last good data stays"
        assert app.snapshot.failed_polls > 0
        await keys_still_work(pilot, app)
        server.faults.clear()
        await wait_for(pilot, lambda: "live" in top(app), limit=15, what="recovered")


async def test_hanging_api_keeps_keys_working_one_request_per_resource(
        server: SimServer) -> None:
    policy = PollPolicy(**{**FAST.__dict__, "backoff_base": 0.1, "backoff_cap": 0.2})
    app = make_app(server, policy=policy, timeout=0.5)
    sent = record_requests(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        server.faults.add("*:hang=30")

        def timed_out_by_path() -> dict[str, list[tuple[float, float]]]:
            by_path: dict[str, list[tuple[float, float]]] = {}
            for start, end, _, path, code in list(sent):
                if code is None:
                    by_path.setdefault(path, []).append((start, end))
            return by_path

        # Wait until one resource has timed out twice (how many others time out first
        # depends on the machine's load), so the no-overlap check below has pairs to look at.
        await wait_for(pilot, lambda: any(len(spans) >= 2
                                          for spans in timed_out_by_path().values()),
                       limit=20, what="a resource timing out twice")
        assert app.snapshot.timed_out_polls >= 2
        await keys_still_work(pilot, app)
        by_path = timed_out_by_path()
        for path, spans in by_path.items():
            spans.sort()
            for (_, first_end), (second_start, _) in itertools.pairwise(spans):
                assert second_start >= first_end - 0.01, f"{path}: two requests at once"
        server.faults.clear()
        await wait_for(pilot, lambda: "live" in top(app), limit=15, what="recovered")


async def test_malformed_and_wrong_shapes_mark_only_their_resource(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        await wait_for(pilot, lambda: app.snapshot.stats is not None, what="stats")
        good_stats = app.snapshot.stats
        balance_polls = sum(1 for e in list(server.log) if e.prefix == "user")
        server.faults.add("GET runs/:malformed;squids:wrongshape")
        await wait_for(pilot, lambda: {"stats", "squids"} <= set(app.snapshot.errors),
                       what="bad resources marked")
        await wait_for(pilot, lambda: sum(1 for e in list(server.log) if e.prefix == "user")
                       > balance_polls + 1, what="balance keeps updating")
        assert app.snapshot.stats == good_stats
        assert len(app.snapshot.squids) == 12, "the last good squid list stays"
        detail = "\n".join(str(w.render()) for w in app.query_one(RunDetail).query("Static"))
        assert "stats unreadable" in detail
        assert "live" in top(app)
        server.faults.clear()
        await wait_for(pilot, lambda: not app.snapshot.errors, limit=10, what="recovered")


async def test_unknown_status_and_reason_shown_verbatim(server: SimServer,
                                                        world: World) -> None:
    squid = next(s for s in world.squids.values() if s.name == "Amazon reviews headphones")
    odd = world.runs[squid.run_ids[0]]
    odd.status, odd.done_reason = "teleporting", "moon_in_retrograde"
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Amazon reviews headphones")
        table = app.query_one(RunsTable)
        cells = [c.plain for c in table.get_row(odd.id)]
        assert "? teleporting" in cells and "moon_in_retrograde" in cells
        assert "teleporting" in app.query_one("#run-line").render().__str__()


async def test_401_mid_session_slows_right_down(server: SimServer, world: World) -> None:
    fake = FakeClock(world.clock)
    policy = PollPolicy()
    app = make_app(server, policy=policy, clocks=fake.clocks)
    sent = record_requests(app, fake)
    async with app.run_test(size=(120, 40)) as pilot:
        await run_for(fake, app.scheduler, 6)
        server.token = "rotated-token"
        await run_for(fake, app.scheduler, 6)
        await wait_for(pilot, lambda: "unauthorized: check LOBSTR_TOKEN" in top(app),
                       what="unauthorized")
        last_rejected = max(end for _, end, _, _, code in sent if code == 401)
        every = policy.unauthorized_every
        await run_for(fake, app.scheduler, last_rejected + 2 * every + 1 - fake.t)
        later = [(end - last_rejected, path) for _, end, _, path, _ in sent
                 if end > last_rejected]
        assert later == [(every, "me"), (2 * every, "me")], "one slow probe, no storm"
        assert "check LOBSTR_TOKEN" in log_text(app)
        assert app.query_one(RunsTable).row_count > 0, "the screen keeps its data"
        await keys_still_work(pilot, app)


async def test_selected_squid_deleted_moves_on(server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        target = await select_squid(pilot, app, "Booking hotels Rome")
        world.delete_squid(target)
        await wait_for(pilot, lambda: app.snapshot.selected_squid_id not in (None, target),
                       what="selection moved on")
        assert "no longer exists" in log_text(app)
        assert target not in {s.id for s in app.snapshot.squids}


async def test_selected_run_deleted_moves_on(server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        target = await select_squid(pilot, app, "Booking hotels Rome")
        run_id = app.snapshot.selected_run_id
        assert run_id is not None
        world.runs.pop(run_id)
        world.squids[target].run_ids.remove(run_id)
        app.scheduler.refresh()
        await wait_for(pilot, lambda: app.snapshot.selected_run_id not in (None, run_id),
                       what="selection moved on")
        assert f"run {run_id[:6]} no longer exists" in log_text(app)


async def test_launch_timeout_rereads_instead_of_launching_again(server: SimServer,
                                                                 world: World) -> None:
    app = make_app(server, timeout=0.5)
    async with app.run_test(size=(120, 40)) as pilot:
        target = await select_squid(pilot, app, "Booking hotels Rome")
        server.faults.add("POST runs:slowreply=3*1")
        await pilot.press("l", "y")
        await wait_for(pilot, lambda: app.last_outcome is not None, what="answer")
        outcome = app.last_outcome
        assert outcome is not None and outcome.ok
        assert "no answer" in outcome.message and "it started" in outcome.message
        assert outcome.run_id == world.squids[target].run_ids[0]
        posts = [e for e in list(server.log) if e.method == "POST" and e.path == "runs"]
        assert len(posts) == 1


async def test_abort_of_a_run_that_finished_meanwhile(server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        target = await select_squid(pilot, app, "Google Maps FR restaurants")
        run_id = world.squids[target].run_ids[0]
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="dialog")
        sim_run = world.runs[run_id]
        sim_run.status, sim_run.done_reason = "done", "tasks_done"
        await pilot.press("y")
        await wait_for(pilot, lambda: app.last_outcome is not None, what="answer")
        assert app.last_outcome is not None and "had already finished" in (
            app.last_outcome.message)
        table = app.query_one(RunsTable)
        status = table.column_keys.index("status")
        await wait_for(pilot, lambda: table.get_row(run_id)[status].plain == "✓ done",
                       what="table corrected")


async def test_palette_launch_still_asks(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Booking hotels Rome")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        for key in "launch":
            await pilot.press(key)
        palette = app.screen
        await wait_for(pilot, lambda: str(
            palette.query_one(CommandList).get_option_at_index(0).prompt).startswith(
            "Launch\nStart a run") if palette.query_one(CommandList).option_count else False,
            what="the launch command offered")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert not any(e.method == "POST" for e in list(server.log))
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen),
                       what="dialog closed")
        await app.scheduler.stop()  # nothing can be in flight any more
        assert not any(e.method == "POST" for e in list(server.log))
