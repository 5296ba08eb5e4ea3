"""A squid's usual run and the flags: exact cases of the pure statistics (median, MAD,
outliers, ties, too few runs, a squid whose runs all failed) and of the flag rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lobstr_tui.api import Run, RunStatus
from lobstr_tui.monitor.model.baseline import (
    MAX_RUNS,
    Flag,
    FlagKind,
    Measure,
    Progress,
    Spread,
    baseline_from,
    ended_well,
    judge_active,
    judge_ended,
    mad,
    median,
    ratio_text,
    usual_of,
)

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def run(n: int, *, seconds: float = 600.0, results: int = 1000, credits: float = 1000.0,
        status: str = "done", reason: str | None = "tasks_done") -> Run:
    started = T0 - timedelta(days=n)
    return Run(id=f"{n:032x}", squid="s" * 32, status=RunStatus.parse(status), is_done=True,
               created_at=started, started_at=started,
               ended_at=started + timedelta(seconds=seconds), duration=seconds,
               credit_used=credits, origin="user", total_results=results,
               total_unique_results=results, export_done=True, done_reason=reason,
               done_reason_desc=None)


def test_median_odd_even_and_ties() -> None:
    assert median([3, 1, 2]) == 2.0
    assert median([4, 1, 3, 2]) == 2.5
    assert median([5, 5, 5, 9]) == 5.0
    with pytest.raises(ValueError):
        median([])


def test_mad_ignores_one_outlier_where_a_standard_deviation_would_not() -> None:
    values = [100, 102, 98, 101, 99, 10_000]
    assert median(values) == 100.5
    assert mad(values) == 1.5  # deviations 0.5 1.5 2.5 0.5 1.5 9899.5
    assert mad([7, 7, 7, 7]) == 0.0


def test_spread_flags_only_beyond_three_mads_and_the_ratio() -> None:
    spread = Spread.of([100, 110, 90, 105, 95])  # median 100, MAD 5
    assert (spread.median, spread.mad, spread.n) == (100.0, 5.0, 5)
    assert spread.above(199, 2.0) is None, "beyond 3 MADs but under 2×"
    assert spread.above(200, 2.0) == 2.0
    assert spread.below(51, 0.5) is None
    assert spread.below(50, 0.5) == 0.5
    wide = Spread(median=100.0, mad=40.0, n=9)
    assert wide.above(210, 2.0) is None, "2.1× but within 3 MADs (100 + 120)"
    assert wide.above(230, 2.0) == 2.3
    ties = Spread(median=100.0, mad=0.0, n=9)
    assert ties.above(101, 2.0) is None and ties.above(200, 2.0) == 2.0


def test_too_few_comparable_runs_says_so_and_flags_nothing() -> None:
    runs = [run(1), run(2), run(3), run(4, status="error", reason=None),
            run(5, reason="website_inaccessible"), run(6, status="aborted", reason="aborted")]
    usual = usual_of(runs)
    assert usual.n == 3 and not usual.enough
    assert usual.note == "too few runs to compare (n=3)"
    slow = Progress(elapsed=10_000, percent=50, tasks_done=5, tasks_total=10, results=1,
                    credits=1000)
    assert judge_active(usual, slow) == ()
    assert judge_ended(usual, run(9, seconds=10_000, results=1)) == ()


def test_a_squid_whose_runs_all_failed_has_no_usual() -> None:
    runs = [run(n, status="error", reason=None) for n in range(8)]
    runs += [run(n + 8, reason="no_credits_left") for n in range(4)]
    assert not any(ended_well(r) for r in runs)
    usual = usual_of(runs)
    assert usual.n == 0 and usual.note == "too few runs to compare (n=0)"


def test_the_usual_run_of_the_good_runs_only() -> None:
    runs = [run(1, seconds=500), run(2, seconds=600), run(3, seconds=700),
            run(4, seconds=650, results=900), run(5, seconds=550, results=1100),
            run(6, seconds=9_000, status="error", reason=None)]
    usual = usual_of(runs)
    assert usual.n == 5 and usual.note is None
    assert usual.spreads[Measure.DURATION] == Spread(600.0, 50.0, 5)
    assert usual.spreads[Measure.RESULTS] == Spread(1000.0, 0.0, 5)
    assert usual.spreads[Measure.CREDITS_PER_RESULT].median == 1.0
    assert usual_of(runs, exclude=runs[0].id).n == 4


def test_a_baseline_keeps_the_newest_thirty_finished_runs() -> None:
    active = run(0, status="running", reason=None)
    finished = [run(n + 1) for n in range(40)]
    baseline = baseline_from("s" * 32, [active, *finished], T0)
    assert len(baseline.runs) == MAX_RUNS and baseline.runs[0].id == finished[0].id
    assert baseline.usual.n == MAX_RUNS


def usual_of_ten() -> list[Run]:
    # Durations 560..740 s (median 650, MAD 50), 1000 results, 1 credit each.
    return [run(n, seconds=560 + 20 * n) for n in range(10)]


def test_an_active_run_is_compared_at_its_percent() -> None:
    usual = usual_of(usual_of_ten())
    assert usual.spreads[Measure.DURATION] == Spread(650.0, 50.0, 10)

    def at(elapsed: float, percent: float) -> tuple[Flag, ...]:
        return judge_active(usual, Progress(elapsed=elapsed, percent=percent, tasks_done=5,
                                            tasks_total=10, results=500, credits=500))

    # At 50% the usual elapsed is 325 s (MAD 25): beyond 400 s is 3 MADs, 650 s is 2×.
    assert at(640, 50) == ()
    assert at(650, 50) == (Flag(FlagKind.SLOW, 2.0, 325.0, 10),)
    assert at(650, 50)[0].text == "slow: 2.0× usual (n=10)"
    assert at(1560, 50)[0].text == "slow: 4.8× usual (n=10)"
    # Under 10% the run is compared as if at 10% (65 s): its first minutes say little.
    assert at(129, 3) == () and at(130, 3)[0].ratio == 2.0
    assert at(130, 0)[0].median == 65.0


def test_few_results_per_finished_task_and_costly_results() -> None:
    usual = usual_of(usual_of_ten())  # 1000 results over 10 tasks: 100 per task

    def at(done: int, results: int, credits: float) -> tuple[Flag, ...]:
        return judge_active(usual, Progress(elapsed=10, percent=done * 10, tasks_done=done,
                                            tasks_total=10, results=results,
                                            credits=credits))

    assert at(5, 251, 251) == ()
    assert at(5, 250, 250) == (Flag(FlagKind.FEW_RESULTS, 0.5, 100.0, 10),)
    assert at(5, 100, 100)[0].text == "few results: 0.2× usual (n=10)"
    assert at(0, 0, 0) == (), "no task finished: nothing to compare yet"
    assert at(5, 600, 1199) == ()
    assert at(5, 600, 1200) == (Flag(FlagKind.COSTLY, 2.0, 1.0, 10),)
    assert at(5, 600, 1200)[0].text == "costly: 2.0× usual (n=10)"
    assert judge_active(usual, Progress(elapsed=10, percent=1, tasks_done=0, tasks_total=10,
                                        results=9, credits=90)) == (), "under 10 results"


def test_a_run_that_ended_is_judged_against_the_others() -> None:
    usual = usual_of(usual_of_ten())
    assert judge_ended(usual, run(20, seconds=700)) == ()
    assert judge_ended(usual, run(20, results=400, credits=400)) == (
        Flag(FlagKind.FEW_RESULTS, 0.4, 1000.0, 10),)
    assert judge_ended(usual, run(21, seconds=1300)) == (Flag(FlagKind.SLOW, 2.0, 650.0, 10),)
    assert judge_ended(usual, run(22, results=10, status="error", reason=None)) == ()


def test_ratio_text() -> None:
    assert [ratio_text(r) for r in (0.349, 0.5, 2.44, 9.96, 12.4)] == [
        "0.35×", "0.5×", "2.4×", "10×", "12×"]


def test_the_usual_run_is_computed_once_per_baseline() -> None:
    from lobstr_tui.monitor.derive.anomalies import usual_without

    first = baseline_from("s" * 32, usual_of_ten(), T0)
    usual = usual_without(first, "x")
    assert usual_without(first, "x") is usual and usual == usual_of(first.runs)
    assert usual_without(first, first.runs[0].id).n == 9
    grown = baseline_from("s" * 32, [run(40, seconds=9_000), *usual_of_ten()], T0)
    assert usual_without(grown, "x").n == 11, "new runs: computed again"
