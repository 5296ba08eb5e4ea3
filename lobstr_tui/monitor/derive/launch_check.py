"""What the snapshot already says about launching a squid: what stands in the way, how
many tasks it would run, and what a run has cost before.

Pure functions of a :class:`Snapshot`: the launch dialog shows them before anything is
sent, so a person never pays a request (or a run) to learn what was already known.
"""

from __future__ import annotations

from dataclasses import dataclass

from lobstr_tui.api import Run, Squid, StatusKind, credit_amount
from lobstr_tui.monitor.derive.events import short_id
from lobstr_tui.monitor.model.snapshot import Snapshot

ESTIMATE_RUNS = 5
"""How many of the squid's latest done runs the cost estimate averages."""


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """What the squid's latest done runs cost: an estimate, never a price."""

    runs: int
    """How many done runs the figures come from."""
    per_run: float
    """Average credits of one run."""
    lowest: float
    highest: float
    per_result: float | None
    """Credits per result over those runs (None when they collected nothing)."""
    tasks: int | None = None
    results_per_task: float | None = None
    """Results per task of the squid's latest done run, when its stats are known."""

    @property
    def for_tasks(self) -> float | None:
        """Credits per result × results per task × tasks, when all three are known;
        else None (then ``per_run`` is the estimate)."""
        if self.per_result is None or not self.tasks or not self.results_per_task:
            return None
        return self.per_result * self.results_per_task * self.tasks

    @property
    def expected(self) -> float:
        """The figure to show first: scaled to the tasks when known, else per run."""
        return self.per_run if self.for_tasks is None else self.for_tasks


@dataclass(frozen=True, slots=True)
class LaunchCheck:
    """Everything the launch dialog says about one squid."""

    squid: Squid
    blockers: tuple[str, ...]
    """Reasons the API would refuse the launch, as far as the snapshot knows."""
    tasks: int | None
    """Tasks a run would have, from the squid's latest run with known task counts."""
    tasks_from: str | None
    """Which run ``tasks`` comes from (its short id)."""
    estimate: CostEstimate | None
    credits_left: float | None
    warnings: tuple[str, ...] = ()
    """Things worth knowing that do not stop a launch (e.g. credits may run out)."""

    @property
    def blocked(self) -> bool:
        """True when the launch is known to be refused."""
        return bool(self.blockers)


def _runs_of(snapshot: Snapshot, squid: Squid) -> tuple[Run, ...]:
    """The loaded runs, when they are this squid's (else nothing is known of them)."""
    return snapshot.runs if snapshot.runs_squid_id == squid.id else ()


def _task_count(snapshot: Snapshot, runs: tuple[Run, ...]) -> tuple[int | None, str | None]:
    """Tasks of the newest run whose task count the snapshot knows."""
    known: dict[str, int] = {}
    stats = snapshot.stats
    if stats is not None and stats.total_tasks > 0:
        known[stats.id or (snapshot.selected_run_id or "")] = stats.total_tasks
    for progress in snapshot.progress.values():
        if progress.tasks_total > 0:
            known.setdefault(progress.run_id, progress.tasks_total)
    for run in runs:  # newest first
        if run.id in known:
            return known[run.id], short_id(run.id)
    return None, None


def cost_estimate(runs: tuple[Run, ...], *, tasks: int | None = None,
                  results_per_task: float | None = None) -> CostEstimate | None:
    """From the latest done runs (newest first): average credits per run and per result;
    with ``tasks`` and ``results_per_task`` also credits per result × the results that
    many tasks would bring."""
    done = [r for r in runs if r.status.kind is StatusKind.DONE and r.credit_used > 0]
    done = done[:ESTIMATE_RUNS]
    if not done:
        return None
    spent = [r.credit_used for r in done]
    results = sum(r.total_results for r in done)
    per_result = sum(spent) / results if results > 0 else None
    return CostEstimate(runs=len(done), per_run=sum(spent) / len(done), lowest=min(spent),
                        highest=max(spent), per_result=per_result, tasks=tasks,
                        results_per_task=results_per_task)


def _results_per_task(snapshot: Snapshot, runs: tuple[Run, ...]) -> float | None:
    """Results per task of the selected run, when it is a done run of these runs."""
    stats = snapshot.stats
    if stats is None or stats.total_tasks <= 0 or stats.total_results <= 0:
        return None
    run = next((r for r in runs if r.id == (stats.id or snapshot.selected_run_id)), None)
    if run is None or run.status.kind is not StatusKind.DONE:
        return None
    return stats.total_results / stats.total_tasks


def _active_blocker(squid: Squid, runs: tuple[Run, ...]) -> str | None:
    active = next((r for r in runs if r.status.is_active), None)
    if active is not None:
        return (f"run {short_id(active.id)} is {active.status.label}: lobstr.io allows one "
                "active run per squid (abort it first, or wait)")
    if not runs and squid.last_run_status is not None and squid.last_run_status.is_active:
        return (f"its last run is {squid.last_run_status.label}: lobstr.io allows one "
                "active run per squid")
    return None


def launch_check(snapshot: Snapshot, squid: Squid) -> LaunchCheck:
    """What stands in the way of launching ``squid`` and what a run may cost, from what
    ``snapshot`` knows (the API has the last word: unknown things are not blockers)."""
    runs = _runs_of(snapshot, squid)
    blockers: list[str] = []
    warnings: list[str] = []
    active = _active_blocker(squid, runs)
    if active is not None:
        blockers.append(active)
    if not squid.is_ready:
        blockers.append("the squid is not ready: "
                        + (squid.message or "set its crawler's parameters in lobstr.io"))
    if squid.to_complete is False:
        blockers.append("no tasks to run: add tasks to the squid in lobstr.io first")
    tasks, tasks_from = _task_count(snapshot, runs)
    estimate = cost_estimate(runs, tasks=tasks,
                             results_per_task=_results_per_task(snapshot, runs))
    balance = snapshot.balance
    left = balance.remaining if balance is not None else None
    if balance is not None:
        if balance.remaining <= 0:
            blockers.append(f"no credits left ({credit_amount(balance.remaining)}): lobstr.io "
                            "refuses to launch until credits are added or reset")
        elif (estimate is not None and estimate.per_result is not None
              and balance.remaining < estimate.per_result):
            blockers.append(f"not enough credits: {credit_amount(balance.remaining)} left, "
                            f"and a result has cost {credit_amount(estimate.per_result)}")
        elif estimate is not None and estimate.expected > balance.remaining:
            warnings.append(f"the estimate is above the {credit_amount(balance.remaining)} credits "
                            "left: lobstr.io would pause the run (no_credits_left)")
        need = max(1, squid.concurrency)
        free = balance.total_available_slots - balance.used_slots
        if active is None and free < need:
            blockers.append(f"no free slot: {balance.used_slots}/"
                            f"{balance.total_available_slots} slots in use and this squid "
                            f"needs {need}")
    return LaunchCheck(squid=squid, blockers=tuple(blockers), tasks=tasks,
                       tasks_from=tasks_from, estimate=estimate, credits_left=left,
                       warnings=tuple(warnings))
