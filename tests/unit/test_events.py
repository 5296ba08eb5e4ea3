"""Derived log events, from sequences of snapshots."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from lobstr_tui.api import Run, RunCredits, RunStats, RunTask, Squid
from lobstr_tui.monitor import Connection, EventKind, Level, LinkState, Snapshot, derive_events

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SQUID = "s" * 32
RUN = "a1b2c3" + "0" * 26


def run(status: str, *, reason: str | None = None, desc: str | None = None,
        run_id: str = RUN, created: datetime = T0, results: int = 10) -> Run:
    return Run.from_api({"id": run_id, "squid": SQUID, "status": status, "done_reason": reason,
                         "done_reason_desc": desc, "created_at": created.isoformat(),
                         "total_results": results, "credit_used": results * 1.5,
                         "origin": "user"})


def stats(done: int, pct: float, results: int) -> RunStats:
    return RunStats.from_api({"id": RUN, "total_tasks": 10, "total_tasks_done": done,
                              "percent_done": f"{pct}%", "total_results": results})


def task(task_id: str, status: str, reason: str | None = None) -> RunTask:
    return RunTask.from_api({"id": task_id, "run": RUN, "status": status, "last_result": 5,
                             "done_reason": reason,
                             "params": {"url": f"https://www.example.com/{task_id}"}})


def snap(at: int = 0, **changes: object) -> Snapshot:
    base = Snapshot(taken_at=T0 + timedelta(seconds=at), connection=Connection(LinkState.LIVE),
                    selected_squid_id=SQUID, runs_squid_id=SQUID, selected_run_id=RUN,
                    squids_loaded=True)
    return replace(base, **changes)  # type: ignore[arg-type]


def texts(events: list) -> list[str]:
    return [e.text for e in events]


def test_pause_with_reason_then_resume() -> None:
    first = snap(runs=(run("running"),))
    paused = snap(5, runs=(run("paused", reason="cookies_expired", desc="stale cookies"),))
    resumed = snap(10, runs=(run("running"),))
    pause_events = derive_events(first, paused)
    assert len(pause_events) == 1
    event = pause_events[0]
    assert event.kind is EventKind.STATUS and event.level is Level.WARNING
    assert "running → paused" in event.text and "cookies_expired" in event.text
    assert "re-sync" in event.text and '"stale cookies"' in event.text
    resume_events = derive_events(paused, resumed)
    assert [e.kind for e in resume_events] == [EventKind.RESUME]
    assert "resumed" in resume_events[0].text


def test_done_error_and_abort_transitions_carry_reasons() -> None:
    start = snap(runs=(run("running"),))
    done = derive_events(start, snap(1, runs=(run("done", reason="tasks_done", results=40),)))
    assert "running → done" in done[0].text and "tasks_done" in done[0].text
    assert "40 results" in done[0].text and done[0].level is Level.GOOD
    error = derive_events(start, snap(1, runs=(run("error", desc="crawler crashed"),)))
    assert error[0].level is Level.ERROR and "crawler crashed" in error[0].text
    aborted = derive_events(start, snap(1, runs=(run("uploading", reason="aborted"),)))
    assert "running → uploading" in aborted[0].text and "aborted" in aborted[0].text


def test_unknown_status_is_shown_verbatim() -> None:
    events = derive_events(snap(runs=(run("running"),)), snap(1, runs=(run("teleporting"),)))
    assert "running → teleporting" in events[0].text


def test_new_run_appears() -> None:
    newer = run("pending", run_id="f" * 32, created=T0 + timedelta(minutes=1))
    events = derive_events(snap(runs=(run("done"),)), snap(1, runs=(newer, run("done"))))
    assert texts(events) == ["new run ffffff (user), pending"]


def test_no_events_when_the_squid_changes() -> None:
    other = snap(runs=(run("done"),), runs_squid_id="x" * 32, selected_squid_id="x" * 32)
    assert derive_events(snap(runs=(run("running"),)), other) == []


def test_progress_and_milestones() -> None:
    events = derive_events(snap(stats=stats(2, 20, 100)), snap(5, stats=stats(3, 30, 150)))
    assert texts(events) == ["run a1b2c3 3/10 tasks · 150 results (+50)",
                             "run a1b2c3 reached 25%"]


def test_no_progress_is_said_before_the_resume_that_explains_it() -> None:
    # The stats were read moving while the runs still said paused: the log wrote
    # "6/12 tasks · 178 results (+5)" before "resumed (was paused)".
    paused = snap(runs=(run("paused", reason="too_many_requests"),), stats=stats(2, 20, 100))
    moving = snap(5, runs=(run("paused", reason="too_many_requests"),),
                  stats=stats(3, 30, 150))
    assert derive_events(paused, moving) == []
    resumed = snap(10, runs=(run("running"),), stats=stats(4, 40, 180))
    said = derive_events(moving, resumed)
    assert said[0].kind is EventKind.RESUME
    assert texts(said)[1:] == ["run a1b2c3 4/10 tasks · 180 results (+30)"]


def test_credit_milestones() -> None:
    def credits(total: float) -> RunCredits:
        return RunCredits.from_api({"run_id": RUN, "total_credits": total, "total_results": 1})

    events = derive_events(snap(credits=credits(95)), snap(1, credits=credits(130)))
    assert texts(events) == ["run a1b2c3 has used 130 credits"]
    assert derive_events(snap(credits=credits(130)), snap(1, credits=credits(150))) == []


def test_tasks_finishing_and_abort_sweep() -> None:
    before = snap(tasks=(task("t1", "running"), task("t2", "pending"), task("t3", "pending"),
                         task("t4", "pending")))
    after = snap(1, tasks=(task("t1", "completed", "tasks_done"),
                           task("t2", "aborted", "run_aborted"),
                           task("t3", "aborted", "run_aborted"),
                           task("t4", "aborted", "run_aborted")))
    assert texts(derive_events(before, after)) == [
        "3 tasks stopped with the run (run_aborted)",
        "task example.com/t1 completed: 5 results (tasks_done)"]


def test_connection_lost_and_restored() -> None:
    live = snap()
    offline = snap(1, connection=Connection(LinkState.OFFLINE, detail="connection refused"))
    lost = derive_events(live, offline)
    assert texts(lost) == ["connection lost: connection refused"]
    assert texts(derive_events(offline, snap(2))) == ["connection restored"]
    limited = snap(3, connection=Connection(LinkState.RATE_LIMITED, detail="slow down"))
    assert texts(derive_events(live, limited)) == ["rate-limited by the API: slow down"]
    unauthorized = snap(4, connection=Connection(LinkState.UNAUTHORIZED))
    assert "check LOBSTR_TOKEN" in derive_events(live, unauthorized)[0].text


def test_other_squid_status_change_from_the_squid_list() -> None:
    def squid(status: str) -> Squid:
        return Squid.from_api({"id": "o" * 32, "name": "Other", "last_run_status": status})

    events = derive_events(snap(squids=(squid("RUNNING"),)), snap(1, squids=(squid("DONE"),)))
    assert texts(events) == ["squid Other: running → done"]
