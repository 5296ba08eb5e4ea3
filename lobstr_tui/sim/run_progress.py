"""How a simulated run moves: its phases, the results it collects and the credits it costs.

A run is ``pending`` for a few seconds of work, then ``running``: task after task, it
collects results at its squid's pace (with some seeded randomness), charging the account
for each; it may pause (a planned pause, or the credits ran out) and resume; once its
tasks are done, or its credits are, it is ``uploading`` for a few seconds and then settles
to its final status. Pausing, resuming, an upload, an error: each is one function here,
used by :class:`~lobstr_tui.sim.world.World` for both its own steps and its steering.

These functions change the entities they are given and nothing else: the world holds the
lock, the clock and the random generator, and passes in what a rule needs.
"""

from __future__ import annotations

import random
from datetime import datetime

from lobstr_tui.sim.entities import SimAccount, SimRun, SimRunTask, SimSquid

PENDING_SECONDS = 3.0
UPLOAD_SECONDS = 4.0


def advance_run(run: SimRun, squid: SimSquid, account: SimAccount, now: datetime,
                rng: random.Random, work: float) -> None:
    """Move one active run forward by ``work`` seconds of work, at time ``now``."""
    if run.status == "pending":
        run.phase_left -= work
        if run.phase_left <= 0:
            run.status = "running"
            run.started_at = now
    elif run.status == "running":
        _advance_running(squid, run, account, now, rng, work * run.pace)
    elif run.status == "paused":
        if run.done_reason == "no_credits_left" and account.remaining > 0:
            resume(run)
        elif run.pause_left is not None:
            run.pause_left -= work
            if run.pause_left <= 0:
                resume(run)
    elif run.status == "uploading":
        run.phase_left -= work
        if run.phase_left <= 0:
            run.status = run.final_status
            run.export_done = True
            run.export_count += 1
            run.export_time = now
            run.email_done = False


def _advance_running(squid: SimSquid, run: SimRun, account: SimAccount, now: datetime,
                     rng: random.Random, work: float) -> None:
    for plan in list(run.pause_plans):
        if run.tasks_done >= plan.after_tasks:
            run.pause_plans.remove(plan)
            pause(run, plan.reason, plan.description, plan.resume_after)
            return
    task = next((t for t in run.tasks if t.status in ("pending", "running")), None)
    if task is None:
        begin_upload(run, "done", "tasks_done", now)
        return
    if task.status == "pending":
        task.status = "running"
        task.started_at = now
    run.carry += squid.results_per_second * squid.concurrency * work * rng.uniform(0.6, 1.4)
    wanted = min(int(run.carry), task.expected_results - task.collected)
    run.carry -= int(run.carry)
    cost = squid.cost_per_result
    affordable = int(max(0.0, account.remaining) // cost) if cost > 0 else wanted
    count = min(wanted, affordable)
    collect(account, squid, run, task, count, now, charge=True)
    if run.total_requests is not None:
        run.total_requests += max(1, count // 10)
    if task.collected >= task.expected_results:
        task.status = "completed"
        task.ended_at = now
        task.done_reason = "tasks_done"
    if count < wanted:
        if squid.end_mode == "all_tasks":
            pause(run, "no_credits_left", "Credits ran out: waiting for a refill", None)
        else:
            begin_upload(run, "done", "no_credits_left", now)


def collect(account: SimAccount, squid: SimSquid, run: SimRun, task: SimRunTask,
            count: int, now: datetime, *, charge: bool) -> None:
    """Add ``count`` results to a task and its run, with their credit lines; ``charge``
    takes their cost from the account (a history run, built already over, is not)."""
    if count <= 0:
        return
    before = task.collected
    task.collected += count
    task.last_page = min(task.total_pages,
                         task.collected * task.total_pages // max(1, task.expected_results))
    task.last_collection_at = now if charge else run.ended_at
    run.total_results += count
    duplicates = (task.collected // squid.duplicate_every) - (before // squid.duplicate_every)
    run.unique_results += count - duplicates
    lines = [("base", squid.base_rate), *squid.functions.items()]
    for function, rate in lines:
        entry = run.credits.setdefault(function, [0.0, 0])
        entry[0] += rate * count
        entry[1] += count
    if charge:
        account.consumed += squid.cost_per_result * count


def pause(run: SimRun, reason: str, description: str | None,
          resume_after: float | None) -> None:
    """Pause a run with a reason; ``resume_after`` work seconds make it resume by itself."""
    run.status = "paused"
    run.done_reason = reason
    run.done_reason_desc = description
    run.pause_left = resume_after


def resume(run: SimRun) -> None:
    """Set a paused run running again, its pause reason cleared."""
    run.status = "running"
    run.done_reason = None
    run.done_reason_desc = None
    run.pause_left = None


def begin_upload(run: SimRun, final_status: str, reason: str, now: datetime) -> None:
    """End a run's work at ``now``: its unfinished tasks stop, it uploads, then it settles
    to ``final_status``."""
    run.status = "uploading"
    run.final_status = final_status
    run.done_reason = reason
    run.ended_at = now
    run.phase_left = UPLOAD_SECONDS
    _close_tasks(run, "aborted", now,
                 reason="run_aborted" if final_status == "aborted" else reason)


def fail(run: SimRun, description: str, now: datetime) -> None:
    """Put a run in the ``error`` state at ``now``, its unfinished tasks with it."""
    run.status = "error"
    run.ended_at = now
    run.done_reason = None
    run.done_reason_desc = description
    run.pause_left = None
    _close_tasks(run, "error", now)


def _close_tasks(run: SimRun, status: str, now: datetime, *, reason: str | None = None
                 ) -> None:
    """The run's unfinished tasks end at ``now`` in ``status`` (with ``reason`` if any)."""
    for task in run.tasks:
        if task.status in ("pending", "running"):
            task.status = status
            if reason is not None:
                task.done_reason = reason
            task.ended_at = now
