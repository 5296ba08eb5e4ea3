"""The request budget shared by all polling, measured on a fake clock against the
simulator over loopback HTTP: requests per 60 s window (all and per prefix), the age of
every board row just before each wake-up, never a 429, with 1, 5, 10 and 20 active runs.

The figures of each case are written to ``budget-figures.txt`` in pytest's temporary
directory (``-s`` prints them): they are the README's table.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import pytest

from lobstr_tui.monitor import PollPolicy
from lobstr_tui.monitor.polling.budget import RequestBudget, plan_budget
from lobstr_tui.sim import SimServer
from tests.conftest import TOKEN, manual_world
from tests.fake_clock import settle
from tests.monitor.test_scheduler import START, watching

WARM_UP = 360.0
"""The first minutes read every squid's new run at once, then catch up: measured after."""
MEASURED = 300.0


@dataclass
class Figures:
    active: int
    selected_active: bool
    per_minute: int
    per_prefix: dict[str, int]
    worst_age: float
    selected_age: float | None
    rows: int
    note: str | None
    limited: int
    all_rows_after: float
    board_view: bool = False


def max_per_window(instants: list[float]) -> int:
    """The most requests in any 60 s window (ending at a request)."""
    return max((sum(1 for s in instants if t - 60.0 < s <= t) for t in instants), default=0)


async def measure(active: int, *, selected_active: bool, board_view: bool = False
                  ) -> Figures:
    world = manual_world("large", squids=max(active + 2, 4), runs=3)
    squids = list(world.squids.values())[1:]
    for squid in world.squids.values():
        squid.results_per_second = 0.02  # runs that last the whole measure
    for squid in squids[1:active]:
        world.start_run(squid.id)
    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            scheduler, clock = watch.scheduler, watch.clock
            await settle(scheduler)
            if selected_active:
                scheduler.select_squid(squids[0].id)
                await settle(scheduler)
            scheduler.show_board(board_view)
            worst = 0.0
            selected_worst: float | None = None
            all_rows_after = math.inf
            end = clock.t + WARM_UP + MEASURED
            while (deadline := clock.next_deadline) is not None and deadline <= end:
                clock.advance_to_next()
                if len(scheduler.snapshot.board) == active:
                    all_rows_after = min(all_rows_after, clock.t - START)
                if clock.t - START > WARM_UP:
                    # Ages just before the wake-up's reads: the oldest each row gets.
                    snap, now = scheduler.snapshot, clock.now()
                    assert len(snap.board) == active, "every active run has its row"
                    for row in snap.board:
                        age = row.age(now) or math.inf
                        if row.run.id == snap.selected_run_id:
                            selected_worst = max(selected_worst or 0.0, age)
                        else:
                            worst = max(worst, age)
                await settle(scheduler)
            measured = [t for t, _, _, _ in watch.sent if t - START > WARM_UP]
            prefixes = Counter(p.split("/", 1)[0] for t, _, p, _ in watch.sent
                               if t - START > WARM_UP)
            return Figures(
                active=active, selected_active=selected_active, board_view=board_view,
                per_minute=max_per_window(measured),
                per_prefix={k: round(v * 60 / MEASURED) for k, v in sorted(prefixes.items())},
                worst_age=worst if active > int(selected_active) else 0.0,
                selected_age=selected_worst, rows=len(scheduler.snapshot.board),
                note=scheduler.snapshot.budget_note,
                limited=sum(1 for _, _, _, code in watch.sent if code == 429),
                all_rows_after=all_rows_after)
    raise AssertionError("not reached")


def record(figures: Figures, tmp_path_factory: pytest.TempPathFactory) -> None:
    line = (f"{figures.active:>2} active, selected run "
            f"{'active' if figures.selected_active else 'idle  '}"
            f"{', board on screen' if figures.board_view else ''}: "
            f"{figures.per_minute:>2} requests in the busiest minute "
            f"(per prefix a minute: {figures.per_prefix}), worst row age "
            f"{figures.worst_age:.1f} s, selected run {figures.selected_age} s, "
            f"note: {figures.note}; every row on the board after "
            f"{figures.all_rows_after:.0f} s")
    print(line)
    path = tmp_path_factory.getbasetemp() / "budget-figures.txt"
    with path.open("a", encoding="utf-8") as out:
        out.write(line + "\n")


# (active runs, selected run active, worst age of the other rows allowed, slow note)
CASES = [
    (1, True, 0.0, False),
    (5, True, 22.0, False),
    (10, True, 49.5, True),
    (20, True, 104.0, True),
    (1, False, 10.0, False),
    (5, False, 15.0, False),
    (10, False, 29.5, False),
    (20, False, 49.5, True),
]


@pytest.mark.parametrize(("active", "selected_active", "worst", "slow"), CASES)
async def test_budget_keeps_every_row_fresh_within_30_a_minute(
        active: int, selected_active: bool, worst: float, slow: bool,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    figures = await measure(active, selected_active=selected_active)
    record(figures, tmp_path_factory)
    assert figures.limited == 0, "never a 429"
    assert figures.per_minute <= 30, "the budget holds in every 60 s window"
    assert figures.rows == active
    assert figures.worst_age <= worst
    if selected_active:
        # 5 s, give or take the loop's shortest sleep (50 ms) when another read is due
        # just before.
        assert figures.selected_age is not None and figures.selected_age <= 5.05
    assert (figures.note is not None) is slow
    if slow:
        assert figures.note == f"slow: {active} active runs for 30 requests a minute"


# (active runs, worst age of any row, the selected run's included, slow note)
BOARD_CASES = [(1, 10.5, False), (5, 20.0, False), (10, 29.5, False), (20, 56.0, True)]


@pytest.mark.parametrize(("active", "worst", "slow"), BOARD_CASES)
async def test_with_the_board_on_screen_the_selected_run_is_one_of_its_rows(
        active: int, worst: float, slow: bool,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    figures = await measure(active, selected_active=True, board_view=True)
    record(figures, tmp_path_factory)
    assert figures.limited == 0, "never a 429"
    assert figures.per_minute <= 30, "the budget holds in every 60 s window"
    assert figures.rows == active
    assert figures.selected_age is not None
    assert max(figures.worst_age, figures.selected_age) <= worst
    if active > 1:
        assert figures.selected_age > 5.05, "not read every 5 s while the board is shown"
    assert (figures.note is not None) is slow


def test_plan_gives_the_rows_what_the_essentials_leave() -> None:
    policy = PollPolicy()
    plan = plan_budget(policy, selected_active=True, squid_pages=1, running_rows=9,
                       slow_rows=0, active_runs=10)
    assert plan.reserved == 12 + 3 and plan.capacity == 15
    assert plan.stats_every == policy.stats_every
    assert (plan.runs_every, plan.credits_every, plan.tasks_every) == (60.0, 120.0, 60.0)
    spare = 15 - 1 - 60 / 120 - 60 / 3600 - (1 + 0.5 + 1)
    assert plan.row_interval == pytest.approx(60 / spare)
    assert plan.running_period == pytest.approx(9 * 60 / spare)
    assert plan.note == "slow: 10 active runs for 30 requests a minute"
    roomy = plan_budget(policy, selected_active=False, squid_pages=1, running_rows=10,
                        slow_rows=0, active_runs=10)
    assert roomy.running_period is not None and roomy.running_period <= 30.0
    assert roomy.note is None
    shown = plan_budget(policy, selected_active=True, squid_pages=1, running_rows=9,
                        slow_rows=0, active_runs=10, board_view=True)
    assert shown.reserved == 3 and shown.note is None
    assert shown.running_period is not None and shown.running_period <= 30.0
    assert shown.stats_every == shown.running_period, "the selected run is one of the rows"
    assert shown.row_interval == pytest.approx(shown.running_period / 9)
    paused = plan_budget(policy, selected_active=True, squid_pages=1, running_rows=2,
                         slow_rows=4, active_runs=7)
    assert paused.slow_period == pytest.approx(4 * (paused.running_period or 0))


def test_plan_follows_the_budget() -> None:
    plan = plan_budget(PollPolicy(budget_per_minute=60.0), selected_active=True,
                       squid_pages=1, running_rows=9, slow_rows=0, active_runs=10)
    assert plan.capacity == 45 and plan.note is None
    assert plan.running_period is not None and plan.running_period <= 30.0


def test_request_budget_caps_every_window() -> None:
    budget = RequestBudget(10)
    budget.capacity = 6
    for second in range(6):
        assert budget.wait(float(second), essential=False) == 0.0
        budget.record(float(second), essential=False)
    assert budget.wait(6.0, essential=False) == pytest.approx(54.0)
    assert budget.wait(6.0, essential=True) == 0.0, "essentials have their share"
    for second in range(6, 10):
        budget.record(float(second), essential=True)
    budget.capacity = 20
    assert budget.wait(10.0, essential=False) == pytest.approx(50.0), "all: 10"
    assert budget.sent(59.5) == 10 and budget.sent(60.5) == 9


def test_a_rows_first_reads_may_burst_and_the_tokens_come_back_slowly() -> None:
    budget = RequestBudget(10)
    for second in range(10):
        budget.record(float(second), essential=False)
    assert budget.wait(10.0, essential=False) > 0, "the 60 s cap holds for the rest"
    for _ in range(15):  # a burst of 15 first reads goes at once
        assert budget.wait(10.0, essential=False, burst=True) == 0.0
        budget.record(10.0, essential=False, burst=True)
    assert budget.wait(10.0, essential=False, burst=True) > 0, "the tokens are spent"
    # One token back every 20 s: a first read at 30 s, not at 29 s.
    assert budget.wait(29.0, essential=False, burst=True) > 0
    assert budget.wait(30.5, essential=False, burst=True) == 0.0


def test_no_token_is_spent_while_five_minutes_hold_five_times_the_budget() -> None:
    budget = RequestBudget(10)
    for second in range(50):  # 50 requests in 5 minutes: the whole 5 N
        budget.record(float(second * 5), essential=True)
    budget.record(250.0, essential=False)
    budget.capacity = 1
    assert budget.wait(251.0, essential=False, burst=True) > 0
