"""The poll scheduler against the simulator: what it asks, when, and what it keeps."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from lobstr_tui.api import LobstrClient
from lobstr_tui.monitor import Event, LinkState, PollScheduler, Snapshot
from lobstr_tui.sim import SimServer, World
from tests.conftest import TOKEN
from tests.ui_support import FAST


async def until(condition: Callable[[], object], limit: float = 8.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


def make(server: SimServer, world: World, events: list[Event] | None = None,
         **kwargs: object) -> PollScheduler:
    def listen(snapshot: Snapshot, found: list[Event]) -> None:
        if events is not None:
            events.extend(found)

    client = LobstrClient(TOKEN, server.base_url, timeout=2.0)
    return PollScheduler(client, policy=kwargs.pop("policy", FAST),  # type: ignore[arg-type]
                         clock=world.clock.now, listener=listen, seed=3)


async def test_first_snapshot_has_everything(server: SimServer, world: World) -> None:
    scheduler = make(server, world)
    scheduler.start()
    try:
        await until(lambda: scheduler.snapshot.credits is not None
                    and scheduler.snapshot.tasks != ())
        snap = scheduler.snapshot
        assert snap.connection.state is LinkState.LIVE
        assert len(snap.squids) == len(world.squids)
        assert snap.selected_squid_id == snap.squids[0].id
        active = snap.active_run
        assert active is not None and snap.selected_run_id == active.id
        assert snap.stats is not None and snap.stats.id == active.id
        assert snap.balance is not None and snap.me is not None
    finally:
        await scheduler.stop()
        await scheduler.client.aclose()


async def test_bad_stats_keep_last_good_data_and_mark_the_resource(server: SimServer,
                                                                    world: World) -> None:
    scheduler = make(server, world)
    scheduler.start()
    try:
        await until(lambda: scheduler.snapshot.stats is not None)
        good = scheduler.snapshot.stats
        server.faults.add("runs/:malformed")
        await until(lambda: "stats" in scheduler.snapshot.errors)
        snap = scheduler.snapshot
        assert snap.stats == good, "the last good stats stay on screen"
        assert "not JSON" in snap.errors["stats"]
        assert snap.balance is not None and snap.connection.state is LinkState.LIVE
        server.faults.clear()
        await until(lambda: "stats" not in scheduler.snapshot.errors, limit=10)
    finally:
        await scheduler.stop()
        await scheduler.client.aclose()


async def test_retry_after_is_honoured_per_prefix(server: SimServer, world: World) -> None:
    scheduler = make(server, world)
    scheduler.start()
    try:
        await until(lambda: scheduler.snapshot.stats is not None)
        server.faults.add("runs:ratelimit=2*1")
        await until(lambda: any(e.prefix == "runs" and e.status is None
                                for e in list(server.log)))
        hit = next(e.at for e in list(server.log) if e.prefix == "runs" and e.status is None)
        await until(lambda: scheduler.snapshot.connection.state is LinkState.RATE_LIMITED,
                    limit=2)
        await asyncio.sleep(2.6)
        later = [e.at for e in list(server.log) if e.prefix == "runs" and e.at > hit]
        assert later, "polling resumed after Retry-After"
        assert min(later) - hit >= 1.9, "no request to the prefix before Retry-After"
        squids_during = [e for e in list(server.log) if e.prefix == "squids" and e.at > hit
                         and e.at < hit + 1.9]
        assert squids_during, "other prefixes kept polling"
        await until(lambda: scheduler.snapshot.connection.state is LinkState.LIVE)
    finally:
        await scheduler.stop()
        await scheduler.client.aclose()


async def test_run_tasks_only_when_tasks_done_changes(server: SimServer,
                                                      world: World) -> None:
    scheduler = make(server, world)
    scheduler.start()
    try:
        await until(lambda: scheduler.snapshot.tasks != ())
        await asyncio.sleep(1.5)
        count = sum(1 for e in list(server.log) if e.prefix == "runtasks")
        assert count == 1, "the clock is frozen: tasks-done never changed"
        stats_polls = sum(1 for e in list(server.log) if e.path.endswith("/stats"))
        assert stats_polls >= 4
        world.clock.advance(30)
        await until(lambda: sum(1 for e in list(server.log) if e.prefix == "runtasks") == 2)
    finally:
        await scheduler.stop()
        await scheduler.client.aclose()


async def test_offline_then_connects_by_itself(world: World) -> None:
    probe = SimServer(world, token=TOKEN)
    port = probe.port
    probe.stop()
    client = LobstrClient(TOKEN, f"http://127.0.0.1:{port}/v1/", timeout=1.0)
    events: list[Event] = []

    def listen(snapshot: Snapshot, found: list[Event]) -> None:
        events.extend(found)

    scheduler = PollScheduler(client, policy=FAST, clock=world.clock.now, listener=listen,
                              seed=1)
    scheduler.start()
    try:
        await until(lambda: scheduler.snapshot.connection.state is LinkState.OFFLINE)
        assert scheduler.snapshot.connection.retry_at is not None
        with SimServer(world, token=TOKEN, port=port):
            await until(lambda: scheduler.snapshot.squids_loaded, limit=10)
            assert scheduler.snapshot.connection.state is LinkState.LIVE
        assert any("connection lost" in e.text for e in events)
    finally:
        await scheduler.stop()
        await client.aclose()
