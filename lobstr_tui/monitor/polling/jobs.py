"""What to fetch next: pure functions of the snapshot, the policy and the clock.

Each resource the monitor keeps fresh is a :class:`Job` with a key (at most one request
per key is in flight), the rate-limit prefix it spends and its period. ``plan_jobs`` says
which jobs exist for the current selection; ``pick_due`` says which of them to start now.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, MutableMapping
from dataclasses import dataclass
from enum import Enum

from lobstr_tui.monitor.model.snapshot import Snapshot, StoryTab
from lobstr_tui.monitor.polling.budget import BudgetPlan, RequestBudget
from lobstr_tui.monitor.polling.history_job import history_wanted
from lobstr_tui.monitor.polling.poll_policy import PollPolicy
from lobstr_tui.monitor.polling.rate_gate import RateGate
from lobstr_tui.monitor.polling.tracker import ReadKind, RowRead

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
    ROW_FIND = "row-find"
    ROW_RUN = "row-run"
    ROW_STATS = "row-stats"
    OLDER_TASKS = "older-tasks"
    RESULTS = "results"
    OLDEST_RUNS = "oldest-runs"
    FIND_RUN = "find-run"
    HISTORY = "history"


ON_DEMAND = frozenset({JobKind.OLDER_RUNS, JobKind.OLDER_TASKS, JobKind.RESULTS,
                       JobKind.OLDEST_RUNS, JobKind.FIND_RUN})
"""Reads the person asked for (a page more, the oldest runs, a run by its id): read
once per asking, never polled."""


BOARD_SLOT = "board"
"""The one key of every board read: they go one at a time, ``row_interval`` apart."""
_SAME_URL = {JobKind.ROW_STATS: JobKind.STATS, JobKind.ROW_FIND: JobKind.LATEST_RUN}
"""Board reads that ask for the same URL as another job for the same target."""
_ROW_KIND: dict[ReadKind, JobKind] = {
    "find": JobKind.ROW_FIND, "run": JobKind.ROW_RUN, "stats": JobKind.ROW_STATS}
ROW_KINDS = frozenset(_ROW_KIND.values())
ROW_READ: dict[JobKind, ReadKind] = {kind: read for read, kind in _ROW_KIND.items()}
"""The board read each row job makes (the inverse of the planning map)."""
ROW_FALLBACK_EVERY = 10.0
_UNCADENCED = frozenset({JobKind.OLDER_RUNS, JobKind.LATEST_RUN, JobKind.HISTORY, *ROW_KINDS})

_PREFIX = {
    JobKind.STATS: "runs", JobKind.CREDITS: "runs", JobKind.TASKS: "runtasks",
    JobKind.RUNS: "runs", JobKind.OLDER_RUNS: "runs", JobKind.LATEST_RUN: "runs",
    JobKind.SQUIDS: "squids",
    JobKind.BALANCE: "user", JobKind.ME: "me",
    JobKind.ROW_FIND: "runs", JobKind.ROW_RUN: "runs", JobKind.ROW_STATS: "runs",
    JobKind.OLDER_TASKS: "runtasks", JobKind.RESULTS: "results",
    JobKind.OLDEST_RUNS: "runs", JobKind.FIND_RUN: "runs", JobKind.HISTORY: "runs",
}


@dataclass(frozen=True, slots=True)
class Job:
    """One resource to keep fresh: what, for which run or squid, and how often.

    ``slot`` replaces the key (every board read shares one); ``essential`` requests
    (the selected run's stats, the squid list) have their share of the request budget
    reserved (see :mod:`~lobstr_tui.monitor.polling.budget`)."""

    kind: JobKind
    target: str | None
    period: float
    slot: str | None = None
    essential: bool = False
    counted: bool = True
    """False for the pages after the first of the pass that fills a long squid list: a
    one-time cost of opening the app, not counted in the request budget."""
    burst: bool = False
    """A board row's first read: it may spend the budget's burst allowance."""

    @property
    def key(self) -> str:
        """``stats:<run id>``, ``squids``, ``board``...: one request per key at a time."""
        if self.slot is not None:
            return self.slot
        return self.kind.value if self.target is None else f"{self.kind.value}:{self.target}"

    @property
    def url_key(self) -> str:
        """What the job reads, as a key: two jobs reading the same URL (the board's read
        of a run's stats and the selected run's stats) are never in flight together."""
        kind = _SAME_URL.get(self.kind, self.kind)
        return kind.value if self.target is None else f"{kind.value}:{self.target}"

    @property
    def cadenced(self) -> bool:
        """True for a resource polled at a period that its staleness is measured
        against (not a one-off read, a board read or a squid's history)."""
        return self.kind not in _UNCADENCED and self.period < NEVER

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
              reasons_wanted: Collection[str] = (), budget: BudgetPlan | None = None,
              row_read: RowRead | None = None, find_run: str | None = None,
              filling_squids: bool = False) -> list[Job]:
    """The jobs for the current selection, most important first.

    The selected run's stats are polled while it is active (once otherwise); its credits
    likewise, and once more after it ended unless they were read after its end
    (``credits_final``); its tasks only when tasks-done changed since they were last
    read; while the board is on screen (``state.board_view``) its stats are one of the
    board's rows (``budget.stats_every``, not reserved). The selected squid's runs are
    polled fast while it has an active run. The
    newest run of each squid in ``reasons_wanted`` is read once (its status changed on
    the squid list: the event needs its reason). ``row_read`` is the board's next read,
    in the board's slot every ``budget.row_interval`` seconds; ``budget`` may also slow
    down the selected squid's runs, credits and tasks. A rejected token leaves only a
    slow probe of ``me``: retrying does not heal a token.

    The run's story: while the Tasks tab is open on an active run its tasks are polled
    (read once on a finished run); the next page of tasks, the results pages, the
    oldest runs and a run looked up by its id (``find_run``) are read when asked for.
    A squid's baseline, when one is wanted (see ``history_job``), takes the board's
    next turn: its reads cost the board's share of the budget, nothing else's.
    """
    if unauthorized:
        return [Job(JobKind.ME, None, max(policy.me_every, policy.unauthorized_every))]
    runs_every = budget.runs_every if budget else policy.active_runs_every
    credits_every = budget.credits_every if budget else policy.credits_every
    tasks_every = budget.tasks_every if budget else policy.tasks_min_every
    jobs: list[Job] = []
    run = state.selected_run
    if run is not None:
        active = run.status.is_active
        stats_every = budget.stats_every if budget else policy.stats_every
        jobs.append(Job(JobKind.STATS, run.id, stats_every if active else NEVER,
                        essential=active and not state.board_view))
        if active or state.credits is None or run.id not in credits_final:
            jobs.append(Job(JobKind.CREDITS, run.id, credits_every if active else NEVER))
        stats = state.stats
        tasks_open = state.story_tab is StoryTab.TASKS
        if (stats is not None and stats.id == run.id and (
                tasks_seen_done.get(run.id) != stats.total_tasks_done)) or (
                tasks_open and (active or state.tasks_pages == 0)):
            jobs.append(Job(JobKind.TASKS, run.id, tasks_every))
        if state.tasks_loading_more:
            jobs.append(Job(JobKind.OLDER_TASKS, run.id, NEVER))
        if state.results.loading and state.results.run_id == run.id:
            jobs.append(Job(JobKind.RESULTS, run.id, NEVER, essential=True))
    squid_id = state.selected_squid_id
    if squid_id:
        jobs.append(Job(JobKind.RUNS, squid_id, runs_every
                        if squid_is_busy(state) else policy.quiet_runs_every))
        if state.runs_loading_more:
            jobs.append(Job(JobKind.OLDER_RUNS, squid_id, NEVER))
        if state.runs_jumping:
            jobs.append(Job(JobKind.OLDEST_RUNS, squid_id, NEVER, essential=True))
        if find_run is not None:
            jobs.append(Job(JobKind.FIND_RUN, find_run, NEVER, essential=True))
    jobs.extend(Job(JobKind.LATEST_RUN, other, NEVER) for other in reasons_wanted
                if other != squid_id)
    jobs.append(Job(JobKind.SQUIDS, None, budget.squids_every if budget else policy.squids_every,
                    essential=True, counted=not filling_squids))
    jobs.append(Job(JobKind.BALANCE, None, policy.balance_every))
    jobs.append(Job(JobKind.ME, None, policy.me_every))
    # A squid's history takes one of the board's turns, after a new run to find.
    history = None if row_read is not None and row_read.kind == "find" else (
        history_wanted(state))
    every = budget.row_interval if budget and budget.row_interval else ROW_FALLBACK_EVERY
    if history is not None:
        jobs.append(Job(JobKind.HISTORY, history, every, slot=BOARD_SLOT))
    elif row_read is not None:
        jobs.append(Job(_ROW_KIND[row_read.kind], row_read.target, every, slot=BOARD_SLOT,
                        burst=row_read.first))
    return jobs


def squid_is_busy(state: Snapshot) -> bool:
    """True when the selected squid has (or the squid list says it has) an active run."""
    if state.active_run is not None:
        return True
    squid = state.selected_squid
    return squid is not None and squid.last_run_status is not None and (
        squid.last_run_status.is_active)


def pick_due(jobs: list[Job], *, now: float, next_due: MutableMapping[str, float],
             in_flight: Collection[str], gate: RateGate, max_in_flight: int,
             budget: RequestBudget | None = None) -> list[Job]:
    """The jobs to start now, in order; each one is counted in ``gate`` and ``budget``.

    A job seen for the first time is due at once. A due job whose prefix is closed or
    out of budget, or that the request budget cannot afford now, is put off until it
    can (``next_due`` is updated).
    """
    started: list[Job] = []
    running = len(in_flight)
    for job in jobs:
        if job.key in in_flight or next_due.setdefault(job.key, 0.0) > now:
            continue
        if running + len(started) >= max_in_flight:
            break
        wait = admit(gate, budget, job.prefix, now, essential=job.essential,
                     counted=job.counted, burst=job.burst)
        if wait > 0:
            next_due[job.key] = now + wait
            continue
        started.append(job)
    return started


def admit(gate: RateGate, budget: RequestBudget | None, prefix: str, now: float, *,
          essential: bool = False, counted: bool = True, burst: bool = False) -> float:
    """Seconds before one request on ``prefix`` may go (0: now, and it is counted in
    ``gate`` and, when ``counted``, in ``budget``; ``burst``: it may spend the budget's
    burst allowance)."""
    wait = gate.wait(prefix, now)
    if budget is not None:
        wait = max(wait, budget.wait(now, essential=essential, burst=burst))
    if wait <= 0:
        gate.record(prefix, now)
        if budget is not None and counted:
            budget.record(now, essential=essential, burst=burst)
    return wait


def next_wake(jobs: list[Job], next_due: Mapping[str, float], in_flight: Collection[str],
              now: float, *, longest: float = 5.0, shortest: float = 0.05) -> float:
    """Seconds the loop may sleep before one of ``jobs`` is due (bounded both ways).

    Only planned jobs count: a resource not wanted now (run tasks whose count did not
    change) keeps its due time for later but must not wake the loop."""
    dues = [next_due.get(job.key, 0.0) for job in jobs if job.key not in in_flight]
    if not dues:
        return longest
    return min(longest, max(shortest, min(dues) - now))
