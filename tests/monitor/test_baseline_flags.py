"""A run measured against its squid's own history, on the fake clock against the
simulator: a run slowed through ``/_sim/runs/{id}/pace`` is flagged ``slow`` on its board
row, alerted once (``run.anomaly`` with kind, ratio, median, n), a run at the usual pace
is not; a squid with too few runs is not compared; a finished run with half the usual
results is a warning among the recently ended; the history costs one request a squid."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import timedelta

import httpx

from lobstr_tui.monitor import Event, Level
from lobstr_tui.monitor.model.baseline import FlagKind, Measure
from lobstr_tui.sim import SimClock, SimServer, World
from lobstr_tui.sim.entities import SimSquid
from tests.conftest import FROZEN_START, TOKEN, manual_world
from tests.fake_clock import run_for
from tests.monitor.test_scheduler import watching


def squid_with_past(world: World, name: str, past: int) -> SimSquid:
    """A squid of 10 tasks of 20 results (usually 207 s a run) with ``past`` runs."""
    squid = world.add_squid(name, "Google Maps Search Export",
                            tasks=[({"url": f"https://maps.example/{name}/{i}"}, 20)
                                   for i in range(10)], concurrency=1,
                            created_at=world.now - timedelta(days=60))
    squid.results_per_second = 1.0
    rng = random.Random(name)
    for n in range(past):
        world.add_history_run(squid, status="done", done_reason="tasks_done",
                              started_at=world.now - timedelta(days=past - n),
                              duration=207 * rng.uniform(0.9, 1.1),
                              share=rng.uniform(0.95, 1.0))
    return squid


def three_squids() -> tuple[World, dict[str, str]]:
    """``slow`` and ``steady`` with 12 past runs each and a run going; ``new`` with 3."""
    world = World(clock=SimClock(start=FROZEN_START, manual=True))
    world.add_squid("idle", "Google Maps Search Export",
                    tasks=[({"url": "https://maps.example/idle"}, 5)])
    runs: dict[str, str] = {}
    for name, past in (("slow", 12), ("steady", 12), ("new", 3)):
        squid = squid_with_past(world, name, past)
        run = world.start_run(squid.id)
        world.advance_run_for(run, 4)
        runs[name] = run.id
    return world, runs


def anomalies(events: list[Event]) -> list[Event]:
    return [e for e in events if e.alert == "run.anomaly"]


async def test_a_paced_run_is_flagged_slow_once_and_a_steady_one_is_not() -> None:
    world, runs = three_squids()
    with SimServer(world, token=TOKEN) as server:
        root = server.base_url.removesuffix("/v1/")
        async with httpx.AsyncClient() as http:
            paced = await http.post(f"{root}/_sim/runs/{runs['slow']}/pace",
                                    json={"factor": 0.1},
                                    headers={"Authorization": f"Token {TOKEN}"})
        assert paced.status_code == 200
        async for watch in watching(server, world):
            await run_for(watch.clock, watch.scheduler, 150)
            snapshot = watch.snapshot
            flags = snapshot.anomalies.get(runs["slow"], ())
            assert [f.kind for f in flags] == [FlagKind.SLOW]
            assert flags[0].n == 12 and flags[0].ratio >= 2.0
            assert flags[0].text.startswith("slow: ") and "× usual (n=12)" in flags[0].text
            assert runs["steady"] not in snapshot.anomalies
            assert runs["new"] not in snapshot.anomalies
            new_squid = world.runs[runs["new"]].squid_id
            assert snapshot.baselines[new_squid].usual.note == "too few runs to compare (n=3)"
            # One runs page of 30 per squid for its history (the selected squid's
            # comes with its runs list).
            history = Counter(squid for _, squid, limit in watch.runs_pages if limit == 30)
            assert set(history.values()) == {1} and len(history) == 3
            await run_for(watch.clock, watch.scheduler, 120)
            said = anomalies(watch.events)
            assert [(e.run_id, e.level) for e in said] == [(runs["slow"], Level.WARNING)]
            payload = json.loads(json.dumps(said[0].payload))
            assert payload["event"] == "run.anomaly" and payload["kind"] == "slow"
            assert payload["n"] == 12 and payload["ratio"] >= 2.0
            # The run is under 10% done: compared with 10% of the usual duration.
            usual = snapshot.baselines[world.runs[runs["slow"]].squid_id].usual
            assert payload["median"] == round(usual.spreads[Measure.DURATION].median / 10, 3)
            assert payload["squid"]["name"] == "slow"
            assert said[0].text.startswith(f"squid slow: run {runs['slow'][:6]} slow: ")


async def test_a_run_done_with_half_the_usual_results_is_a_warning() -> None:
    world, runs = three_squids()
    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            await run_for(watch.clock, watch.scheduler, 30)
            world.finish_run(runs["steady"])  # a few results of the usual 200
            await run_for(watch.clock, watch.scheduler, 60)
            ended = next(e for e in watch.snapshot.recent if e.run.id == runs["steady"])
            assert ended.status == "done"
            flags = watch.snapshot.anomalies[runs["steady"]]
            assert FlagKind.FEW_RESULTS in [f.kind for f in flags]
            said = [e for e in anomalies(watch.events) if e.run_id == runs["steady"]]
            assert len(said) == len(flags) and said[0].level is Level.WARNING
            # Said once: while its tasks closed (few results per finished task) or done.
            assert " few results: " in said[0].text and "× usual (n=12)" in said[0].text
            await run_for(watch.clock, watch.scheduler, 60)
            assert len([e for e in anomalies(watch.events)
                        if e.run_id == runs["steady"]]) == len(flags), "once per run and kind"


async def test_the_demos_drifting_run_is_flagged_within_four_minutes() -> None:
    world = manual_world()
    maps = next(r for r in world.runs.values() if r.status == "running")
    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            await run_for(watch.clock, watch.scheduler, 240)
            said = [e for e in anomalies(watch.events) if e.run_id == maps.id]
            assert len(said) == 1 and said[0].payload is not None
            assert said[0].payload["kind"] == "slow" and said[0].payload["n"] >= 5
            assert said[0].at - FROZEN_START <= timedelta(minutes=4)
