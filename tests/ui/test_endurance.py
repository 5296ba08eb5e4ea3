"""Memory stays bounded: log lines, queued events and cached runs have caps that hold."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from lobstr_tui.api import LobstrClient
from lobstr_tui.monitor import Clocks, Event, EventKind, PollScheduler
from lobstr_tui.monitor.model.merge import MAX_CACHED_RUNS
from lobstr_tui.sim import SimServer
from lobstr_tui.ui.widgets.tabs.event_log import MAX_LINES, MAX_PENDING, EventLog
from tests.conftest import TOKEN, manual_world
from tests.ui_support import FAST, make_app


async def test_100k_events_keep_the_log_bounded(server: SimServer) -> None:
    app = make_app(server)
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    async with app.run_test(size=(120, 40)) as pilot:
        log = app.query_one(EventLog)
        for batch in range(100):
            log.add([Event(at, EventKind.PROGRESS, f"event {batch * 1000 + i}")
                     for i in range(1000)])
            assert len(log._pending) <= MAX_PENDING
            if batch % 10 == 9:
                log.flush()
                await pilot.pause()
        log.flush()
        await pilot.pause()
        assert log.total_events >= 100_000
        assert log.line_count <= MAX_LINES
        assert log.texts[-1].endswith("event 99999")
        assert log.lines[-1].endswith("event 99999")


async def test_more_than_10000_runs_stay_capped() -> None:
    world = manual_world("large", squids=2, runs=MAX_CACHED_RUNS + 150)
    with SimServer(world, token=TOKEN, rate_limits={}) as server:
        client = LobstrClient(TOKEN, server.base_url)
        scheduler = PollScheduler(client, policy=FAST, clocks=Clocks(wall=world.clock.now),
                                  seed=1)
        big = next(s.id for s in world.squids.values() if s.name == "Big history squid")
        scheduler.start()
        try:
            scheduler.select_squid(big)
            for _ in range(MAX_CACHED_RUNS // 50 + 10):
                snap = scheduler.snapshot
                if snap.runs_squid_id == big and not snap.runs_has_more:
                    break
                scheduler.load_more_runs()
                for _ in range(200):
                    await asyncio.sleep(0.005)
                    if not scheduler.snapshot.runs_loading_more:
                        break
            snap = scheduler.snapshot
            assert snap.runs_total == MAX_CACHED_RUNS + 150
            assert len(snap.runs) == MAX_CACHED_RUNS
        finally:
            await scheduler.stop()
            await client.aclose()
