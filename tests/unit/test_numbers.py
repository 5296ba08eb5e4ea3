"""Numbers in one voice (issue 21): every amount of credits is written the same way."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from lobstr_tui.api import Balance, Run, RunStats, RunTask, credit_amount
from lobstr_tui.api.errors import BusinessError
from lobstr_tui.monitor import Burn, Snapshot
from lobstr_tui.monitor.model.history import RateSeries
from lobstr_tui.monitor.polling.actions import plain_error
from lobstr_tui.ui.text import format as fmt
from lobstr_tui.ui.widgets.run_detail import progress_text
from lobstr_tui.ui.widgets.top_bar import burn_text, top_bar_text


@pytest.mark.parametrize(("value", "text"), [
    (7700.0, "7,700"),
    (10_000, "10,000"),
    (1795.5, "1,795.5"),
    (0.25, "0.25"),
    (0.5, "0.5"),
    (0.0, "0"),
    (-0.0, "0"),
    (2594.0000001, "2,594"),
    (1999.996, "2,000"),
    (1_234_567.1, "1,234,567.1"),
    (-12.5, "-12.5"),
])
def test_credit_amounts_have_no_dot_zero_and_a_fraction_only_when_there_is_one(
        value: float, text: str) -> None:
    assert credit_amount(value) == text


def test_the_ui_formatter_is_the_same_function_with_a_dash_for_unknown() -> None:
    assert fmt.credits(2594.0) == "2,594"
    assert fmt.credits(1795.5) == "1,795.5"
    assert fmt.credits(None) == fmt.DASH


def test_a_refused_launch_says_the_credits_left_in_the_same_voice() -> None:
    error = BusinessError("not enough", status_code=400, error_type="NotEnoughBalance")
    assert plain_error(error, credits_left=0.5) == "not enough credits: 0.5 left"
    assert plain_error(error, credits_left=7700.0) == "not enough credits: 7,700 left"


def _run(status: str, results: int = 0, done_reason: str | None = None) -> Run:
    return Run.from_api({"id": "r1", "squid": "s1", "status": status, "credit_used": 0.0,
                         "total_results": results, "done_reason": done_reason,
                         "started_at": "2026-12-03T12:00:00Z",
                         "is_done": status in ("done", "aborted")})


def _stats(done: int, total: int, results: int, percent: str, eta: str = "∞") -> RunStats:
    return RunStats.from_api({"id": "r1", "total_tasks_done": done, "total_tasks": total,
                              "total_tasks_left": total - done, "total_results": results,
                              "percent_done": percent, "eta": eta})


def _task(number: int, status: str, reason: str) -> RunTask:
    return RunTask.from_api({"id": f"t{number}", "task": f"k{number}", "run": "r1",
                             "status": status, "done_reason": reason})


@pytest.mark.parametrize("width", [36, 40, 44, 48, 60, 200])
def test_pending_and_running_runs_read_the_same_words_at_one_width(width: int) -> None:
    pending = progress_text(_run("pending"), _stats(0, 8, 0, "0.0%"), width)
    running = progress_text(_run("running", 111), _stats(2, 24, 111, "9%", "0:06:18"), width)
    words = [re.sub(r"[\d,.%?/]+", "#", text).replace("ETA unknown", "ETA #m #s")
             for text in (pending, running)]
    assert words[0] == words[1], (pending, running)
    assert fmt.cells(pending) <= width and fmt.cells(running) <= width


def test_an_aborted_run_says_what_it_had_done_not_lobstrs_100_percent() -> None:
    run = _run("aborted", 33, "aborted")
    stats = _stats(8, 8, 33, "100%")
    tasks = [_task(1, "completed", "tasks_done"), _task(2, "completed", "tasks_done"),
             *(_task(n, "aborted", "run_aborted") for n in range(3, 9))]
    text = progress_text(run, stats, 200, tasks)
    assert text == "■ aborted · 2/8 tasks · 33 results · 6 stopped"
    assert "100%" not in text
    # Before its tasks are read, what it had done is not known: not claimed either.
    assert progress_text(run, stats, 200, tasks[:5]) == "■ aborted · ?/8 tasks · 33 results"


def _bursty_series(minutes: int) -> RateSeries:
    """Credits read every 5 s: 100 a minute on average, in bursts of 4 minutes at 160
    then 4 minutes at 40 (what made the old two-minute projection jump)."""
    series = RateSeries()
    start = datetime(2026, 12, 3, 12, tzinfo=UTC)
    total = 0.0
    for step in range(minutes * 12 + 1):
        series.add(start + timedelta(seconds=5 * step), total)
        minute = step // 12
        total += (160.0 if (minute // 4) % 2 == 0 else 40.0) / 12
    return series


def test_the_steady_rate_is_over_the_last_15_minutes_and_says_so() -> None:
    rates: list[float] = []
    swings: list[float] = []
    for minutes in range(20, 29):
        series = _bursty_series(minutes)
        steady = series.steady()
        assert steady is not None
        assert steady.span == pytest.approx(900.0, abs=20.0)
        rates.append(steady.per_minute)
        short = series.rate()
        assert short is not None
        swings.append(short)
    # Over 15 minutes the bursts average out: the rate stays within 100 ± 25 %,
    # while the two-minute rate swings between 40 and 160.
    assert all(75.0 <= rate <= 125.0 for rate in rates), rates
    assert max(swings) - min(swings) > 80.0, swings
    young = _bursty_series(3).steady()
    assert young is not None and young.span == pytest.approx(180.0)


def test_the_top_bar_says_the_projection_and_its_window_and_keeps_it_at_80() -> None:
    burn = Burn(credits_per_minute=100.0, runs_out_in=28 * 60 + 33, ends_before_runs=False,
                low=False, remaining=2_853.0, window=900.0)
    assert burn_text(burn) == "≈ 28m of credits at the last 15 min's rate"
    assert burn_text(burn, short=True) == "≈ 28m at 15 min's rate"
    snapshot = Snapshot(taken_at=datetime(2026, 12, 3, tzinfo=UTC),
                        balance=Balance.from_api({"available": 10_000, "consumed": 7_147}),
                        burn=burn)
    wide, _ = top_bar_text(snapshot, datetime(2026, 12, 3, tzinfo=UTC), 120)
    assert "≈ 28m of credits at the last 15 min's rate" in wide
    narrow, right = top_bar_text(snapshot, datetime(2026, 12, 3, tzinfo=UTC), 80)
    assert "credits 2,853 / 10,000 left" in narrow and "≈ 28m" in narrow, narrow
    assert fmt.cells(narrow) + fmt.cells(right) + 3 <= 80
