"""The monitor's pieces alone: the rate gate, the backoff, job planning, state merging and
the link state. Pure code: every instant is passed in, nothing waits."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from lobstr_tui.api import (
    NetworkError,
    NotFoundError,
    RateLimit,
    RateLimitedError,
    Run,
    ServerError,
    UnauthorizedError,
)
from lobstr_tui.monitor import LinkState, PollPolicy, Snapshot
from lobstr_tui.monitor.model import merge
from lobstr_tui.monitor.polling.actions import RelaunchGuard, plain_error
from lobstr_tui.monitor.polling.connection import LinkTracker
from lobstr_tui.monitor.polling.jobs import NEVER, JobKind, next_wake, pick_due, plan_jobs
from lobstr_tui.monitor.polling.rate_gate import Backoff, RateGate

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def run(run_id: str, status: str, minutes_ago: int, squid: str = "s1") -> Run:
    created = (T0 - timedelta(minutes=minutes_ago)).isoformat()
    return Run.from_api({"id": run_id, "squid": squid, "status": status,
                         "created_at": created, "started_at": created})


# -- rate gate ----------------------------------------------------------------------------


def test_gate_budget_is_a_share_of_the_documented_limit() -> None:
    gate = RateGate(share=0.6, low_remaining=3)
    assert gate.budget("runs") == 72 and gate.budget("runtasks") == 54
    assert gate.budget("me") is None, "no documented limit, no budget"


def test_gate_window_slides() -> None:
    gate = RateGate(share=0.025, low_remaining=3)  # 3 a minute to runs
    for at in (0.0, 10.0, 20.0):
        assert gate.wait("runs", at) == 0.0
        gate.record("runs", at)
    assert gate.wait("runs", 30.0) == 30.0, "the oldest leaves the window at 60 s"
    assert gate.wait("runs", 60.0) == 0.0
    assert gate.sent_in_window("runs", 60.0) == 2
    assert gate.wait("squids", 30.0) == 0.0, "each prefix has its own window"


def test_gate_block_never_shortens_and_reports_the_longest() -> None:
    gate = RateGate(share=0.6, low_remaining=3)
    gate.block("runs", 12.0)
    gate.block("runs", 5.0)
    gate.block("squids", 8.0)
    assert gate.wait("runs", 2.0) == 10.0
    assert gate.blocked_for(2.0) == 10.0
    assert gate.blocked_for(12.5) == 0.0


@pytest.mark.parametrize(("remaining", "reset_in", "blocked"), [
    (3, 20.0, 20.0),     # at the threshold: wait for the window's reset
    (4, 20.0, 0.0),      # above it: go on
    (0, 500.0, 60.0),    # a reset far away is capped
    (1, -5.0, 0.5),      # a reset in the past still waits a moment
])
def test_gate_reads_remaining_and_reset(remaining: int, reset_in: float,
                                        blocked: float) -> None:
    gate = RateGate(share=0.6, low_remaining=3)
    epoch = 1_800_000_000.0
    gate.observe("runs", RateLimit(120, remaining, epoch + reset_in, None), now=100.0,
                 epoch=epoch)
    assert gate.wait("runs", 100.0) == pytest.approx(blocked)


def test_gate_ignores_answers_without_headers() -> None:
    gate = RateGate(share=0.6, low_remaining=3)
    gate.observe("runs", RateLimit(None, 0, None, None), now=0.0, epoch=0.0)
    assert gate.wait("runs", 0.0) == 0.0


# -- backoff ------------------------------------------------------------------------------


def test_backoff_doubles_with_jitter_up_to_the_cap_per_key() -> None:
    backoff = Backoff(base=2.0, cap=30.0, rng=random.Random(7))
    delays = [backoff.fail("squids") for _ in range(8)]
    for n, delay in enumerate(delays, start=1):
        expected = min(30.0, 2.0 * 2 ** (n - 1))
        assert expected * 0.8 <= delay <= expected * 1.2
    assert len(set(delays)) == len(delays)
    assert backoff.failures("squids") == 8 and backoff.failures("runs") == 0
    assert 1.6 <= backoff.fail("runs") <= 2.4, "another key starts at the base"
    backoff.succeed("squids")
    assert 1.6 <= backoff.fail("squids") <= 2.4
    backoff.reset()
    assert backoff.failures("runs") == 0


def test_backoff_is_reproducible_for_a_seed() -> None:
    first = Backoff(base=1.0, cap=9.0, rng=random.Random(3))
    second = Backoff(base=1.0, cap=9.0, rng=random.Random(3))
    assert [first.fail("k") for _ in range(5)] == [second.fail("k") for _ in range(5)]


# -- job planning -------------------------------------------------------------------------


def snapshot_with(runs: tuple[Run, ...], **changes: object) -> Snapshot:
    base = Snapshot(taken_at=T0, selected_squid_id="s1", runs=runs, runs_squid_id="s1",
                    runs_total=len(runs), selected_run_id=runs[0].id if runs else None)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_plan_for_an_active_run() -> None:
    policy = PollPolicy()
    jobs = plan_jobs(snapshot_with((run("r1", "running", 1),)), policy,
                     tasks_seen_done={}, unauthorized=False)
    assert [(j.key, j.prefix, j.period) for j in jobs] == [
        ("stats:r1", "runs", policy.stats_every),
        ("credits:r1", "runs", policy.credits_every),
        ("runs:s1", "runs", policy.active_runs_every),
        ("squids", "squids", policy.squids_every),
        ("balance", "user", policy.balance_every),
        ("me", "me", policy.me_every),
    ]


def test_plan_for_a_finished_run_fetches_it_once_and_polls_the_squid_slowly() -> None:
    policy = PollPolicy()
    jobs = {j.key: j for j in plan_jobs(snapshot_with((run("r1", "done", 90),)), policy,
                                        tasks_seen_done={}, unauthorized=False)}
    assert jobs["stats:r1"].period == NEVER and jobs["credits:r1"].period == NEVER
    assert jobs["runs:s1"].period == policy.quiet_runs_every


def test_plan_reads_an_ended_runs_credits_until_read_after_its_end() -> None:
    from lobstr_tui.api import RunCredits

    credits = RunCredits.from_api({"run_id": "r1", "total_credits": 550.0})
    state = snapshot_with((run("r1", "done", 90),), credits=credits)
    keys = [j.key for j in plan_jobs(state, PollPolicy(), tasks_seen_done={},
                                     unauthorized=False)]
    assert "credits:r1" in keys, "read while running: read once more now it ended"
    keys = [j.key for j in plan_jobs(state, PollPolicy(), tasks_seen_done={},
                                     unauthorized=False, credits_final={"r1"})]
    assert "credits:r1" not in keys


def test_plan_reads_the_newest_run_of_squids_whose_reason_is_wanted() -> None:
    state = snapshot_with((run("r1", "running", 1),))
    jobs = plan_jobs(state, PollPolicy(), tasks_seen_done={}, unauthorized=False,
                     reasons_wanted=["s2", "s1"])
    wanted = [(j.key, j.prefix, j.period) for j in jobs if j.kind is JobKind.LATEST_RUN]
    assert wanted == [("latest-run:s2", "runs", NEVER)], "never for the selected squid"


def test_plan_asks_for_tasks_only_when_tasks_done_changed() -> None:
    from lobstr_tui.api import RunStats

    stats = RunStats.from_api({"id": "r1", "total_tasks_done": 4, "total_tasks": 10})
    state = snapshot_with((run("r1", "running", 1),), stats=stats)
    keys = [j.key for j in plan_jobs(state, PollPolicy(), tasks_seen_done={"r1": 3},
                                     unauthorized=False)]
    assert "tasks:r1" in keys
    keys = [j.key for j in plan_jobs(state, PollPolicy(), tasks_seen_done={"r1": 4},
                                     unauthorized=False)]
    assert "tasks:r1" not in keys


def test_plan_when_unauthorized_is_one_slow_probe() -> None:
    policy = PollPolicy()
    jobs = plan_jobs(snapshot_with((run("r1", "running", 1),)), policy,
                     tasks_seen_done={}, unauthorized=True)
    assert [(j.key, j.period) for j in jobs] == [("me", policy.me_every)]


def test_plan_includes_older_runs_while_asked() -> None:
    state = snapshot_with((run("r1", "done", 1),), runs_loading_more=True)
    jobs = plan_jobs(state, PollPolicy(), tasks_seen_done={}, unauthorized=False)
    older = [j for j in jobs if j.kind is JobKind.OLDER_RUNS]
    assert len(older) == 1 and older[0].prefix == "runs" and older[0].target == "s1"


def test_pick_due_respects_in_flight_the_gate_and_the_cap() -> None:
    policy = PollPolicy()
    jobs = plan_jobs(snapshot_with((run("r1", "running", 1),)), policy,
                     tasks_seen_done={}, unauthorized=False)
    gate = RateGate(share=0.6, low_remaining=3)
    gate.block("runs", 110.0)
    due: dict[str, float] = {"squids": 200.0}
    started = pick_due(jobs, now=100.0, next_due=due, in_flight={"balance"}, gate=gate,
                       max_in_flight=4)
    assert [j.key for j in started] == ["me"]
    assert due["stats:r1"] == 110.0 and due["runs:s1"] == 110.0, "put off until it opens"
    assert gate.sent_in_window("me", 100.0) == 1
    capped = pick_due(jobs, now=300.0, next_due={}, in_flight=set(), gate=RateGate(
        share=0.6, low_remaining=3), max_in_flight=2)
    assert [j.key for j in capped] == ["stats:r1", "credits:r1"]


def test_next_wake_counts_only_planned_jobs_not_in_flight() -> None:
    jobs = plan_jobs(snapshot_with((run("r1", "running", 1),)), PollPolicy(),
                     tasks_seen_done={}, unauthorized=False)
    due = {j.key: 130.0 for j in jobs} | {"stats:r1": 104.0, "tasks:r1": 101.0}
    assert next_wake(jobs, due, set(), 100.0) == 4.0, "unplanned tasks do not wake it"
    assert next_wake(jobs, due, {"stats:r1"}, 100.0) == 5.0, "bounded to 5 s"
    assert next_wake(jobs, {**due, "me": 99.0}, set(), 100.0) == 0.05


# -- state merging ------------------------------------------------------------------------


def test_first_page_replaces_the_head_and_keeps_older_pages() -> None:
    older = tuple(run(f"old{i}", "done", 100 + i) for i in range(3))
    state = snapshot_with((run("gone", "done", 5), run("r1", "done", 10), *older),
                          runs_total=60)
    page = [run("new", "running", 1), run("r1", "done", 10)]
    merged = merge.runs_merged(state, "s1", page, total=59, replace_head=True)
    assert [r.id for r in merged.runs] == ["new", "r1", "old0", "old1", "old2"]
    assert merged.runs_total == 59


def test_duplicate_ids_in_an_answer_count_once() -> None:
    state = snapshot_with(())
    page = [run("a", "done", 1), run("a", "done", 1), run("b", "done", 2)]
    merged = merge.runs_merged(state, "s1", page, total=2, replace_head=True)
    assert [r.id for r in merged.runs] == ["a", "b"] and merged.runs_total == 2


def test_stored_clears_only_its_own_error() -> None:
    state = merge.with_error(merge.with_error(Snapshot(taken_at=T0), "stats", "bad"),
                             "squids", "worse")
    later = T0 + timedelta(seconds=5)
    stored = merge.stored(state, "stats", later)
    assert dict(stored.errors) == {"squids": "worse"}
    assert stored.fetched_at["stats"] == later


def test_short_abort_answer_is_completed_from_what_was_known() -> None:
    known = replace(run("r1", "running", 3), total_results=42)
    state = snapshot_with((known,))
    short = Run.from_api({"status": "aborted"}, default_id="r1")
    filled = merge.run_filled(state, short)
    assert filled.status.raw == "aborted" and filled.total_results == 42
    assert filled.squid == "s1"


def test_selecting_a_squid_empties_the_detail_and_its_errors() -> None:
    state = merge.with_error(snapshot_with((run("r1", "running", 1),)), "stats", "bad")
    state = merge.with_error(state, "balance", "slow")
    moved = merge.squid_selected(state, "s2")
    assert moved.runs == () and moved.selected_run_id is None and moved.stats is None
    assert dict(moved.errors) == {"balance": "slow"}


# -- link ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("error", "state"), [
    (UnauthorizedError("no", status_code=401), LinkState.UNAUTHORIZED),
    (RateLimitedError("slow down", status_code=429), LinkState.RATE_LIMITED),
    (NetworkError("refused", kind="refused"), LinkState.OFFLINE),
    (ServerError("boom", status_code=503), LinkState.STALE),
])
def test_link_failures_and_recovery(error: Exception, state: LinkState) -> None:
    link = LinkTracker()
    retry = T0 + timedelta(seconds=8)
    assert link.failed(error, retry_at=retry)  # type: ignore[arg-type]
    connection = link.connection(last_ok_at=T0, now=T0, blocked_for=0.0)
    assert connection.state is state and connection.retry_at == retry
    link.recovered()
    assert link.connection(last_ok_at=T0, now=T0, blocked_for=0.0).state is LinkState.LIVE


def test_a_missing_resource_is_not_about_the_link() -> None:
    link = LinkTracker()
    assert not link.failed(NotFoundError("gone", status_code=404))
    assert link.connection(last_ok_at=None, now=T0, blocked_for=0.0).state is (
        LinkState.CONNECTING)


def test_a_closed_gate_shows_as_rate_limited_until_it_opens() -> None:
    connection = LinkTracker().connection(last_ok_at=T0, now=T0, blocked_for=12.0)
    assert connection.state is LinkState.RATE_LIMITED
    assert connection.retry_at == T0 + timedelta(seconds=12)


# -- actions ------------------------------------------------------------------------------


def test_relaunch_guard_lasts_its_seconds() -> None:
    now = [0.0]
    guard = RelaunchGuard(lambda: now[0], seconds=10.0)
    assert guard.refusal("s1") is None
    guard.launched("s1", "abcdef0123")
    now[0] = 9.9
    assert guard.refusal("s1") == "run abcdef was just launched for this squid"
    assert guard.refusal("s2") is None
    now[0] = 10.0
    assert guard.refusal("s1") is None


def test_refusals_in_plain_words() -> None:
    from lobstr_tui.api import BusinessError

    broke = BusinessError("nope", status_code=400, error_type="NotEnoughBalance")
    assert plain_error(broke, credits_left=-3.0) == "not enough credits: 0 left"
    assert plain_error(broke) == "not enough credits"
    busy = BusinessError("x", status_code=400, error_type="RunInProgress")
    assert plain_error(busy) == "a run is already active for this squid"
    odd = BusinessError("the API's own words", status_code=400, error_type="Whatever")
    assert plain_error(odd) == "the API's own words"


def test_board_reads_share_a_key_with_the_job_reading_the_same_url() -> None:
    from lobstr_tui.monitor.polling.jobs import Job, JobKind

    assert Job(JobKind.ROW_STATS, "r1", 10).url_key == Job(JobKind.STATS, "r1", 5).url_key
    assert Job(JobKind.ROW_FIND, "s1", 10).url_key == Job(JobKind.LATEST_RUN, "s1", 0).url_key
    assert Job(JobKind.ROW_STATS, "r1", 10).url_key != Job(JobKind.STATS, "r2", 5).url_key
    assert Job(JobKind.ROW_RUN, "r1", 10).url_key != Job(JobKind.ROW_STATS, "r1", 10).url_key
