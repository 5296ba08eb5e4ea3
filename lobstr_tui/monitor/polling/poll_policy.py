"""The scheduler's periods and limits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PollPolicy:
    """Periods (seconds) and limits of the scheduler; defaults follow the API etiquette.

    ``budget_per_minute`` is the one request budget (``--budget``) shared by all polling:
    see :mod:`lobstr_tui.monitor.polling.budget` for how it is spent.
    """

    stats_every: float = 5.0
    active_runs_every: float = 12.0
    quiet_runs_every: float = 60.0
    squids_every: float = 25.0
    credits_every: float = 45.0
    tasks_min_every: float = 20.0
    balance_every: float = 120.0
    me_every: float = 3600.0
    backoff_base: float = 2.0
    backoff_cap: float = 60.0
    unauthorized_every: float = 300.0
    budget_share: float = 0.6
    low_remaining: int = 3
    max_in_flight: int = 4
    budget_per_minute: float = 30.0
