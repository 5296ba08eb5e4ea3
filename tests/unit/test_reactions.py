"""The scheduler's reactions to answers and failures, as the pure functions they are
(monitor/reactions.py): no loop, no clock, no network."""

from __future__ import annotations

from datetime import UTC, datetime

from lobstr_tui.api import NotFoundError, RateLimitedError, RunStatus, UnauthorizedError
from lobstr_tui.monitor.polling.jobs import Job, JobKind
from lobstr_tui.monitor.polling.reactions import (
    after_transitions,
    asked_failed,
    failure_delay,
    missing_selection,
    selection_after,
)
from tests.monitor.test_agree import RUN, SQUID, a_run, a_squid, snapshot

T = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def job(kind: JobKind, target: str | None) -> Job:
    return Job(kind, target, 5.0)


def test_a_run_seen_pausing_has_its_credits_stats_and_the_balance_read_now() -> None:
    before = snapshot(runs=(a_run("running"),), runs_squid_id=SQUID, selected_squid_id=SQUID,
                      selected_run_id=RUN)
    after = snapshot(runs=(a_run("paused"),), runs_squid_id=SQUID, selected_squid_id=SQUID,
                     selected_run_id=RUN)
    due = after_transitions(before, after, lambda squid, status: False).due
    assert due == (f"credits:{RUN}", f"stats:{RUN}", "balance")


def test_a_squid_not_selected_that_paused_has_its_newest_run_read_for_the_reason() -> None:
    before = snapshot(squids=(a_squid("RUNNING"),))
    after = snapshot(squids=(a_squid("PAUSED"),))
    reaction = after_transitions(before, after, lambda squid, status: False)
    assert reaction.due == (f"latest-run:{SQUID}", "balance")
    assert reaction.reasons == {SQUID: RunStatus.parse("RUNNING")}
    known = after_transitions(before, after, lambda squid, status: True)
    assert known.reasons == {}


def test_the_list_disagreeing_with_the_selected_squids_runs_has_them_read() -> None:
    before = snapshot(squids=(a_squid("RUNNING"),), runs=(a_run("running"),),
                      runs_squid_id=SQUID, selected_squid_id=SQUID)
    after = snapshot(squids=(a_squid("PAUSED"),), runs=(a_run("running"),),
                     runs_squid_id=SQUID, selected_squid_id=SQUID)
    assert f"runs:{SQUID}" in after_transitions(before, after, lambda s, st: False).due


def test_failure_delays() -> None:
    every = 300.0
    limited = RateLimitedError("slow down", status_code=429, retry_after=7.0)
    assert failure_delay(limited, 2.0, unauthorized_every=every) == (7.0, 7.0)
    assert failure_delay(RateLimitedError("slow down", status_code=429), 4.0,
                         unauthorized_every=every) == (4.0, 4.0)
    rejected = UnauthorizedError("no", status_code=401)
    assert failure_delay(rejected, 2.0, unauthorized_every=every) == (300.0, None)
    gone = NotFoundError("gone", status_code=404)
    assert failure_delay(gone, 3.0, unauthorized_every=every) == (3.0, None)


def test_a_404_of_the_selection_is_forgotten_and_another_shown() -> None:
    state = snapshot(squids=(a_squid("RUNNING"),), selected_squid_id=SQUID,
                     selected_run_id=RUN)
    assert missing_selection(state, job(JobKind.RUNS, SQUID)) == "squid"
    assert missing_selection(state, job(JobKind.STATS, RUN)) == "run"
    assert missing_selection(state, job(JobKind.STATS, "other")) is None
    empty = snapshot(squids=(a_squid("RUNNING"),))
    assert selection_after(job(JobKind.SQUIDS, None), empty, empty) == ("select squid", SQUID)
    gone = snapshot(squids=(), selected_squid_id=SQUID)
    assert selection_after(job(JobKind.SQUIDS, None), gone, gone) == ("forget squid", SQUID)


def test_a_find_that_found_nothing_is_said() -> None:
    state = snapshot()
    missing = NotFoundError("no", status_code=404)
    kept, said = asked_failed(state, job(JobKind.FIND_RUN, "ab12cd" * 5), missing, at=T,
                              retry_at=T)
    assert kept is state and [e.text for e in said] == ["no run ab12cd… on lobstr.io"]
