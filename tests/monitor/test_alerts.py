"""Alerts about any run on the account, on a fake clock against the simulator: none for
the state found at start, each kind once per transition with its payload, the selected
squid's too (one log line each), and credits.low once per crossing."""

from __future__ import annotations

import json
from collections import Counter

from lobstr_tui.monitor import Event, Level
from lobstr_tui.sim import SimServer, World
from tests.conftest import TOKEN, manual_world
from tests.fake_clock import run_for, settle
from tests.monitor.test_board import active_run, busy_world
from tests.monitor.test_scheduler import watching


def alerts(events: list[Event]) -> list[Event]:
    return [e for e in events if e.alert is not None]


async def test_no_alert_for_the_state_found_at_start(server: SimServer, world: World) -> None:
    # The demo has a run going, one paused, one errored: found at start, not news.
    async for watch in watching(server, world, frozen_world=True):
        await run_for(watch.clock, watch.scheduler, 180)
        kinds = {r.run.status.kind.value for r in watch.snapshot.board}
        assert kinds == {"running", "paused", "error"}
        assert alerts(watch.events) == []


async def test_each_alert_once_per_transition_with_its_payload() -> None:
    world, busy = busy_world(4)
    runs = [active_run(world, s) for s in busy]
    ids = [list(world.squids)[-1]]  # an idle squid
    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            await run_for(watch.clock, watch.scheduler, 30)
            assert alerts(watch.events) == []
            started = world.start_run(ids[0]).id
            await run_for(watch.clock, watch.scheduler, 40)
            world.pause_run(started, "cookies_expired", "The session expired")
            await run_for(watch.clock, watch.scheduler, 40)
            world.resume_run(started)
            world.fail_run(runs[0], "Proxy pool unreachable")
            world.finish_run(runs[1], "no_credits_left")
            world.abort_run(runs[2])
            world.finish_run(runs[3])
            await run_for(watch.clock, watch.scheduler, 120)
            seen = Counter((e.run_id, e.alert) for e in alerts(watch.events))
            assert seen == Counter({
                (started, "run.running"): 2, (started, "run.paused"): 1,
                (runs[0], "run.error"): 1, (runs[1], "run.done"): 1,
                (runs[2], "run.aborted"): 1, (runs[3], "run.done"): 1})
            by = {(e.run_id, e.alert, e.text): e for e in alerts(watch.events)}
            name = world.squids[ids[0]].name
            short = started[:6]
            texts = [t for r, _, t in by if r == started]
            assert texts == [f"squid {name}: run {short} started",
                             f"squid {name}: run {short} running → paused: cookies_expired "
                             "(the account's cookies expired) · \"The session expired\"",
                             f"squid {name}: run {short} resumed (was paused)"]
            levels = {(r, a): e.level for (r, a, _), e in by.items()}
            assert levels[(runs[0], "run.error")] is Level.ERROR
            assert levels[(runs[1], "run.done")] is Level.WARNING, "no_credits_left"
            assert levels[(runs[3], "run.done")] is Level.GOOD
            assert levels[(started, "run.paused")] is Level.WARNING
            paused = next(e for e in alerts(watch.events) if e.alert == "run.paused")
            payload = json.loads(json.dumps(paused.payload))
            assert payload["event"] == "run.paused"
            assert payload["at"].endswith("Z") and payload["at"].startswith("2026-11-02T09:")
            assert payload["squid"] == {"id": ids[0], "name": name}
            assert payload["run"]["id"] == started and payload["run"]["status"] == "paused"
            assert payload["run"]["done_reason"] == "cookies_expired"
            assert payload["run"]["done_reason_desc"] == "The session expired"
            assert set(payload["run"]) == {"id", "status", "done_reason", "done_reason_desc",
                                           "percent", "results", "credits"}
            done = next(e for e in alerts(watch.events) if e.run_id == runs[3])
            assert done.payload is not None
            final = world.runs[runs[3]]
            assert done.payload["run"] == {
                "id": runs[3], "status": "done", "done_reason": "tasks_done",
                "done_reason_desc": None, "percent": done.payload["run"]["percent"],  # type: ignore[index]
                "results": final.total_results, "credits": final.total_results * 1.0}
            assert f"· {final.total_results:,} results" in done.text
            lines = [e for e in watch.events if e.squid_id == busy[2] or e.run_id == runs[2]]
            assert len(lines) == 1, "one log line for the abort: the alert"


async def test_the_selected_squid_alerts_in_its_own_log_line(server: SimServer,
                                                            world: World) -> None:
    async for watch in watching(server, world):
        await settle(watch.scheduler)
        run_id = watch.snapshot.selected_run_id or ""
        world.pause_run(run_id, "website_inaccessible")
        await run_for(watch.clock, watch.scheduler, 15)
        about = [e for e in watch.events if e.run_id == run_id]
        assert [e.alert for e in about] == ["run.paused"]
        assert about[0].text.startswith(f"squid {world.squids[about[0].squid_id or ''].name}:")


async def test_credits_low_once_per_crossing() -> None:
    world, _ = busy_world(2)
    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            watch.scheduler.credits_warn = 500.0
            await run_for(watch.clock, watch.scheduler, 30)
            assert alerts(watch.events) == []
            world.set_balance(available=400.0, consumed=0.0)
            await run_for(watch.clock, watch.scheduler, 300)  # balance read every 2 min
            low = [e for e in alerts(watch.events) if e.alert == "credits.low"]
            assert len(low) == 1
            assert low[0].level is Level.WARNING and "credits low: " in low[0].text
            assert low[0].payload is not None
            payload = json.loads(json.dumps(low[0].payload))
            assert payload["squid"] is None and payload["run"] is None
            assert payload["balance"]["available"] == 400.0
            assert 0 < payload["balance"]["remaining"] <= 400.0
            world.set_balance(available=100_000.0)
            await run_for(watch.clock, watch.scheduler, 130)
            assert watch.snapshot.burn is not None and not watch.snapshot.burn.low
            world.set_balance(available=world.account.consumed + 300.0)
            await run_for(watch.clock, watch.scheduler, 130)
            low = [e for e in alerts(watch.events) if e.alert == "credits.low"]
            assert len(low) == 2, "once more after the balance came back and fell again"


async def test_no_duplicate_alert_when_the_list_and_a_read_both_see_it() -> None:
    world = manual_world("large", squids=4, runs=3)
    squid = list(world.squids.values())[1]
    run_id = active_run(world, squid.id)
    squid.results_per_second = 0.05
    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            await run_for(watch.clock, watch.scheduler, 20)
            world.pause_run(run_id, "limit_exceeded")
            await run_for(watch.clock, watch.scheduler, 200)
            assert [e.alert for e in watch.events if e.run_id == run_id] == ["run.paused"]
            assert [e for e in watch.events if e.squid_id == squid.id and e.run_id is None] \
                == []
