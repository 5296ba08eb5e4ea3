"""Credit burn: the spend rate of the running rows, when the balance runs out, and the
warning when the credits end before the runs (pure, then against the simulator)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lobstr_tui.api import Balance, Run
from lobstr_tui.monitor.model.board import BoardRow
from lobstr_tui.monitor.model.burn import project_burn
from lobstr_tui.monitor.model.history import SteadyRate
from lobstr_tui.sim import SimServer
from tests.conftest import TOKEN
from tests.fake_clock import run_for
from tests.monitor.test_board import busy_world
from tests.monitor.test_scheduler import watching

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def balance(available: float, consumed: float = 0.0) -> Balance:
    return Balance.from_api({"available": available, "consumed": consumed})


def row(status: str, *, rate: float | None, results: int, credits: float,
        eta: float | None) -> BoardRow:
    run = Run.from_api({"id": "a" * 32, "squid": "s", "status": status,
                        "total_results": results, "credit_used": credits})
    return BoardRow("s", "S", run, None, T0, rate, (), credits, eta, status == "paused")


def test_rate_times_cost_per_result_and_time_left() -> None:
    rows = [(row("running", rate=60.0, results=100, credits=150.0, eta=600.0), None),
            (row("running", rate=30.0, results=10, credits=10.0, eta=None), None),
            (row("paused", rate=0.0, results=10, credits=10.0, eta=None),
             SteadyRate(5.0, 900.0))]
    burn = project_burn(rows, balance(10_000, 1_000), credits_warn=None)
    assert burn is not None
    assert burn.credits_per_minute == pytest.approx(60 * 1.5 + 30)
    assert burn.runs_out_in == pytest.approx(9_000 / 120 * 60)
    assert not burn.ends_before_runs and not burn.low and not burn.warning


def test_warns_when_credits_end_before_the_runs_or_fall_below_the_threshold() -> None:
    rows = [(row("running", rate=60.0, results=100, credits=100.0, eta=600.0), None)]
    short = project_burn(rows, balance(500), credits_warn=None)
    assert short is not None and short.ends_before_runs and short.warning
    assert short.runs_out_in == pytest.approx(500.0)
    enough = project_burn(rows, balance(700), credits_warn=None)
    assert enough is not None and not enough.ends_before_runs
    low = project_burn(rows, balance(700), credits_warn=1000)
    assert low is not None and low.low and low.warning
    assert project_burn(rows, None, credits_warn=10) is None


def test_nothing_spending_has_no_time_left() -> None:
    idle = [(row("paused", rate=None, results=0, credits=0.0, eta=None), None)]
    burn = project_burn(idle, balance(100), credits_warn=None)
    assert burn is not None and burn.credits_per_minute == 0 and burn.runs_out_in is None
    unknown_cost = [(row("running", rate=10.0, results=0, credits=0.0, eta=60.0),
                     SteadyRate(2.0, 30.0))]
    burn = project_burn(unknown_cost, balance(100), credits_warn=None)
    assert burn is not None and burn.credits_per_minute == 2.0, "the credits' own rate"


async def test_projection_from_the_simulator_and_its_warning() -> None:
    world, _ = busy_world(3)
    with SimServer(world, token=TOKEN) as server:
        async for watch in watching(server, world):
            await run_for(watch.clock, watch.scheduler, 240)
            burn = watch.snapshot.burn
            assert burn is not None and burn.credits_per_minute > 0
            # 3 runs at about 0.05 result/s each, 1 credit per result: ~9 a minute.
            assert 4.0 < burn.credits_per_minute < 14.0
            left = world.account.remaining
            assert burn.runs_out_in is not None
            assert burn.runs_out_in == pytest.approx(
                burn.remaining / burn.credits_per_minute * 60)
            assert burn.remaining == pytest.approx(left, abs=30)
            assert not burn.ends_before_runs
            world.set_balance(available=world.account.consumed + 20.0)
            await run_for(watch.clock, watch.scheduler, 130)
            burn = watch.snapshot.burn
            assert burn is not None and burn.ends_before_runs
            low = [e for e in watch.events if e.alert == "credits.low"]
            assert len(low) == 1 and "credits end before the active runs finish" in low[0].text


def test_a_steady_credit_rate_wins_over_the_results_rate_and_says_its_window() -> None:
    # The results' two-minute rate says 600 a minute (a burst); the credits' own rate
    # over the last 15 minutes says 100: the projection follows the steady one.
    burst = row("running", rate=600.0, results=100, credits=100.0, eta=None)
    burn = project_burn([(burst, SteadyRate(100.0, 900.0))], balance(3_000),
                        credits_warn=None)
    assert burn is not None
    assert burn.credits_per_minute == pytest.approx(100.0)
    assert burn.runs_out_in == pytest.approx(30 * 60)
    assert burn.window == pytest.approx(900.0)
    # Credits read over less than a minute: the results' rate, over its two minutes.
    young = project_burn([(burst, SteadyRate(100.0, 20.0))], balance(3_000),
                         credits_warn=None)
    assert young is not None and young.credits_per_minute == pytest.approx(600.0)
    assert young.window == pytest.approx(120.0)
