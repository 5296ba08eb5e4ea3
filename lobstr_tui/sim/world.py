"""The simulated lobstr.io account: its squids, runs, credits and slots, and its time.

The world keeps the books (which squids and runs there are, the account, the scripted
timeline), steps them forward with its clock, launches scheduled runs, decides whether a
run may start (one active run per squid, readiness, credits, slots) and carries out the
steering of the ``/_sim`` control endpoints. How one run moves from step to step (its
phases, results, credits, pauses) is in :mod:`lobstr_tui.sim.run_progress`.

All state changes happen under one lock, in fixed time steps, with one seeded random
generator: the same seed, clock moves and requests give the same answers.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from lobstr_tui.sim import errors as e
from lobstr_tui.sim import run_progress as rp
from lobstr_tui.sim.clock import SimClock
from lobstr_tui.sim.entities import PausePlan, SimAccount, SimRun, SimRunTask, SimSquid, SimTask
from lobstr_tui.sim.run_progress import PENDING_SECONDS

STEP_SECONDS = 1.0
MAX_CATCH_UP_STEPS = 20_000
MAX_CLOCK_JUMP = 7 * 86400.0
MAX_PACE = 100.0
"""The fastest pace a run can be given (``pace_run``)."""

Action = Callable[["World"], None]


class World:
    """The simulated account: squids, runs, credits, advancing with a clock."""

    def __init__(self, *, seed: int = 1, speed: float = 1.0,
                 clock: SimClock | None = None) -> None:
        self.seed = seed
        self.speed = speed
        self.clock = clock or SimClock()
        self.rng = random.Random(seed)
        self.account = SimAccount(reset_time=self._month_start(self.clock.now()))
        self.squids: dict[str, SimSquid] = {}
        self.runs: dict[str, SimRun] = {}
        self.now: datetime = self.clock.now()
        self.lock = threading.RLock()
        # Seconds of work done since the world was built (wall seconds times ``speed``):
        # scripted events are placed on this axis, so a faster world plays them faster.
        self.work_done = 0.0
        self._timeline: list[tuple[float, int, Action]] = []
        self._order = itertools.count()
        self._advancing = False

    @staticmethod
    def _month_start(now: datetime) -> datetime:
        first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return (first + timedelta(days=32)).replace(day=1)

    # -- identity ----------------------------------------------------------------------

    def new_id(self) -> str:
        """A fresh 32-hex id from the seeded generator."""
        return f"{self.rng.getrandbits(128):032x}"

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the world lock (the HTTP server is threaded)."""
        with self.lock:
            yield

    # -- building ----------------------------------------------------------------------

    def add_squid(self, name: str, crawler_name: str, *, tasks: list[tuple[dict[str, Any], int]],
                  created_at: datetime | None = None, **options: Any) -> SimSquid:
        """Create a squid with tasks given as ``(params, expected_results)``."""
        with self.lock:
            squid = SimSquid(
                id=self.new_id(), name=name, crawler=self.crawler_id(crawler_name),
                crawler_name=crawler_name,
                created_at=created_at or self.now - timedelta(days=30), **options,
            )
            for params, expected in tasks:
                squid.tasks.append(SimTask(id=self.new_id(), params=params,
                                           expected_results=expected,
                                           pages=max(1, expected // 20)))
            self.squids[squid.id] = squid
            return squid

    @staticmethod
    def crawler_id(crawler_name: str) -> str:
        """A stable crawler id derived from its name."""
        rng = random.Random(crawler_name)
        return f"{rng.getrandbits(128):032x}"

    def _new_run(self, squid: SimSquid, origin: str, created_at: datetime) -> SimRun:
        tasks = [
            SimRunTask(id=self.new_id(), task_id=t.id, params=dict(t.params),
                       expected_results=t.expected_results, total_pages=t.pages)
            for t in squid.tasks if t.is_active
        ]
        run = SimRun(id=self.new_id(), squid_id=squid.id, origin=origin,
                     created_at=created_at, tasks=tasks, phase_left=PENDING_SECONDS)
        self.runs[run.id] = run
        squid.run_ids.insert(0, run.id)
        return run

    def add_history_run(self, squid: SimSquid, *, status: str, started_at: datetime,
                        duration: float, done_reason: str | None,
                        done_reason_desc: str | None = None, fraction: float = 1.0,
                        origin: str = "user", share: float = 1.0) -> SimRun:
        """Add a finished run to a squid's history, consistent in results and credits:
        the first ``fraction`` of its tasks completed, each with ``share`` of its
        expected results."""
        with self.lock:
            run = self._new_run(squid, origin, started_at)
            run.status = status
            run.started_at = started_at
            run.ended_at = started_at + timedelta(seconds=duration)
            run.done_reason = done_reason
            run.done_reason_desc = done_reason_desc
            cutoff = int(len(run.tasks) * fraction)
            for index, task in enumerate(run.tasks):
                task.started_at = started_at
                if index < cutoff:
                    rp.collect(self.account, squid, run, task,
                               max(0, round(task.expected_results * share)), self.now,
                               charge=False)
                    task.status, task.done_reason = "completed", "tasks_done"
                else:
                    task.status = "aborted" if status == "aborted" else "error"
                    task.done_reason = "run_aborted" if status == "aborted" else done_reason
                task.ended_at = run.ended_at
            run.export_done = status != "error"
            run.export_count = 1 if run.export_done else 0
            run.export_time = run.ended_at + timedelta(seconds=3) if run.export_done else None
            run.email_done = False
            return run

    def plan_pause(self, run: SimRun, *, after_tasks: int, reason: str,
                   description: str | None = None, resume_after: float | None = None) -> None:
        """Make a run pause once it has finished ``after_tasks`` tasks."""
        with self.lock:
            run.pause_plans.append(PausePlan(after_tasks, reason, description, resume_after))

    def after_work(self, seconds: float, action: Action) -> None:
        """Call ``action(world)`` once the world has done ``seconds`` more of work (the
        demo's script; a world at speed 10 gets there ten times sooner)."""
        with self.lock:
            heapq.heappush(self._timeline, (self.work_done + seconds, next(self._order),
                                            action))

    # -- time --------------------------------------------------------------------------

    def advance(self) -> None:
        """Bring the world up to the clock, in fixed steps.

        Steering methods call this first; a call from inside a step (a scripted event
        steering the world) does nothing, the step in progress is the world's present.
        """
        with self.lock:
            if self._advancing:
                return
            self._advancing = True
            try:
                target = self.clock.now()
                steps = int((target - self.now).total_seconds() // STEP_SECONDS)
                if steps > MAX_CATCH_UP_STEPS:
                    # After a very long idle gap, skip ahead instead of replaying every
                    # second.
                    self.now = target - timedelta(seconds=MAX_CATCH_UP_STEPS * STEP_SECONDS)
                    steps = MAX_CATCH_UP_STEPS
                for _ in range(max(0, steps)):
                    self.now += timedelta(seconds=STEP_SECONDS)
                    self._step(STEP_SECONDS * self.speed)
            finally:
                self._advancing = False

    def _step(self, work: float) -> None:
        self.work_done += work
        while self._timeline and self._timeline[0][0] <= self.work_done:
            heapq.heappop(self._timeline)[2](self)
        for squid in self.squids.values():
            if (squid.schedule_every and squid.next_launch_at
                    and self.now >= squid.next_launch_at):
                squid.next_launch_at = self.now + timedelta(seconds=squid.schedule_every)
                if self.active_run(squid) is None and self.launch_problem(squid) is None:
                    self._new_run(squid, "schedule", self.now)
        for run in [r for r in self.runs.values() if r.is_active]:
            self._advance_run(run, work)

    def _advance_run(self, run: SimRun, work: float) -> None:
        rp.advance_run(run, self.squids[run.squid_id], self.account, self.now, self.rng, work)

    def advance_run_for(self, run: SimRun, work_seconds: float) -> None:
        """Advance one run by some work without moving the clock (building scenarios)."""
        with self.lock:
            left = work_seconds
            while left > 0 and run.is_active:
                self._advance_run(run, min(STEP_SECONDS, left))
                left -= STEP_SECONDS

    # -- rules used by the endpoints ---------------------------------------------------

    def active_run(self, squid: SimSquid) -> SimRun | None:
        """The squid's active run, if any."""
        for run_id in squid.run_ids:
            run = self.runs[run_id]
            if run.is_active:
                return run
        return None

    @property
    def used_slots(self) -> int:
        """Slots held by active runs (their squids' concurrency)."""
        return sum(self.squids[r.squid_id].concurrency for r in self.runs.values()
                   if r.is_active and r.status != "paused")

    def launch_problem(self, squid: SimSquid) -> e.SimError | None:
        """Why a run of ``squid`` cannot start now, as the API would answer; else None."""
        if self.active_run(squid) is not None:
            # The documented answer for this rule: a generic validation_error type.
            return e.validation_error("A run is already active for this squid", "squid")
        if not squid.is_ready:
            return e.flat_error(400, "Squid is not ready: set the crawler's required "
                                     "parameters first.", "SquidNotReady")
        if not any(t.is_active for t in squid.tasks):
            return e.validation_error("This squid has no active tasks to run", "squid",
                                      "NoTasksPresent")
        if self.account.remaining < squid.cost_per_result:
            return e.errors_shape(400, "Not enough credits to launch a run: "
                                       f"{max(0.0, self.account.remaining):,.0f} left",
                                  "NotEnoughBalance")
        if self.used_slots + squid.concurrency > self.account.total_slots:
            return e.errors_shape(400, "All the slots of your plan are in use",
                                  "SlotsLimitExceeded")
        return None

    def start_run(self, squid_id: str, origin: str = "user") -> SimRun:
        """Launch a run, or raise the API's refusal."""
        with self.lock:
            squid = self.squids.get(squid_id)
            if squid is None:
                raise e.SimError(404, {"error": {"message": "Squid not found",
                                                 "type": "SquidDoesNotExistException",
                                                 "param": "squid"}})
            problem = self.launch_problem(squid)
            if problem is not None:
                raise problem
            return self._new_run(squid, origin, self.now)

    def abort_run(self, run_id: str) -> SimRun:
        """Abort an active run: it uploads, then settles to ``aborted``."""
        with self.lock:
            run = self.runs.get(run_id)
            if run is None or not run.is_active:
                raise e.not_found_error("Run not found or already completed", "run_hash")
            if run.status == "uploading" and run.final_status == "aborted":
                return run
            rp.begin_upload(run, "aborted", "aborted", self.now)
            return run

    # -- steering: what the /_sim control endpoints do (tests call these directly) -----
    # Each first brings the world up to its clock, then raises a SimError (400 with a
    # message, 404 for an unknown id) for a request that makes no sense: the HTTP routes
    # and Python callers share one set of rules.

    def _run_to_steer(self, run_id: str) -> SimRun:
        self.advance()
        run = self.runs.get(run_id)
        if run is None:
            raise e.detail_error(404, f"no run with id {run_id!r}")
        return run

    def pause_run(self, run_id: str, reason: str, description: str | None = None,
                  resume_after: float | None = None) -> SimRun:
        """Pause a running run with a reason (a paused one gets the new reason);
        ``resume_after`` work seconds make it resume by itself, else it waits for
        :meth:`resume_run`."""
        with self.lock:
            run = self._run_to_steer(run_id)
            if run.status not in ("running", "paused"):
                raise e.detail_error(400, f"run {run_id} is {run.status}: only a running "
                                          "(or paused) run can be paused")
            if not reason.strip():
                raise e.detail_error(400, "a pause needs a reason slug, e.g. cookies_expired")
            if resume_after is not None and not (math.isfinite(resume_after)
                                                 and resume_after > 0):
                raise e.detail_error(400, "resume_after must be a number of seconds above 0")
            rp.pause(run, reason.strip(), description, resume_after)
            return run

    def resume_run(self, run_id: str) -> SimRun:
        """Resume a paused run, as lobstr.io does once the cause is fixed."""
        with self.lock:
            run = self._run_to_steer(run_id)
            if run.status != "paused":
                raise e.detail_error(400, f"run {run_id} is {run.status}, not paused")
            rp.resume(run)
            return run

    def fail_run(self, run_id: str, description: str) -> SimRun:
        """Put an active run in the ``error`` state (a crash on lobstr.io's side)."""
        with self.lock:
            run = self._run_to_steer(run_id)
            if not run.is_active:
                raise e.detail_error(400, f"run {run_id} is already {run.status}")
            if not description.strip():
                raise e.detail_error(400, "an error needs a message")
            rp.fail(run, description, self.now)
            return run

    def pace_run(self, run_id: str, factor: float) -> SimRun:
        """Make an active run collect ``factor`` times as fast as its squid usually does
        (0.1: ten times slower, 2: twice as fast) from now on."""
        with self.lock:
            run = self._run_to_steer(run_id)
            if not run.is_active:
                raise e.detail_error(400, f"run {run_id} is already {run.status}")
            if not (math.isfinite(factor) and 0 < factor <= MAX_PACE):
                raise e.detail_error(400, f"factor must be a number above 0 and at most "
                                          f"{MAX_PACE:g}, e.g. 0.1")
            run.pace = factor
            return run

    def finish_run(self, run_id: str, reason: str = "tasks_done") -> SimRun:
        """End an active run now as ``done`` with ``reason``: it uploads, then settles."""
        with self.lock:
            run = self._run_to_steer(run_id)
            if not run.is_active or run.status == "uploading":
                raise e.detail_error(400, f"run {run_id} is {run.status}: only a pending, "
                                          "running or paused run can be finished")
            if not reason.strip():
                raise e.detail_error(400, "a finish needs a done reason slug, e.g. tasks_done")
            run.pause_left = None
            rp.begin_upload(run, "done", reason.strip(), self.now)
            return run

    def set_balance(self, *, available: float | None = None,
                    consumed: float | None = None) -> SimAccount:
        """Set the plan's credits (``available`` is not reduced by ``consumed``)."""
        with self.lock:
            self.advance()
            if available is None and consumed is None:
                raise e.detail_error(400, "give available, consumed or both")
            for name, value in (("available", available), ("consumed", consumed)):
                if value is not None and not (math.isfinite(value) and value >= 0):
                    raise e.detail_error(400, f"{name} must be a number of credits >= 0")
            if available is not None:
                self.account.available = float(available)
            if consumed is not None:
                self.account.consumed = float(consumed)
            return self.account

    def set_slots(self, total: int) -> SimAccount:
        """Set the plan's slot count (runs already going keep theirs)."""
        with self.lock:
            self.advance()
            if not 0 <= total <= 10_000:
                raise e.detail_error(400, "total must be a whole number of slots, 0 to 10000")
            self.account.total_slots = total
            return self.account

    def advance_clock(self, seconds: float) -> datetime:
        """Move a manual clock forward and bring the world up to it; return the new time.

        A real-time clock is refused: jumping it would put the world's timestamps ahead
        of every client's wall clock (``--speed`` makes a real-time world go faster).
        """
        with self.lock:
            if not self.clock.manual:
                raise e.detail_error(400, "this simulator runs on real time; only a manual "
                                          "clock (tests) can be advanced; use --speed "
                                          "to make runs go faster")
            if not (math.isfinite(seconds) and 0 < seconds <= MAX_CLOCK_JUMP):
                raise e.detail_error(400, "advance must be a number of seconds above 0, "
                                          f"at most {MAX_CLOCK_JUMP:.0f}")
            self.clock.advance(seconds)
            self.advance()
            return self.now

    def create_squid(self, name: str, crawler: str, *, tasks: int = 5) -> SimSquid:
        """A new squid of ``crawler`` (a crawler name) with ``tasks`` URL tasks."""
        with self.lock:
            self.advance()
            if not name.strip() or len(name) > 200:
                raise e.detail_error(400, "name must be 1 to 200 characters")
            if not crawler.strip() or len(crawler) > 200:
                raise e.detail_error(400, "crawler must be a crawler name, 1 to 200 "
                                          "characters")
            if not 1 <= tasks <= 1000:
                raise e.detail_error(400, "tasks must be a whole number from 1 to 1000")
            slug = "-".join(name.lower().split())[:40] or "squid"
            return self.add_squid(
                name.strip(), crawler.strip(), created_at=self.now,
                tasks=[({"url": f"https://example.test/{slug}/{i + 1}"}, 20 + (i * 7) % 11)
                       for i in range(tasks)])

    def delete_squid(self, squid_id: str) -> None:
        """Remove a squid and its runs (tests of 404 handling)."""
        with self.lock:
            squid = self.squids.pop(squid_id)
            for run_id in squid.run_ids:
                self.runs.pop(run_id, None)
