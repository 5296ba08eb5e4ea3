"""The simulated world's mutable state: squids, tasks, runs, run tasks, the account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ACTIVE_STATUSES = frozenset({"pending", "running", "uploading", "paused"})
TERMINAL_STATUSES = frozenset({"done", "aborted", "error"})


@dataclass
class SimTask:
    """One input of a squid: a URL or query, with how many results it will yield."""

    id: str
    params: dict[str, Any]
    expected_results: int
    pages: int = 1
    is_active: bool = True


@dataclass
class SimSquid:
    """A squid and the knobs that shape its runs."""

    id: str
    name: str
    crawler: str
    crawler_name: str
    created_at: datetime
    concurrency: int = 1
    params: dict[str, Any] = field(default_factory=dict)
    tasks: list[SimTask] = field(default_factory=list)
    is_ready: bool = True
    is_active: bool = True
    # "no_credit": a run ends (done, no_credits_left) when credits run out;
    # "all_tasks": it pauses until credits come back.
    end_mode: str = "no_credit"
    base_rate: float = 1.0
    base_label: str | None = None
    functions: dict[str, float] = field(default_factory=dict)
    results_per_second: float = 2.0
    duplicate_every: int = 25
    schedule: str | None = None
    schedule_every: float | None = None
    next_launch_at: datetime | None = None
    message: str | None = None
    run_ids: list[str] = field(default_factory=list)

    @property
    def cost_per_result(self) -> float:
        """Credits charged per collected result: base rate plus every enrichment."""
        return self.base_rate + sum(self.functions.values())


@dataclass
class SimRunTask:
    """One task inside one run."""

    id: str
    task_id: str
    params: dict[str, Any]
    expected_results: int
    total_pages: int
    status: str = "pending"
    collected: int = 0
    last_page: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None
    last_collection_at: datetime | None = None
    done_reason: str | None = None
    done_reason_desc: str | None = None


@dataclass
class PausePlan:
    """A pause that will happen once the run has finished ``after_tasks`` tasks."""

    after_tasks: int
    reason: str
    description: str | None = None
    resume_after: float | None = None  # work seconds; None: until resolved by hand


@dataclass
class SimRun:
    """One run and its progress."""

    id: str
    squid_id: str
    origin: str
    created_at: datetime
    tasks: list[SimRunTask]
    status: str = "pending"
    started_at: datetime | None = None
    ended_at: datetime | None = None
    total_results: int = 0
    unique_results: int = 0
    credits: dict[str, list[float]] = field(default_factory=dict)  # function -> [credits, n]
    done_reason: str | None = None
    done_reason_desc: str | None = None
    export_done: bool | None = None
    export_count: int = 0
    export_time: datetime | None = None
    email_done: bool | None = None
    phase_left: float = 0.0
    final_status: str = "done"
    pause_left: float | None = None
    carry: float = 0.0
    pause_plans: list[PausePlan] = field(default_factory=list)
    total_requests: int | None = 0
    pace: float = 1.0
    """How fast the run collects compared with its squid's usual pace (0.1: ten times
    slower); set by ``POST /_sim/runs/{id}/pace``."""

    @property
    def is_active(self) -> bool:
        """True while the run holds its squid."""
        return self.status in ACTIVE_STATUSES

    @property
    def is_done(self) -> bool:
        """The API's ``is_done``: terminal, or uploading after an abort."""
        return self.status in TERMINAL_STATUSES or (
            self.status == "uploading" and self.final_status == "aborted")

    @property
    def credit_used(self) -> float:
        """Total credits charged so far."""
        return sum(entry[0] for entry in self.credits.values())

    @property
    def tasks_done(self) -> int:
        """Tasks no longer waiting or in progress."""
        return sum(1 for t in self.tasks if t.status not in ("pending", "running"))


@dataclass
class SimAccount:
    """The user, the plan's credits and its slots."""

    first_name: str = "Ada"
    last_name: str = "Lovelace"
    email: str = "ada@acme.example"
    plan_name: str = "Professional"
    available: float = 10000.0
    consumed: float = 0.0
    bonus_credit: float = 0.0
    rollover_credit: float = 200.0
    interval: str = "monthly"
    total_slots: int = 20
    has_unpaid_bill: bool = False
    reset_time: datetime | None = None

    @property
    def remaining(self) -> float:
        """Credits left to spend."""
        return self.available - self.consumed
