"""The fault matrix: the real app under Pilot while the simulator misbehaves.

Each test says what the user sees during the fault, that the app stays responsive, and
what happens once the fault clears. See docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from itertools import pairwise

import pytest
from textual import events
from textual.pilot import Pilot

from lobstr_tui.api import LobstrClient
from lobstr_tui.monitor import PollPolicy
from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.confirm_screen import ConfirmScreen
from lobstr_tui.ui.event_log import EventLog
from lobstr_tui.ui.run_detail import RunDetail
from lobstr_tui.ui.runs_table import RunsTable
from lobstr_tui.ui.top_bar import TopBar
from tests.conftest import TOKEN
from tests.ui_support import FAST, make_app, select_squid, wait_for


def top(app: LobstrApp) -> str:
    return str(app.query_one(TopBar).render())


def log_text(app: LobstrApp) -> str:
    log = app.query_one(EventLog)
    log.flush()
    return "\n".join(log.lines)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def requests(server: SimServer, since: float, *, prefix: str | None = None,
             path: str | None = None) -> list[float]:
    return [e.at for e in list(server.log) if e.at >= since
            and (prefix is None or e.prefix == prefix) and (path is None or e.path == path)]


async def responsive(pilot: Pilot[None], app: LobstrApp) -> float:
    """Seconds from a key event reaching the app (``f``: follow the log) to its effect."""
    log = app.query_one(EventLog)
    before = log.follow
    started = time.perf_counter()
    app.post_message(events.Key("f", "f"))
    for _ in range(1000):
        if log.follow is not before:
            break
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - started
    assert log.follow is not before, "the key was handled"
    await pilot.press("f")
    return elapsed


@pytest.fixture
def port_world(world: World) -> Iterator[tuple[int, World]]:
    yield free_port(), world


async def test_unreachable_at_start_then_connects(port_world: tuple[int, World]) -> None:
    port, world = port_world
    client = LobstrClient(TOKEN, f"http://127.0.0.1:{port}/v1/", timeout=1.0)
    app = LobstrApp(client, clock=world.clock.now, policy=FAST, poll_seconds=0.2, seed=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "offline, retrying in" in top(app), what="offline")
        await pilot.pause(0.5)  # let the first layout settle; the fault goes on
        assert await responsive(pilot, app) < 0.1
        with SimServer(world, token=TOKEN, port=port):
            await wait_for(pilot, lambda: "live" in top(app) and app.snapshot.squids_loaded,
                           what="connected by itself")
            await wait_for(pilot, lambda: app.query_one(RunsTable).row_count > 0,
                           what="data on screen")
        assert "connection restored" in log_text(app) or "connected" in log_text(app)


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
            await wait_for(pilot, lambda: "stale 40s" in top(app)
                           and "offline, retrying in" in top(app), what="stale marker")
            assert app.query_one(RunsTable).row_count == rows, "last good data stays"
            assert await responsive(pilot, app) < 0.1
            server = SimServer(world, token=TOKEN, port=port).start()
            lost_at = time.monotonic()
            await wait_for(pilot, lambda: "live" in top(app), what="live again")
            assert time.monotonic() - lost_at <= FAST.backoff_cap * 1.2 + 1.0
            assert "connection lost" in log_text(app)
            assert "connection restored" in log_text(app)
    finally:
        server.stop()


async def test_429_storm_honours_retry_after(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        start = time.monotonic()
        server.faults.add("runs:ratelimit=2")
        await wait_for(pilot, lambda: "rate-limited, resuming in" in top(app),
                       what="rate-limited marker")
        await pilot.pause(4.5)
        hits = requests(server, start, prefix="runs")
        # Requests already in flight when a 429 lands arrive together; after that, the
        # prefix stays silent for Retry-After seconds.
        bursts = [t for i, t in enumerate(hits) if i == 0 or t - hits[i - 1] > 0.3]
        gaps = [b - a for a, b in pairwise(bursts)]
        assert len(bursts) >= 2 and all(gap >= 1.9 for gap in gaps), gaps
        assert await responsive(pilot, app) < 0.1
        server.faults.clear()
        await wait_for(pilot, lambda: "live" in top(app), limit=10, what="resumed")
        steady = time.monotonic()
        await pilot.pause(2.0)
        statuses = [e.status for e in list(server.log) if e.at >= steady]
        assert statuses and 429 not in statuses and None not in statuses


async def test_5xx_and_html_pages_back_off_with_jitter_to_a_cap(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        start = time.monotonic()
        server.faults.add("squids:status=503;user:html;me:html")
        await wait_for(pilot, lambda: "stale" in top(app), what="stale marker")
        await pilot.pause(5.0)
        hits = requests(server, start, path="squids")
        gaps = [round(b - a, 3) for a, b in pairwise(hits)]
        assert len(gaps) >= 4
        assert gaps[-1] > gaps[0], f"backoff grows: {gaps}"
        assert max(gaps) <= FAST.backoff_cap * 1.2 + 0.3, f"backoff is capped: {gaps}"
        assert len(set(gaps)) == len(gaps), "jitter: no two waits are equal"
        assert app.query_one(RunsTable).row_count > 0
        server.faults.clear()
        await wait_for(pilot, lambda: "live" in top(app), limit=10, what="recovered")


async def test_hanging_api_keeps_ui_responsive_one_request_per_resource(
        server: SimServer) -> None:
    policy = PollPolicy(**{**FAST.__dict__, "backoff_base": 0.1, "backoff_cap": 0.2})
    client = LobstrClient(TOKEN, server.base_url, timeout=0.5)
    app = LobstrApp(client, clock=server.world.clock.now, policy=policy, poll_seconds=0.2,
                    seed=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        start = time.monotonic()
        server.faults.add("*:hang=30")
        await pilot.pause(3.0)
        assert await responsive(pilot, app) < 0.1
        assert app.snapshot.timed_out_polls >= 3
        by_path: dict[str, list[float]] = {}
        for entry in list(server.log):
            if entry.at >= start and entry.status is None:
                by_path.setdefault(entry.path, []).append(entry.at)
        assert by_path
        for path, times in by_path.items():
            gaps = [b - a for a, b in pairwise(times)]
            assert all(gap >= 0.45 for gap in gaps), f"{path} piled up: {gaps}"
        server.faults.clear()
        await wait_for(pilot, lambda: "live" in top(app), limit=10, what="recovered")


async def test_malformed_and_wrong_shapes_mark_only_their_resource(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        await wait_for(pilot, lambda: app.snapshot.stats is not None, what="stats")
        good_stats = app.snapshot.stats
        server.faults.add("GET runs/:malformed;squids:wrongshape")
        start = time.monotonic()
        await wait_for(pilot, lambda: {"stats", "squids"} <= set(app.snapshot.errors),
                       what="bad resources marked")
        await pilot.pause(0.5)
        assert app.snapshot.stats == good_stats
        assert len(app.snapshot.squids) == 12, "the last good squid list stays"
        detail = "\n".join(str(w.render()) for w in app.query_one(RunDetail).query("Static"))
        assert "stats unreadable" in detail
        assert requests(server, start, prefix="user"), "balance keeps updating"
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


async def test_401_mid_session_slows_right_down(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Google Maps FR restaurants")
        server.token = "rotated-token"
        await wait_for(pilot, lambda: "unauthorized: check LOBSTR_TOKEN" in top(app),
                       what="unauthorized")
        quiet_from = time.monotonic()
        await pilot.pause(3.0)
        assert len(requests(server, quiet_from)) <= 2, "no retry storm"
        assert "check LOBSTR_TOKEN" in log_text(app)
        assert await responsive(pilot, app) < 0.1


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
    client = LobstrClient(TOKEN, server.base_url, timeout=0.5)
    app = LobstrApp(client, clock=world.clock.now, policy=FAST, poll_seconds=0.2, seed=1)
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
        await wait_for(pilot, lambda: app.query_one(RunsTable).get_row(run_id)[7].plain
                       == "✓ done", what="table corrected")


async def test_palette_launch_still_asks(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_squid(pilot, app, "Booking hotels Rome")
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        for key in "launch":
            await pilot.press(key)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert not any(e.method == "POST" for e in list(server.log))
        await pilot.press("n")
        await pilot.pause(0.3)
        assert not any(e.method == "POST" for e in list(server.log))
