"""A large account on a fake clock against the simulator (issue 14): a long squid list
must not eat the request budget, and a cursor run over squids must not spend a read on
every squid it passes (which left the squid it stopped on waiting a minute)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from lobstr_tui.monitor import PollPolicy
from lobstr_tui.monitor.polling.budget import SQUIDS_SHARE, plan_budget
from lobstr_tui.monitor.polling.intents import SETTLE_SECONDS
from lobstr_tui.sim import SimServer, World
from tests.conftest import TOKEN, manual_world
from tests.fake_clock import run_for, settle
from tests.monitor.test_budget import max_per_window
from tests.monitor.test_scheduler import START, watching


def test_a_long_squid_list_takes_a_third_of_the_budget_at_most() -> None:
    policy = PollPolicy()
    short = plan_budget(policy, selected_active=False, squid_pages=2, running_rows=0,
                        slow_rows=0, active_runs=0)
    assert (short.squids_every, short.squid_page_gap) == (policy.squids_every, 0.0)
    assert short.reserved == 2 * 3
    long = plan_budget(policy, selected_active=False, squid_pages=20, running_rows=0,
                       slow_rows=0, active_runs=0)
    share = policy.budget_per_minute * SQUIDS_SHARE
    assert long.squids_every == pytest.approx(20 * 60 / share)  # 120 s for a whole pass
    assert long.squid_page_gap == pytest.approx(60 / share)  # one page every 6 s
    assert long.reserved == 10 and long.capacity == 20


@pytest.fixture
def large_server() -> Iterator[SimServer]:
    world = manual_world("large", squids=2000, runs=3)
    with SimServer(world, token=TOKEN) as server:
        yield server


async def test_two_thousand_squids_leave_room_for_the_rest(large_server: SimServer) -> None:
    world = large_server.world
    async for watch in watching(large_server, world):
        await run_for(watch.clock, watch.scheduler, 600)
        snap = watch.snapshot
        assert len(snap.squids) == 2000
        pages = [t for t, _, path, _ in watch.sent if path == "squids"]
        first_pass, later = pages[:20], pages[20:]
        assert first_pass[-1] - START < 1.0, "the list fills at once"
        gaps = [b - a for a, b in itertools.pairwise(later)]
        assert gaps and min(gaps) >= 6.0 - 0.01, "later passes: one page every 6 s"
        after_first_minute = [t for t, _, _, _ in watch.sent if t - START >= 60.0]
        assert max_per_window(after_first_minute) <= 30, "the budget holds"
        # The selected squid's runs and the balance were read again within the budget
        # (before the change the squid list alone took 48 requests a minute and nothing
        # else was read).
        selected = snap.selected_squid_id
        assert len(watch.runs_of(selected)) >= 2
        assert len(watch.at(lambda p: p == "user/balance")) >= 2


async def test_a_moving_cursor_reads_only_the_squid_it_stops_on(server: SimServer,
                                                                world: World) -> None:
    async for watch in watching(server, world):
        scheduler, clock = watch.scheduler, watch.clock
        await settle(scheduler)
        began = clock.t - START
        squids = [squid.id for squid in scheduler.snapshot.squids][1:6]
        for squid_id in squids:  # j j j j j, 0.1 s apart
            scheduler.select_squid(squid_id, cursor=True)
            await run_for(clock, scheduler, 0.1)
        await run_for(clock, scheduler, SETTLE_SECONDS + 1.0)
        read = {squid_id for squid_id in squids if watch.runs_of(squid_id)}
        assert read == {squids[-1]}, "only the squid the cursor rests on"
        assert watch.runs_of(squids[-1])[0] == pytest.approx(
            began + 0.4 + SETTLE_SECONDS, abs=0.01), "the last move, then the settle"
        # Chosen outright (enter, the board, a found run): read at once.
        other = scheduler.snapshot.squids[0].id
        mark = round(clock.t - START, 3)
        scheduler.select_squid(other)
        await settle(scheduler)
        assert [t for t in watch.runs_of(other) if t >= mark] == [mark]
