"""Freshness per resource: staleness against each poll period, progress with its age,
credits and balance read again when a run pauses or ends, and events about any squid's
run that say why (fake-clock scheduler against the simulator over loopback HTTP)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from lobstr_tui.api import Run, RunStats, RunTask, Squid, StatusKind
from lobstr_tui.monitor import PollPolicy, Snapshot, derive_events
from lobstr_tui.monitor.model import merge
from lobstr_tui.monitor.model.snapshot import Cadence, Progress
from lobstr_tui.sim import SimServer, World
from tests.fake_clock import run_for, settle
from tests.monitor.test_scheduler import credits, runs_list, watching

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
SQUID = "s" * 32
RUN = "r" * 32


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_stale_after_twice_the_period_of_its_own_resource() -> None:
    snap = Snapshot(taken_at=at(0), fetched_at={"stats": at(0), "squids": at(0)},
                    cadence={"stats": Cadence(5.0, at(0)), "squids": Cadence(25.0, at(0))})
    assert not snap.is_stale("stats", at(10)) and snap.is_stale("stats", at(10.5))
    assert not snap.is_stale("squids", at(50)) and snap.is_stale("squids", at(51))
    assert snap.stale_resources(at(30)) == ("stats",)
    assert not snap.is_stale("credits", at(1000)), "not polled now: never stale"


def test_never_read_since_wanted_is_stale_after_twice_the_period() -> None:
    # Stats of a run selected at 100 s: the 0 s answer was about another run.
    snap = Snapshot(taken_at=at(100), fetched_at={"stats": at(0)},
                    cadence={"stats": Cadence(5.0, at(100))})
    assert not snap.is_stale("stats", at(109))
    assert snap.is_stale("stats", at(111))


def squid(status: str, squid_id: str = SQUID) -> Squid:
    return Squid.from_api({"id": squid_id, "name": "S", "last_run_status": status})


def run(status: str, run_id: str = RUN) -> Run:
    return Run.from_api({"id": run_id, "squid": SQUID, "status": status,
                         "created_at": "2026-11-02T08:00:00Z"})


def test_progress_keeps_when_it_was_read_and_goes_when_the_run_ends() -> None:
    snap = Snapshot(taken_at=at(0), squids=(squid("RUNNING"),), squids_loaded=True,
                    selected_squid_id=SQUID, runs=(run("running"),), runs_squid_id=SQUID,
                    selected_run_id=RUN)
    stats = RunStats.from_api({"id": RUN, "percent_done": "10%", "total_tasks": 10,
                               "total_tasks_done": 1})
    read = merge.stats_applied(snap, stats, at(3))
    assert read.progress[SQUID] == Progress(RUN, 10.0, 1, 10, 0, read_at=at(3))
    still = merge.squids_listed(read, (squid("RUNNING"),), at(30))
    assert still.progress[SQUID].read_at == at(3)
    ended = merge.squids_listed(read, (squid("DONE"),), at(30))
    assert SQUID not in ended.progress


def test_the_squid_row_follows_the_newer_runs_answer() -> None:
    snap = Snapshot(taken_at=at(0), squids=(squid("PENDING"),), squids_loaded=True,
                    selected_squid_id=SQUID)
    after = merge.runs_merged(snap, SQUID, (run("running"),), total=1, replace_head=True)
    status = after.squids[0].last_run_status
    assert status is not None and status.kind is StatusKind.RUNNING
    same = merge.runs_merged(after, SQUID, (run("RUNNING"),), total=1, replace_head=True)
    assert same.squids is after.squids, "a change of case changes nothing"


def test_same_state_in_another_spelling_is_no_event() -> None:
    before = Snapshot(taken_at=at(0), runs=(run("done"),), runs_squid_id=SQUID,
                      selected_squid_id=SQUID)
    after = replace(before, taken_at=at(5), runs=(run("finished"),))
    assert derive_events(before, after) == []
    queued = replace(before, taken_at=at(10), runs=(run("QUEUED"),))
    assert [e.text for e in derive_events(before, queued)] == [f"run {RUN[:6]} done → QUEUED"]


def test_task_events_are_not_cut_at_the_source() -> None:
    base = "https://www.google.com/maps/search/restaurants+in+"

    def task(n: int, status: str) -> RunTask:
        return RunTask.from_api({"id": f"{n:032x}", "run": RUN, "status": status,
                                 "params": {"url": f"{base}district-{n}"}})

    before = Snapshot(taken_at=at(0), tasks=tuple(task(n, "running") for n in range(3)))
    after = replace(before, taken_at=at(5),
                    tasks=tuple(task(n, "completed") for n in range(3)))
    texts = [e.text for e in derive_events(before, after)]
    assert texts == [f"task google.com/maps/search/restaurants+in+district-{n} completed: "
                     "0 results" for n in range(3)]


async def test_cadence_is_published_with_each_period(server: SimServer,
                                                     world: World) -> None:
    async for watch in watching(server, world):
        await settle(watch.scheduler)
        snap = watch.snapshot
        policy = PollPolicy()
        assert {k: c.period for k, c in snap.cadence.items()} == {
            "stats": policy.stats_every, "credits": policy.credits_every,
            "runs": policy.active_runs_every, "squids": policy.squids_every,
            "balance": policy.balance_every, "me": policy.me_every}
        assert snap.stale_resources() == ()
        assert snap.is_stale("stats", snap.taken_at + timedelta(seconds=11))
        assert not snap.is_stale("squids", snap.taken_at + timedelta(seconds=49))


async def test_credits_and_balance_are_read_again_when_the_selected_run_ends(
        server: SimServer, world: World) -> None:
    async for watch in watching(server, world):
        await settle(watch.scheduler)
        run_id = watch.snapshot.selected_run_id or ""
        await run_for(watch.clock, watch.scheduler, 10)
        world.finish_run(run_id)
        await run_for(watch.clock, watch.scheduler, 120)
        ended = [e for e in watch.events if e.run_id == run_id and "→ done" in e.text]
        assert len(ended) == 1
        seen = (ended[0].at - T0).total_seconds()
        assert seen in watch.at(runs_list), "seen by a runs poll"
        assert seen in watch.at(credits), "credits read at once"
        assert seen in watch.at(lambda p: p == "user/balance"), "balance read at once"
        assert [t for t in watch.at(credits) if t > seen] == [], "then never again"
        final = world.runs[run_id]
        snap = watch.snapshot
        assert snap.credits is not None
        ended_run = snap.selected_run
        assert ended_run is not None and ended_run.status.kind is StatusKind.DONE
        assert snap.credits.total_results == final.total_results == ended_run.total_results
        assert snap.credits.total_credits == ended_run.credit_used


async def test_another_squid_pausing_says_why_once(server: SimServer, world: World) -> None:
    tiktok = next(s for s in world.squids.values() if s.name == "TikTok videos skincare")
    async for watch in watching(server, world):
        await settle(watch.scheduler)
        assert watch.snapshot.selected_squid_id != tiktok.id
        started = world.start_run(tiktok.id)
        await run_for(watch.clock, watch.scheduler, 30)  # the list shows it at 25 s
        world.pause_run(started.id, "website_inaccessible")
        await run_for(watch.clock, watch.scheduler, 30)  # and its pause at 50 s
        about = [(e.text, e.alert) for e in watch.events if e.squid_id == tiktok.id]
        assert about == [
            (f"squid TikTok videos skincare: run {started.id[:6]} started", "run.running"),
            (f"squid TikTok videos skincare: run {started.id[:6]} running → paused: "
             "website_inaccessible (the target website was down or blocked)", "run.paused")]
        # A pause re-reads the balance as soon as the request budget allows: the first
        # minute's window is full (everything was read at 0 s) until 60 s.
        assert [t for t in watch.at(lambda p: p == "user/balance") if t >= 50.0] == [60.0]
        latest = watch.snapshot.latest_runs[tiktok.id]
        assert latest.run.id == started.id and latest.run.done_reason == "website_inaccessible"


async def test_another_squid_failing_carries_its_message(server: SimServer,
                                                         world: World) -> None:
    linkedin = next(s for s in world.squids.values() if s.name.startswith("LinkedIn"))
    paused = next(r for r in linkedin.run_ids if world.runs[r].status == "paused")
    async for watch in watching(server, world):
        await settle(watch.scheduler)
        world.fail_run(paused, "Proxy pool unreachable")
        await run_for(watch.clock, watch.scheduler, 30)
        about = [e.text for e in watch.events if e.squid_id == linkedin.id]
        assert about == [f"squid {linkedin.name}: run {paused[:6]} paused → error: "
                         "Proxy pool unreachable"]
