"""The poll scheduler on a fake clock against the simulator over loopback HTTP.

Time moves only when a test moves it, so every test here states the exact instants at
which requests are sent: poll periods, Retry-After, backoff, the rate budget, the slow
probe after a rejected token. Nothing waits on real time but the HTTP round trips.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace

import pytest

from lobstr_tui.api import LobstrClient, Page, RequestRecord, Run
from lobstr_tui.launch import build_scheduler
from lobstr_tui.monitor import Event, LinkState, PollPolicy, PollScheduler, Snapshot
from lobstr_tui.sim import SimServer, World
from tests.conftest import TOKEN, manual_world
from tests.fake_clock import FakeClock, run_for, settle

START = 1000.0


@dataclass
class Watch:
    """A scheduler on a fake clock, with every request it sent (at fake instants)."""

    scheduler: PollScheduler
    clock: FakeClock
    sent: list[tuple[float, str, str, int | None]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    runs_pages: list[tuple[float, str, int]] = field(default_factory=list)
    """Each read of a squid's runs: (instant, squid id, page size)."""

    def runs_of(self, squid_id: str | None) -> list[float]:
        """Instants of the reads of a squid's runs list (not of its newest run alone)."""
        return [round(t - START, 3) for t, squid, limit in self.runs_pages
                if squid == squid_id and limit > 1]

    def at(self, match: Callable[[str], bool], *, method: str = "GET") -> list[float]:
        """Fake instants (relative to the start) of the requests whose path matches."""
        return [round(t - START, 3) for t, m, path, _ in self.sent
                if m == method and match(path)]

    @property
    def snapshot(self) -> Snapshot:
        return self.scheduler.snapshot


SELECTED_RUN = next(run.id for run in manual_world().runs.values()
                    if run.status == "running")[:6]
"""The demo's running Google Maps run (seeded ids), selected at start; the board also
reads other runs' stats (once for a paused or errored one), which these tests leave out."""


def stats(path: str) -> bool:
    return path.endswith("/stats") and f"runs/{SELECTED_RUN}" in path


def credits(path: str) -> bool:
    return path.endswith("/credits")


def squids(path: str) -> bool:
    return path == "squids"


def runs_list(path: str) -> bool:
    return path == "runs"


def runs_prefix(path: str) -> bool:
    return path.split("/", 1)[0] == "runs"


async def watching(server: SimServer, world: World, policy: PollPolicy | None = None, *,
                   base_url: str | None = None, frozen_world: bool = False,
                   request_timeout: float = 5.0) -> AsyncIterator[Watch]:
    clock = FakeClock(None if frozen_world else world.clock, start=START)
    client = LobstrClient(TOKEN, base_url or server.base_url, timeout=request_timeout)
    scheduler = build_scheduler(client, policy=policy or PollPolicy(), clocks=clock.clocks,
                                seed=3)
    watch = Watch(scheduler, clock)
    scheduler.listener = lambda snapshot, found: watch.events.extend(found)
    observe = client.on_response

    def record(entry: RequestRecord) -> None:
        path = entry.path.split("?")[0].removeprefix("/v1/").strip("/")
        watch.sent.append((clock.t, entry.method, path, entry.status_code))
        if observe is not None:
            observe(entry)

    client.on_response = record
    runs_page = client.runs_page

    async def logged_runs_page(squid_id: str, *, page: int = 1, limit: int = 50) -> Page[Run]:
        watch.runs_pages.append((clock.t, squid_id, limit))
        return await runs_page(squid_id, page=page, limit=limit)

    client.runs_page = logged_runs_page  # type: ignore[method-assign]
    scheduler.start()
    try:
        yield watch
    finally:
        await scheduler.stop()
        await client.aclose()


@pytest.fixture
async def watch(server: SimServer, world: World) -> AsyncIterator[Watch]:
    async for running in watching(server, world):
        yield running


async def test_first_poll_fills_the_snapshot_at_once(watch: Watch, world: World) -> None:
    await settle(watch.scheduler)
    snap = watch.snapshot
    assert snap.connection.state is LinkState.LIVE
    assert {s.id for s in snap.squids} == set(world.squids)
    first = world.squids[snap.squids[0].id]
    assert snap.selected_squid_id == first.id
    active = snap.active_run
    assert active is not None and active.id == first.run_ids[0]
    assert snap.selected_run_id == active.id
    assert snap.stats is not None and snap.stats.id == active.id
    assert snap.credits is not None and snap.balance is not None and snap.me is not None
    assert snap.tasks and all(t.run == active.id for t in snap.tasks)
    assert {p for _, _, p, _ in watch.sent} >= {"me", "user/balance", "squids", "runs",
                                                f"runs/{active.id}/stats",
                                                f"runs/{active.id}/credits", "runtasks"}
    assert set(watch.at(lambda p: True)) == {0.0}, "everything at the first instant"


async def test_poll_periods_are_exact_over_two_minutes(watch: Watch) -> None:
    await run_for(watch.clock, watch.scheduler, 120)
    policy = PollPolicy()
    selected = watch.snapshot.selected_run_id
    assert watch.at(lambda p: p == f"runs/{selected}/stats") == [
        i * policy.stats_every for i in range(25)]
    assert watch.runs_of(watch.snapshot.selected_squid_id) == [
        i * policy.active_runs_every for i in range(11)]
    assert watch.at(squids) == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert watch.at(credits) == [0.0, 45.0, 90.0]
    assert watch.at(lambda p: p == "user/balance") == [0.0, 120.0]
    assert watch.at(lambda p: p == "me") == [0.0]
    tasks = watch.at(lambda p: p == "runtasks")
    assert len(tasks) >= 2, "the run moves, so its tasks are read again"
    assert all(b - a >= policy.tasks_min_every for a, b in itertools.pairwise(tasks))


async def test_run_tasks_are_read_only_when_tasks_done_changes(server: SimServer,
                                                               world: World) -> None:
    async for watch in watching(server, world, frozen_world=True):
        await run_for(watch.clock, watch.scheduler, 60)
        assert len(watch.at(stats)) == 13
        assert watch.at(lambda p: p == "runtasks") == [0.0], "tasks-done never changed"
        world.clock.advance(60)  # the run moves on; the scheduler sees it at its next poll
        await run_for(watch.clock, watch.scheduler, 5)
        assert watch.at(lambda p: p == "runtasks") == [0.0, 65.0]


async def test_retry_after_closes_only_its_prefix(server: SimServer, world: World) -> None:
    # A squid list every second is far over the default request budget: lift it.
    policy = PollPolicy(squids_every=1.0, stats_every=5.0, budget_per_minute=1000.0)
    async for watch in watching(server, world, policy):
        await run_for(watch.clock, watch.scheduler, 10)
        server.faults.add("runs:ratelimit=2*1")
        await run_for(watch.clock, watch.scheduler, 5)
        limited = [t for t, _, p, code in watch.sent if code == 429]
        assert len(limited) == 1 and runs_prefix(
            next(p for t, _, p, code in watch.sent if code == 429))
        hit = limited[0] - START
        assert hit == 12.0, "the runs poll at 12 s met the 429"
        after = [t for t in watch.at(runs_prefix) if t > hit]
        assert after and min(after) >= hit + 2.0, "nothing to runs before Retry-After"
        assert [t for t in watch.at(squids) if hit < t < hit + 2.0] == [hit + 1.0], \
            "other prefixes keep their period"
        assert watch.snapshot.connection.state is LinkState.LIVE


async def test_rate_limited_state_shows_until_retry_after(server: SimServer,
                                                          world: World) -> None:
    async for watch in watching(server, world):
        await settle(watch.scheduler)
        server.faults.add("*:ratelimit=30*1")
        watch.scheduler.refresh()
        await settle(watch.scheduler)
        snap = watch.snapshot
        assert snap.connection.state is LinkState.RATE_LIMITED
        assert snap.connection.retry_at is not None
        assert (snap.connection.retry_at - watch.clock.now()).total_seconds() == \
            pytest.approx(30.0, abs=0.01)
        await run_for(watch.clock, watch.scheduler, 29)
        assert watch.snapshot.connection.state is LinkState.RATE_LIMITED
        await run_for(watch.clock, watch.scheduler, 6)
        assert watch.snapshot.connection.state is LinkState.LIVE


async def test_rate_budget_caps_each_prefix_per_minute(server: SimServer,
                                                       world: World) -> None:
    # runs: 120/min documented; a share of 0.05 leaves 6 requests a minute to the prefix.
    policy = PollPolicy(stats_every=2.0, budget_share=0.05)
    async for watch in watching(server, world, policy):
        await run_for(watch.clock, watch.scheduler, 150)
        times = watch.at(runs_prefix)
        budget = watch.scheduler.gate.budget("runs")
        assert budget == 6
        for i, start in enumerate(times):
            window = [t for t in times[i:] if t < start + 60.0]
            assert len(window) <= budget, (start, window)
        # the budget is used, not just respected: the 7th request waits for the window.
        assert times[budget] == times[0] + 60.0


async def test_failures_back_off_exponentially_with_jitter_up_to_a_cap(
        server: SimServer, world: World) -> None:
    policy = PollPolicy(squids_every=5.0, backoff_base=2.0, backoff_cap=30.0)
    async for watch in watching(server, world, policy):
        await settle(watch.scheduler)
        server.faults.add("squids:status=503")
        await run_for(watch.clock, watch.scheduler, 240)
        failing = [t for t, _, p, code in watch.sent if squids(p) and code == 503]
        gaps = [b - a for a, b in itertools.pairwise(failing)]
        assert len(gaps) >= 8
        for n, gap in enumerate(gaps, start=1):
            expected = min(policy.backoff_cap, policy.backoff_base * 2 ** (n - 1))
            assert expected * 0.8 <= gap <= expected * 1.2, (n, gap)
        assert len({round(g, 6) for g in gaps}) == len(gaps), "jitter: no two waits equal"
        assert (watch.snapshot.age("squids") or 0) >= 235, "the list is as old as it is"
        assert watch.snapshot.failed_polls == len(failing)
        server.faults.clear()
        await run_for(watch.clock, watch.scheduler, policy.backoff_cap * 1.2)
        age = watch.snapshot.age("squids")
        assert age is not None and age < policy.squids_every
        assert watch.snapshot.connection.state is LinkState.LIVE


async def test_low_remaining_header_waits_for_the_window_reset(server: SimServer,
                                                               world: World) -> None:
    async for watch in watching(server, world):
        await settle(watch.scheduler)
        gate = watch.scheduler.gate
        from lobstr_tui.api import RateLimit

        epoch = watch.clock.clocks.epoch()
        gate.observe("squids", RateLimit(120, 2, epoch + 20, None), now=watch.clock.t,
                     epoch=epoch)
        watch.scheduler.refresh()
        await run_for(watch.clock, watch.scheduler, 30)
        refreshed = [t for t in watch.at(squids) if t > 0]
        assert refreshed and refreshed[0] == pytest.approx(20.0, abs=0.01)
        assert watch.at(stats)[:3] == [0.0, 0.0, 5.0], "other prefixes are not held"


async def test_rejected_token_leaves_one_slow_probe(server: SimServer, world: World) -> None:
    async for watch in watching(server, world):
        await run_for(watch.clock, watch.scheduler, 6)
        server.token = "rotated-token"
        await run_for(watch.clock, watch.scheduler, 5)
        rejected = [t - START for t, _, _, code in watch.sent if code == 401]
        assert rejected and watch.snapshot.connection.state is LinkState.UNAUTHORIZED
        last = max(rejected)
        await run_for(watch.clock, watch.scheduler, 600)
        later = [(round(t - START, 3), p) for t, _, p, _ in watch.sent if t - START > last]
        every = PollPolicy().unauthorized_every
        assert later == [(last + every, "me"), (last + 2 * every, "me")]
        server.token = TOKEN
        watch.scheduler.refresh()
        await settle(watch.scheduler)
        assert watch.snapshot.connection.state is LinkState.LIVE
        assert any(e.text == "unauthorized: the token was rejected; check LOBSTR_TOKEN"
                   for e in watch.events)


async def test_bad_stats_keep_last_good_data_and_mark_only_their_resource(
        server: SimServer, world: World) -> None:
    async for watch in watching(server, world):
        await settle(watch.scheduler)
        good = watch.snapshot.stats
        server.faults.add("runs/:malformed")
        await run_for(watch.clock, watch.scheduler, 5)
        snap = watch.snapshot
        assert "stats" in snap.errors and "not JSON" in snap.errors["stats"]
        assert snap.stats == good, "the last good stats stay"
        assert snap.connection.state is LinkState.LIVE, "one resource, not the link"
        server.faults.clear()
        await run_for(watch.clock, watch.scheduler, 10)
        assert "stats" not in watch.snapshot.errors
        assert watch.snapshot.stats != good, "fresh stats again"


async def test_offline_at_start_then_connects_by_itself(world: World) -> None:
    probe = SimServer(world, token=TOKEN)
    port = probe.port
    probe.stop()
    base = f"http://127.0.0.1:{port}/v1/"
    policy = PollPolicy(backoff_base=2.0, backoff_cap=8.0)
    async for watch in watching(probe, world, policy, base_url=base, request_timeout=2.0):
        await settle(watch.scheduler)
        snap = watch.snapshot
        assert snap.connection.state is LinkState.OFFLINE
        assert snap.connection.retry_at is not None and snap.connection.detail
        assert not snap.squids_loaded
        with SimServer(world, token=TOKEN, port=port):
            await run_for(watch.clock, watch.scheduler, policy.backoff_cap * 1.2)
            assert watch.snapshot.squids_loaded
            assert watch.snapshot.connection.state is LinkState.LIVE
        assert any(e.text.startswith("connection lost: ") for e in watch.events)


async def test_older_runs_are_a_budgeted_job() -> None:
    from tests.conftest import manual_world

    world = manual_world("large", squids=3, runs=130)
    big = next(s for s in world.squids.values() if len(s.run_ids) > 50)
    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            await settle(watch.scheduler)
            watch.scheduler.select_squid(big.id)
            await settle(watch.scheduler)
            assert len(watch.snapshot.runs) == 50
            before = watch.scheduler.gate.sent_in_window("runs", watch.clock.t)
            watch.scheduler.load_more_runs()
            assert watch.snapshot.runs_loading_more
            await settle(watch.scheduler)
            assert not watch.snapshot.runs_loading_more
            assert [r.id for r in watch.snapshot.runs] == big.run_ids[:100]
            assert watch.scheduler.gate.sent_in_window("runs", watch.clock.t) == before + 1
            assert [p for _, _, p, _ in watch.sent].count("runs") >= 2


async def test_launch_guard_and_flags(server: SimServer, world: World) -> None:
    quiet = next(s for s in world.squids.values()
                 if not any(world.runs[r].is_active for r in s.run_ids) and s.is_ready)
    async for watch in watching(server, world):
        await settle(watch.scheduler)
        watch.scheduler.select_squid(quiet.id)
        await settle(watch.scheduler)
        first = watch.scheduler.launch(quiet.id)
        assert watch.scheduler.snapshot.launching, "in flight from the first instant"
        second = await watch.scheduler.launch(quiet.id)
        assert not second.ok and "already in flight" in second.message
        outcome = await first
        assert outcome.ok and outcome.run_id == world.squids[quiet.id].run_ids[0]
        again = await watch.scheduler.launch(quiet.id)
        assert not again.ok and "was just launched" in again.message
        assert len(watch.at(runs_list, method="POST")) == 1
        assert not watch.snapshot.launching
        watch.clock.advance(11)
        refusal = watch.scheduler.launch_refusal(quiet.id)
        assert refusal is None, "the guard lasts 10 s"


async def test_an_unexpected_error_never_leaves_an_action_stuck(
        server: SimServer, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    quiet = next(s for s in world.squids.values()
                 if not any(world.runs[r].is_active for r in s.run_ids) and s.is_ready)
    async for watch in watching(server, world):
        await settle(watch.scheduler)

        async def broken(squid_id: str) -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(watch.scheduler.client, "start_run", broken)
        with pytest.raises(RuntimeError):
            await watch.scheduler.launch(quiet.id)
        assert not watch.snapshot.launching
        assert watch.scheduler.launch_refusal(quiet.id) is None
        monkeypatch.undo()
        outcome = await watch.scheduler.launch(quiet.id)
        assert outcome.ok


async def test_an_unexpected_error_in_a_poll_costs_only_that_poll(
        server: SimServer, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    async for watch in watching(server, world):
        await settle(watch.scheduler)

        async def broken() -> None:
            raise KeyError("surprise")

        monkeypatch.setattr(watch.scheduler.client, "balance", broken)
        watch.scheduler.refresh()
        await run_for(watch.clock, watch.scheduler, 10)
        snap = watch.snapshot
        assert "internal error: KeyError" in snap.errors.get("balance", "")
        assert len(watch.at(stats)) >= 3, "polling goes on"


async def test_stop_cancels_everything_in_flight(server: SimServer, world: World) -> None:
    server.faults.add("*:hang=30")
    async for watch in watching(server, world):
        for _ in range(500):
            if watch.scheduler._in_flight:
                break
            await asyncio.sleep(0.01)
        assert watch.scheduler._in_flight
        await watch.scheduler.stop()
        assert not watch.scheduler._in_flight
    server.faults.clear()


def test_policy_override_keeps_other_periods() -> None:
    client = LobstrClient(TOKEN, "http://127.0.0.1:9/v1/")
    scheduler = build_scheduler(client, poll_seconds=7.0, policy=replace(
        PollPolicy(), squids_every=33.0))
    assert scheduler.policy.stats_every == 7.0 and scheduler.policy.squids_every == 33.0


async def test_one_answer_is_published_once(server: SimServer, world: World) -> None:
    # The first runs page selects a run (its stats are then read): that answer and the
    # selection it makes are one snapshot, not two (each one rendered in full).
    published: list[tuple[int, Snapshot]] = []
    async for watch in watching(server, world):
        scheduler = watch.scheduler

        def listen(snap: Snapshot, found: list[Event], sender: PollScheduler = scheduler
                   ) -> None:
            published.append((sender.requests_sent, snap))

        scheduler.listener = listen
        await settle(scheduler)
        await run_for(watch.clock, scheduler, 30)
    assert len(published) >= 5
    assert published[-1][1].selected_run_id is not None
    twice = [(sent, b.taken_at) for (sent, a), (sent_b, b) in itertools.pairwise(published)
             if sent == sent_b and (a.cadence, a.budget_note) == (b.cadence, b.budget_note)]
    assert twice == []  # a second snapshot with no answer nor plan between them
