"""Credit burn: how fast the active runs spend credits, and when the balance runs out.

The spend rate is the sum, over the running rows of the board, of their credits' own
rate over the last 15 minutes of credit reads (a steady rate: a projection from the
last two minutes jumped between 14 and 38 minutes within four); a row whose credits
have not been read over a minute yet counts its results per minute times its cost per
result (its credits over its results as last read). The burn says over what window its
rate was measured. The projection compares the credits the running rows still need to
reach their ETAs with what is left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lobstr_tui.api import Balance, StatusKind
from lobstr_tui.monitor.model.board import BoardRow
from lobstr_tui.monitor.model.history import RATE_SPAN, SteadyRate

MIN_STEADY_SPAN = 60.0
"""Seconds of credit reads before a row's own credit rate is trusted over its results'."""


@dataclass(frozen=True, slots=True)
class Burn:
    """The account's credit burn.

    ``credits_per_minute``: spent by the active runs now (0 when nothing spends);
    ``runs_out_in``: seconds until the balance is spent at that rate (None: nothing
    spends, or nothing is left to spend); ``ends_before_runs``: the credits end before
    the running runs reach their ETAs; ``low``: the balance is below ``--credits-warn``;
    ``window``: the seconds of reads the rate was measured over (the shortest among the
    spending runs; None when nothing spends).
    """

    credits_per_minute: float
    runs_out_in: float | None
    ends_before_runs: bool
    low: bool
    remaining: float
    window: float | None = None

    @property
    def warning(self) -> bool:
        """True when a ``credits.low`` alert is due (low, or projected to run out)."""
        return self.low or self.ends_before_runs


def row_spend(row: BoardRow, credits_rate: SteadyRate | None) -> SteadyRate | None:
    """Credits per minute one row spends and the seconds that was measured over (None:
    unknown): its credits' steady rate once read over a minute, else its results' rate
    times its cost per result, else whatever its credits' rate is."""
    if credits_rate is not None and credits_rate.span >= MIN_STEADY_SPAN:
        return credits_rate
    rate = row.results_per_minute
    results = row.run.total_results
    if rate is not None and results > 0 and row.run.credit_used > 0:
        return SteadyRate(rate * row.run.credit_used / results, RATE_SPAN)
    return credits_rate


def project_burn(rows: Iterable[tuple[BoardRow, SteadyRate | None]],
                 balance: Balance | None, credits_warn: float | None) -> Burn | None:
    """The burn from the board's rows (each with its credits' own rate, if known) and the
    balance; None before the balance is known."""
    if balance is None:
        return None
    remaining = balance.remaining
    per_minute = 0.0
    needed = 0.0
    window: float | None = None
    for row, credits_rate in rows:
        if row.run.status.kind is not StatusKind.RUNNING:
            continue
        spend = row_spend(row, credits_rate)
        if spend is None or spend.per_minute <= 0:
            continue
        per_minute += spend.per_minute
        window = spend.span if window is None else min(window, spend.span)
        if row.eta_seconds is not None:
            needed += spend.per_minute * row.eta_seconds / 60.0
    runs_out_in = remaining / per_minute * 60.0 if per_minute > 0 and remaining > 0 else (
        0.0 if per_minute > 0 else None)
    return Burn(credits_per_minute=per_minute, runs_out_in=runs_out_in,
                ends_before_runs=per_minute > 0 and needed > max(0.0, remaining),
                low=credits_warn is not None and remaining < credits_warn,
                remaining=remaining, window=window)
