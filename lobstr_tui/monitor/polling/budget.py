"""One request budget for all polling (``--budget N`` requests a minute, default 30).

The rule:

1. **Essential requests** are the selected run's stats every ``stats_every`` (5 s: it
   stays at most 5 s old) while it is active, and the squid list every ``squids_every``
   (25 s; active runs are discovered from its ``last_run_status`` and ``last_run_at``).
   Their most in any 60 s window (12 + 3 pages' worth per page of squids) is reserved.
   A long squid list takes at most a third of the budget (``SQUIDS_SHARE``): past that
   (2,000 squids are 20 pages, 48 a minute every 25 s), its pages are read one at a
   time, evenly spaced, and a whole pass takes longer (20 pages at 10 a minute: 2 min).
   Only the first pass, which fills the list, is read back to back, and its pages after
   the first are not counted: they are what opening the app on a long list costs, once,
   and counting them would hold every other read back for a minute.
2. **Everything else** shares the rest, ``N - reserved``, counted in a sliding 60 s
   window: the balance (every 2 min), ``me`` (hourly), the selected squid's runs list,
   the selected run's credits and tasks, the reads that find a squid's new run or learn
   why it changed, and the board's rows. When the rows cannot all be kept 30 s fresh with
   the selected run's extras at their normal periods (runs list 12 s, credits 45 s,
   tasks 20 s), the extras slow down (60 s, 120 s, 60 s; a status change on the squid
   list still reads the runs at once).
3. **The board's rows** (every active run but the selected one) are read in turn, one
   read every ``row_interval`` seconds (a squid's history, when one is wanted, takes one
   of these turns: see ``history_job.py``), the row whose data is oldest first; a paused or
   errored row counts its age four times slower (it is read four times less often).
   A running row's period is ``row_interval x (running rows + paused rows / 4)``, never
   under 10 s (no need to go faster); when it is over 30 s the snapshot carries a note
   ("slow: 10 active runs for 30 requests a minute").
4. **While the board is on screen** the selected run's detail is not, so the selected
   run is one of the board's rows: its stats are read at the running rows' period (not
   every 5 s, and not reserved), which lets 10 active runs all stay 30 s fresh within
   30 requests a minute. Back on the detail, its stats are read at once and every 5 s.
   (With the detail on screen, 10 active runs cannot all be 30 s fresh within 30:
   12 for the selected run, 2 for the squid list and 18 for nine rows make 32.)
5. A hard cap keeps every 60 s window at or under ``N`` (only a refresh asked by the
   person can add one read of the essentials), and the per-prefix limits of the API
   (``RateGate``) still apply: with any budget under their limits there is never a 429.
6. **A burst allowance** of ``BURST`` (15) requests, as the API's own limiter allows: a
   board row's first reads (finding its run, its first stats) may go over the 60 s caps,
   one token each, so that opening the board reads every row at once. A token comes
   back every ``PAYBACK / BURST`` seconds (20 s), and is spent only while the last
   ``PAYBACK`` (5 min) hold fewer than ``5 N`` requests: the plan's pace stays under
   ``N`` a minute (``HEADROOM``), so the minutes after a burst pay it back.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from lobstr_tui.monitor.polling.poll_policy import PollPolicy

WINDOW = 60.0
ROW_TARGET_AGE = 30.0
"""The age the budget aims at for a running row."""
ROW_MIN_PERIOD = 10.0
"""A row is never read more often than this."""
SLOW_ROW_WEIGHT = 0.25
"""A paused or errored row is read this much as often as a running one."""
TIGHT_RUNS_EVERY = 60.0
TIGHT_CREDITS_EVERY = 120.0
TIGHT_TASKS_EVERY = 60.0
MIN_ROW_RATE = 0.5
"""Rows per minute read even when the budget leaves nothing (the cap still holds)."""
SQUIDS_SHARE = 1 / 3
"""The most of the budget that reading the squid list may take."""
BURST = 15
"""Requests a board row's first reads may send beyond the 60 s caps (rule 6)."""
PAYBACK = 300.0
"""Any this many seconds hold at most the budget's worth of requests (5 N): a burst is
paid back within them: a token is spent only while they hold fewer; the tokens come
back over them."""
HEADROOM = 1.0
"""Requests a minute the plan leaves unspent, so that a read put off by the window (a
burst of status changes, a refresh) is caught up instead of pushing every later one."""


@dataclass(frozen=True, slots=True)
class BudgetPlan:
    """How the budget is spent now (periods in seconds, rates per minute)."""

    per_minute: float
    reserved: int
    squids_every: float
    """Seconds between passes over the squid list (longer than the policy's for a list
    too long to read every page within ``SQUIDS_SHARE`` of the budget)."""
    squid_page_gap: float
    """Seconds between the pages of a pass (0: back to back)."""
    capacity: int
    runs_every: float
    credits_every: float
    tasks_every: float
    stats_every: float
    """The selected run's stats period (5 s; the rows' period while the board is shown)."""
    row_interval: float | None
    running_period: float | None
    slow_period: float | None
    note: str | None


def plan_budget(policy: PollPolicy, *, selected_active: bool, squid_pages: int,
                running_rows: int, slow_rows: int, active_runs: int,
                board_view: bool = False) -> BudgetPlan:
    """The budget's plan for the current selection and board.

    ``running_rows`` and ``slow_rows`` count the board's rows that board reads keep fresh
    (every active run but the selected one; slow: paused or errored); ``active_runs``
    counts every active run (for the note). ``board_view``: the board is on screen, and
    an active selected run is read as one of its running rows."""
    budget = policy.budget_per_minute
    selected_row = selected_active and board_view
    pages = max(1, squid_pages)
    list_share = max(1.0, budget * SQUIDS_SHARE)
    if pages == 1 or pages * WINDOW / policy.squids_every <= list_share:
        squids_every, page_gap = policy.squids_every, 0.0
        reserved = pages * math.ceil(WINDOW / policy.squids_every)
    else:
        squids_every = pages * WINDOW / list_share
        page_gap = squids_every / pages
        reserved = math.ceil(list_share)
    if selected_active and not selected_row:
        reserved += math.ceil(WINDOW / policy.stats_every)
    capacity = max(1, math.floor(budget - reserved))
    fixed = WINDOW / policy.balance_every + WINDOW / policy.me_every
    slot_units = running_rows + SLOW_ROW_WEIGHT * slow_rows
    units = slot_units + selected_row
    wanted = WINDOW * units / ROW_TARGET_AGE
    runs_every = policy.active_runs_every
    credits_every, tasks_every = policy.credits_every, policy.tasks_min_every
    if _extras(selected_active, runs_every, credits_every, tasks_every) + fixed + wanted > (
            capacity - HEADROOM):
        runs_every = max(runs_every, TIGHT_RUNS_EVERY)
        credits_every = max(credits_every, TIGHT_CREDITS_EVERY)
        tasks_every = max(tasks_every, TIGHT_TASKS_EVERY)
    if units <= 0:
        return BudgetPlan(budget, reserved, squids_every, page_gap, capacity, runs_every,
                          credits_every, tasks_every, policy.stats_every, None, None, None,
                          None)
    spare = capacity - HEADROOM - fixed - _extras(selected_active, runs_every, credits_every,
                                       tasks_every)
    rate = max(MIN_ROW_RATE, min(spare, WINDOW * units / ROW_MIN_PERIOD))
    running_period = WINDOW * units / rate
    interval = running_period / slot_units if slot_units > 0 else None
    slow_period = running_period / SLOW_ROW_WEIGHT
    slow = (running_rows + selected_row > 0 and running_period > ROW_TARGET_AGE + 0.5) or (
        slow_period > ROW_TARGET_AGE / SLOW_ROW_WEIGHT + 0.5)
    note = (f"slow: {active_runs} active runs for {budget:g} requests a minute"
            if slow else None)
    return BudgetPlan(budget, reserved, squids_every, page_gap, capacity, runs_every,
                      credits_every, tasks_every,
                      running_period if selected_row else policy.stats_every,
                      interval, running_period, slow_period, note)


def _extras(selected_active: bool, runs_every: float, credits_every: float,
            tasks_every: float) -> float:
    """Requests a minute of the selected squid's runs list and the selected run's
    credits and tasks (at most: tasks are read only when tasks-done changed)."""
    rate = WINDOW / runs_every
    if selected_active:
        rate += WINDOW / credits_every + WINDOW / tasks_every
    return rate


class RequestBudget:
    """Sliding 60 s windows of what was sent: all requests (capped at the budget) and the
    requests that are not essential (capped at the plan's capacity); a 5 min window of
    all requests (capped at 5 N) and the burst allowance (rule 6)."""

    def __init__(self, per_minute: float) -> None:
        self.per_minute = per_minute
        self.capacity = max(1, math.floor(per_minute))
        self._all: deque[float] = deque()
        self._shared: deque[float] = deque()
        self._long: deque[float] = deque()
        self.tokens = float(BURST)
        self._tokens_at: float | None = None

    def wait(self, now: float, *, essential: bool, burst: bool = False) -> float:
        """Seconds before a request may be sent (0: now). ``burst``: a board row's first
        read, which may spend a token of the burst allowance instead of waiting."""
        if essential:
            return 0.0  # reserved: their own periods keep them within their share
        wait = self._window_wait(now)
        if wait > 0 and burst and self._refill(now) >= 1 and self._wait(
                self._long, self._long_cap, now, PAYBACK) <= 0:
            return 0.0
        return wait

    def record(self, now: float, *, essential: bool, burst: bool = False) -> None:
        """Count a request sent now (a token spent when it went over the caps)."""
        if not essential and burst and self._window_wait(now) > 0:
            self.tokens = self._refill(now) - 1
        self._all.append(now)
        self._long.append(now)
        if not essential:
            self._shared.append(now)

    def sent(self, now: float) -> int:
        """Requests sent in the last 60 s."""
        return len(self._trim(self._all, now))

    @property
    def _long_cap(self) -> int:
        return max(1, math.floor(self.per_minute * PAYBACK / WINDOW))

    def _window_wait(self, now: float) -> float:
        return max(self._wait(self._all, max(1, math.floor(self.per_minute)), now),
                   self._wait(self._shared, self.capacity, now))

    def _refill(self, now: float) -> float:
        """The tokens now: one back every ``PAYBACK / BURST`` seconds, ``BURST`` at most."""
        if self._tokens_at is not None:
            self.tokens = min(float(BURST),
                              self.tokens + (now - self._tokens_at) * BURST / PAYBACK)
        self._tokens_at = now
        return self.tokens

    @staticmethod
    def _trim(window: deque[float], now: float, span: float = WINDOW) -> deque[float]:
        while window and window[0] <= now - span:
            window.popleft()
        return window

    def _wait(self, window: deque[float], cap: int, now: float, span: float = WINDOW
              ) -> float:
        sent = self._trim(window, now, span)
        if len(sent) < cap:
            return 0.0
        return sent[len(sent) - cap] + span - now
