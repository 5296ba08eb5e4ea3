"""What to fetch next: pure functions of the snapshot, the policy and the clock.

Each resource the monitor keeps fresh is a :class:`Job` with a key (at most one request
per key is in flight), the rate-limit prefix it spends and its period. ``plan_jobs`` says
which jobs exist for the current selection; ``pick_due`` says which of them to start now.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, MutableMapping
from dataclasses import dataclass
from enum import Enum

from lobstr_tui.monitor.policy import PollPolicy
from lobstr_tui.monitor.rate_gate import RateGate
from lobstr_tui.monitor.snapshot import Snapshot

NEVER = 1e9
"""The period of a job that is fetched once and then only on demand."""


class JobKind(Enum):
    """A kind of resource; its value names the resource in ``Snapshot.errors``."""

    STATS = "stats"
    CREDITS = "credits"
    TASKS = "tasks"
    RUNS = "runs"
    OLDER_RUNS = "older-runs"
    LATEST_RUN = "latest-run"
    SQUIDS = "squids"
    BALANCE = "balance"
    ME = "me"


_PREFIX = {
    JobKind.STATS: "runs", JobKind.CREDITS: "runs", JobKind.TASKS: "runtasks",
    JobKind.RUNS: "runs", JobKind.OLDER_RUNS: "runs", JobKind.LATEST_RUN: "runs",
    JobKind.SQUIDS: "squids",
    JobKind.BALANCE: "user", JobKind.ME: "me",
}


@dataclass(frozen=True, slots=True)
class Job:
    """One resource to keep fresh: what, for which run or squid, and how often."""

    kind: JobKind
    target: str | None
    period: float

    @property
    def key(self) -> str:
        """``stats:<run id>``, ``squids``...: one request per key at a time."""
        return self.kind.value if self.target is None else f"{self.kind.value}:{self.target}"

    @property
    def prefix(self) -> str:
        """The rate-limit bucket this job spends."""
        return _PREFIX[self.kind]

    @property
    def resource(self) -> str:
        """The name of the resource in ``Snapshot.errors`` and ``fetched_at``."""
        return self.kind.value


def plan_jobs(state: Snapshot, policy: PollPolicy, *, tasks_seen_done: Mapping[str, int],
              unauthorized: bool, credits_final: Collection[str] = (),
              reasons_wanted: Collection[str] = ()) -> list[Job]:
    """The jobs for the current selection, most important first.

    The selected run's stats are polled while it is active (once otherwise); its credits
    likewise, and once more after it ended unless they were read after its end
    (``credits_final``); its tasks only when tasks-done changed since they were last
    read. The selected squid's runs are polled fast while it has an active run. The
    newest run of each squid in ``reasons_wanted`` is read once (its status changed on
    the squid list: the event needs its reason). A rejected token leaves only a slow
    probe of ``me``: retrying does not heal a token.
    """
    if unauthorized:
        return [Job(JobKind.ME, None, max(policy.me_every, policy.unauthorized_every))]
    jobs: list[Job] = []
    run = state.selected_run
    if run is not None:
        active = run.status.is_active
        jobs.append(Job(JobKind.STATS, run.id, policy.stats_every if active else NEVER))
        if active or state.credits is None or run.id not in credits_final:
            jobs.append(Job(JobKind.CREDITS, run.id,
                            policy.credits_every if active else NEVER))
        stats = state.stats
        if stats is not None and stats.id == run.id and (
                tasks_seen_done.get(run.id) != stats.total_tasks_done):
            jobs.append(Job(JobKind.TASKS, run.id, policy.tasks_min_every))
    squid_id = state.selected_squid_id
    if squid_id:
        jobs.append(Job(JobKind.RUNS, squid_id, policy.active_runs_every
                        if squid_is_busy(state) else policy.quiet_runs_every))
        if state.runs_loading_more:
            jobs.append(Job(JobKind.OLDER_RUNS, squid_id, NEVER))
    jobs.extend(Job(JobKind.LATEST_RUN, other, NEVER) for other in reasons_wanted
                if other != squid_id)
    jobs.append(Job(JobKind.SQUIDS, None, policy.squids_every))
    jobs.append(Job(JobKind.BALANCE, None, policy.balance_every))
    jobs.append(Job(JobKind.ME, None, policy.me_every))
    return jobs


def squid_is_busy(state: Snapshot) -> bool:
    """True when the selected squid has (or the squid list says it has) an active run."""
    if state.active_run is not None:
        return True
    squid = state.selected_squid
    return squid is not None and squid.last_run_status is not None and (
        squid.last_run_status.is_active)


def pick_due(jobs: list[Job], *, now: float, next_due: MutableMapping[str, float],
             in_flight: Collection[str], gate: RateGate, max_in_flight: int) -> list[Job]:
    """The jobs to start now, in order; each one is counted in ``gate``.

    A job seen for the first time is due at once. A due job whose prefix is closed or
    out of budget is put off until the gate opens (``next_due`` is updated).
    """
    started: list[Job] = []
    running = len(in_flight)
    for job in jobs:
        if job.key in in_flight or next_due.setdefault(job.key, 0.0) > now:
            continue
        if running + len(started) >= max_in_flight:
            break
        wait = gate.wait(job.prefix, now)
        if wait > 0:
            next_due[job.key] = now + wait
            continue
        gate.record(job.prefix, now)
        started.append(job)
    return started


def next_wake(jobs: list[Job], next_due: Mapping[str, float], in_flight: Collection[str],
              now: float, *, longest: float = 5.0, shortest: float = 0.05) -> float:
    """Seconds the loop may sleep before one of ``jobs`` is due (bounded both ways).

    Only planned jobs count: a resource not wanted now (run tasks whose count did not
    change) keeps its due time for later but must not wake the loop."""
    dues = [next_due.get(job.key, 0.0) for job in jobs if job.key not in in_flight]
    if not dues:
        return longest
    return min(longest, max(shortest, min(dues) - now))
