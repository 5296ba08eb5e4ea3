"""The poll scheduler: the only thing that sends requests, and how it stays polite.

One asyncio task decides every request. Each resource (the selected run's stats, the
selected squid's runs, the squid list, run tasks, credits, balance, me) is a *job* with
its own period; at most one request per job is in flight; failures back off with jitter
up to a cap; a 429 blocks its path prefix until ``Retry-After`` has passed; each prefix
keeps below a share of its documented per-minute limit; ``X-RateLimit-Remaining`` near
zero waits for the window's reset. After every answer the scheduler publishes an
immutable :class:`Snapshot` and the events derived from the previous one.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from types import MappingProxyType

from lobstr_tui.api import (
    LobstrClient,
    LobstrError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    RequestRecord,
    Run,
    ServerError,
    UnauthorizedError,
)
from lobstr_tui.api.ratelimit import RATE_LIMITS_PER_MINUTE
from lobstr_tui.monitor.events import Event, EventKind, Level, derive_events, short_id
from lobstr_tui.monitor.snapshot import Connection, LinkState, Progress, Snapshot

Clock = Callable[[], datetime]
Listener = Callable[[Snapshot, list[Event]], None]

RUNS_PAGE = 50
MAX_CACHED_RUNS = 10_000


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PollPolicy:
    """Periods (seconds) and limits of the scheduler; defaults follow the API etiquette."""

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


@dataclass(frozen=True)
class ActionOutcome:
    """What a launch or abort achieved, in plain words for the user."""

    ok: bool
    message: str
    run_id: str | None = None


@dataclass
class _Job:
    key: str
    prefix: str
    period: float
    fetch: Callable[[], Awaitable[None]]


def plain_error(error: LobstrError, *, credits_left: float | None = None) -> str:
    """A refusal or failure in the words a user expects."""
    kind = getattr(error, "error_type", None)
    if kind == "RunInProgress":
        return "a run is already active for this squid"
    if kind == "NotEnoughBalance":
        if credits_left is not None:
            return f"not enough credits: {max(0.0, credits_left):,.0f} left"
        return "not enough credits"
    if kind == "NoTasksPresent":
        return "this squid has no active tasks to run: add tasks in lobstr.io first"
    if kind == "SquidNotReady":
        return "this squid is not ready: set its crawler parameters in lobstr.io"
    if kind == "SlotsLimitExceeded":
        return "all the slots of your plan are in use"
    if kind == "ConcurrencyLimitExceeded":
        return "the squid's concurrency is above what the plan allows"
    if isinstance(error, UnauthorizedError):
        return "unauthorized: the token was rejected; check LOBSTR_TOKEN"
    if isinstance(error, RateLimitedError):
        return "rate-limited by the API; try again shortly"
    return error.message


class PollScheduler:
    """Owns every request to the API and publishes snapshots and events."""

    def __init__(self, client: LobstrClient, *, policy: PollPolicy | None = None,
                 clock: Clock = _utc_now, listener: Listener | None = None,
                 read_only: bool = False, seed: int | None = None) -> None:
        self.client = client
        self.policy = policy or PollPolicy()
        self.clock = clock
        self.listener = listener
        self.read_only = read_only
        self._rng = random.Random(seed)
        client.on_response = self._on_response
        self._snapshot = Snapshot(taken_at=clock(), read_only=read_only)
        self._state = self._snapshot
        self._next_due: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._sent: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}
        self._link_failure: tuple[LinkState, str] | None = None
        self._tasks_seen_done: dict[str, int] = {}
        self._extra_events: list[Event] = []
        self._retry_at: datetime | None = None
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self.requests_sent = 0
        self.errors_seen = 0

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        """The latest published snapshot."""
        return self._snapshot

    def start(self) -> None:
        """Start polling in the running event loop."""
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._loop(),
                                                                     name="lobstr-poll")

    async def stop(self) -> None:
        """Stop polling; requests in flight are cancelled (runs are never touched)."""
        self._stopping = True
        self._wake.set()
        tasks = [t for t in (self._loop_task, *self._in_flight.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- intents from the UI -----------------------------------------------------------

    def select_squid(self, squid_id: str | None) -> None:
        """Watch another squid: its runs are fetched right away."""
        if squid_id == self._state.selected_squid_id:
            return
        self._update(selected_squid_id=squid_id, runs=(), runs_squid_id=None, runs_total=0,
                     selected_run_id=None, stats=None, credits=None, tasks=())
        self._drop_errors("runs", "stats", "credits", "tasks")
        if squid_id:
            self._next_due[f"runs:{squid_id}"] = 0.0
        self._publish()
        self._wake.set()

    def select_run(self, run_id: str | None) -> None:
        """Show another run in the detail: stats, credits and tasks are fetched."""
        if run_id == self._state.selected_run_id:
            return
        self._update(selected_run_id=run_id, stats=None, credits=None, tasks=())
        self._drop_errors("stats", "credits", "tasks")
        self._publish()
        self._wake.set()

    def refresh(self) -> None:
        """Poll everything now (still within the rate-limit rules)."""
        for key in list(self._next_due):
            self._next_due[key] = 0.0
        self._failures.clear()
        self._wake.set()

    def load_more_runs(self) -> None:
        """Fetch the next page of older runs of the selected squid."""
        state = self._state
        if not state.selected_squid_id or not state.runs_has_more or state.runs_loading_more:
            return
        self._update(runs_loading_more=True)
        self._publish()
        asyncio.get_running_loop().create_task(self._load_more(state.selected_squid_id))

    async def launch(self, squid_id: str) -> ActionOutcome:
        """Start a run of a squid. A second call while one is in flight does nothing."""
        if self.read_only:
            return ActionOutcome(False, "read-only mode: launching is disabled")
        if self._state.launching:
            return ActionOutcome(False, "a launch is already in flight")
        name = self._squid_name(squid_id)
        self._update(launching=True)
        self._publish(extra=[self._event(f"launch requested for {name}", squid_id=squid_id)])
        try:
            run = await self.client.start_run(squid_id)
        except NetworkError as error:
            outcome = await self._launch_unknown(squid_id, name, error)
        except LobstrError as error:
            self._note_failure_kind(error)
            message = plain_error(error, credits_left=self._credits_left())
            outcome = ActionOutcome(False, f"launch refused for {name}: {message}")
        else:
            outcome = ActionOutcome(True, f"launched run {short_id(run.id)} of {name} "
                                          f"({run.status.label})", run.id)
            if self._state.selected_squid_id == squid_id:
                self._merge_runs(squid_id, (run,), total_delta=1)
                self._update(selected_run_id=run.id, stats=None, credits=None, tasks=())
            self._next_due[f"runs:{squid_id}"] = time.monotonic() + 2.0
            self._next_due["squids"] = 0.0
            self._next_due["balance"] = 0.0
        self._update(launching=False)
        self._publish(extra=[self._event(outcome.message, run_id=outcome.run_id,
                                         squid_id=squid_id, ok=outcome.ok)])
        self._wake.set()
        return outcome

    async def _launch_unknown(self, squid_id: str, name: str,
                              error: NetworkError) -> ActionOutcome:
        """The start request got no answer: re-read the runs instead of launching again."""
        try:
            page = await self.client.runs_page(squid_id, limit=5)
        except LobstrError:
            return ActionOutcome(False, f"launch of {name}: no answer ({error.message}) and "
                                        "the runs could not be re-read; check before retrying")
        active = next((r for r in page.items if r.status.is_active), None)
        if self._state.selected_squid_id == squid_id:
            self._merge_runs(squid_id, page.items, total=page.total_results)
        if active is not None:
            return ActionOutcome(True, f"launch of {name}: no answer ({error.message}), but "
                                       f"run {short_id(active.id)} is active: it started",
                                 active.id)
        return ActionOutcome(False, f"launch of {name}: no answer ({error.message}) and no "
                                    "active run: it did not start")

    async def abort(self, run_id: str) -> ActionOutcome:
        """Abort a run. A second call while one is in flight does nothing."""
        if self.read_only:
            return ActionOutcome(False, "read-only mode: aborting is disabled")
        if self._state.aborting:
            return ActionOutcome(False, "an abort is already in flight")
        self._update(aborting=True)
        self._publish(extra=[self._event(f"abort requested for run {short_id(run_id)}",
                                         run_id=run_id)])
        try:
            run = await self.client.abort_run(run_id)
        except NotFoundError:
            outcome = ActionOutcome(False, f"run {short_id(run_id)} had already finished; "
                                           "nothing to abort", run_id)
        except LobstrError as error:
            self._note_failure_kind(error)
            outcome = ActionOutcome(False, f"abort of run {short_id(run_id)} failed: "
                                           f"{plain_error(error)}", run_id)
        else:
            outcome = ActionOutcome(True, f"abort accepted: run {short_id(run_id)} is "
                                          f"{run.status.label}", run_id)
            squid_id = self._state.runs_squid_id
            if squid_id and any(r.id == run_id for r in self._state.runs) and run.squid:
                self._merge_runs(squid_id, (self._fill_run(run),))
        squid_id = self._state.runs_squid_id
        if squid_id:
            self._next_due[f"runs:{squid_id}"] = 0.0
        self._next_due[f"stats:{run_id}"] = 0.0
        self._update(aborting=False)
        self._publish(extra=[self._event(outcome.message, run_id=run_id, ok=outcome.ok)])
        self._wake.set()
        return outcome

    # -- the loop ----------------------------------------------------------------------

    async def _loop(self) -> None:
        while not self._stopping:
            now = time.monotonic()
            for job in self._jobs():
                if job.key in self._in_flight:
                    continue
                if self._next_due.setdefault(job.key, 0.0) > now:
                    continue
                if len(self._in_flight) >= self.policy.max_in_flight:
                    break
                wait = self._prefix_wait(job.prefix, now)
                if wait > 0:
                    self._next_due[job.key] = now + wait
                    continue
                self._sent.setdefault(job.prefix, deque()).append(now)
                task = asyncio.get_running_loop().create_task(self._run_job(job))
                self._in_flight[job.key] = task
            self._wake.clear()
            delay = self._next_wake(time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    def _next_wake(self, now: float) -> float:
        dues = [due for key, due in self._next_due.items() if key not in self._in_flight]
        if not dues:
            return 1.0
        return min(5.0, max(0.05, min(dues) - now))

    def _jobs(self) -> list[_Job]:
        state = self._state
        policy = self.policy
        unauthorized = self._link_failure is not None and (
            self._link_failure[0] is LinkState.UNAUTHORIZED)
        jobs: list[_Job] = []
        run = state.selected_run
        if run is not None:
            active = run.status.is_active
            jobs.append(_Job(f"stats:{run.id}", "runs",
                             policy.stats_every if active else 1e9,
                             partial(self._fetch_stats, run.id)))
            if active or state.credits is None:
                jobs.append(_Job(f"credits:{run.id}", "runs",
                                 policy.credits_every if active else 1e9,
                                 partial(self._fetch_credits, run.id)))
            if self._tasks_wanted(run.id):
                jobs.append(_Job(f"tasks:{run.id}", "runtasks", policy.tasks_min_every,
                                 partial(self._fetch_tasks, run.id)))
        if state.selected_squid_id:
            squid_id = state.selected_squid_id
            busy = state.active_run is not None or (
                state.selected_squid is not None and state.selected_squid.last_run_status
                is not None and state.selected_squid.last_run_status.is_active)
            jobs.append(_Job(f"runs:{squid_id}", "runs",
                             policy.active_runs_every if busy else policy.quiet_runs_every,
                             partial(self._fetch_runs, squid_id)))
        jobs.append(_Job("squids", "squids", policy.squids_every, self._fetch_squids))
        jobs.append(_Job("balance", "user", policy.balance_every, self._fetch_balance))
        jobs.append(_Job("me", "me", policy.me_every, self._fetch_me))
        if unauthorized:
            jobs = [replace(job, period=max(job.period, policy.unauthorized_every))
                    for job in jobs if job.key in ("me",)] or jobs[:1]
        return jobs

    def _tasks_wanted(self, run_id: str) -> bool:
        stats = self._state.stats
        if stats is None or stats.id != run_id:
            return False
        return self._tasks_seen_done.get(run_id) != stats.total_tasks_done

    def _prefix_wait(self, prefix: str, now: float) -> float:
        """Seconds before a request to ``prefix`` is allowed (0: now)."""
        blocked = self._blocked_until.get(prefix, 0.0) - now
        if blocked > 0:
            return blocked
        limit = RATE_LIMITS_PER_MINUTE.get(prefix)
        if limit is None:
            return 0.0
        budget = max(1, int(limit * self.policy.budget_share))
        sent = self._sent.setdefault(prefix, deque())
        while sent and sent[0] <= now - 60.0:
            sent.popleft()
        if len(sent) >= budget:
            return sent[0] + 60.0 - now
        return 0.0

    async def _run_job(self, job: _Job) -> None:
        try:
            await job.fetch()
        except LobstrError as error:
            self._job_failed(job, error)
        except asyncio.CancelledError:
            raise
        else:
            self._failures.pop(job.key, None)
            self._next_due[job.key] = time.monotonic() + job.period
            if self._link_failure is not None:
                self._link_failure = None
            self._publish()
        finally:
            self._in_flight.pop(job.key, None)
            self._wake.set()

    def _job_failed(self, job: _Job, error: LobstrError) -> None:
        self.errors_seen += 1
        timed_out = isinstance(error, NetworkError) and error.kind == "timeout"
        self._update(failed_polls=self._state.failed_polls + 1,
                     timed_out_polls=self._state.timed_out_polls + int(timed_out))
        failures = self._failures.get(job.key, 0) + 1
        self._failures[job.key] = failures
        now = time.monotonic()
        delay = min(self.policy.backoff_cap, self.policy.backoff_base * 2 ** (failures - 1))
        delay *= self._rng.uniform(0.8, 1.2)
        if isinstance(error, RateLimitedError):
            retry = error.retry_after if error.retry_after is not None else delay
            self._blocked_until[job.prefix] = max(self._blocked_until.get(job.prefix, 0.0),
                                                  now + retry)
            delay = max(delay, retry)
        if isinstance(error, UnauthorizedError):
            # A rejected token does not heal by retrying: one slow probe (me) remains.
            delay = self.policy.unauthorized_every
            self._next_due["me"] = now + delay
        handled = isinstance(error, NotFoundError) and self._handle_not_found(job)
        self._next_due[job.key] = now + delay
        self._note_failure_kind(error, retry_in=delay)
        resource = job.key.split(":", 1)[0]
        if not handled and not isinstance(error, (NetworkError, ServerError, RateLimitedError,
                                                  UnauthorizedError)):
            errors = dict(self._state.errors)
            errors[resource] = error.message
            self._update(errors=MappingProxyType(errors))
        self._publish()

    def _note_failure_kind(self, error: LobstrError, *, retry_in: float | None = None) -> None:
        """Record what a failure says about the link (not about one resource)."""
        retry_at = self.clock() + timedelta(seconds=retry_in) if retry_in else None
        if isinstance(error, UnauthorizedError):
            self._link_failure = (LinkState.UNAUTHORIZED, error.message)
        elif isinstance(error, RateLimitedError):
            self._link_failure = (LinkState.RATE_LIMITED, error.message)
        elif isinstance(error, NetworkError):
            self._link_failure = (LinkState.OFFLINE, error.message)
        elif isinstance(error, ServerError):
            self._link_failure = (LinkState.STALE, error.message)
        else:
            return
        self._retry_at = retry_at

    def _handle_not_found(self, job: _Job) -> bool:
        """A 404 for the selection: say so and move on. True if it was handled."""
        kind, _, ident = job.key.partition(":")
        state = self._state
        if kind == "runs" and ident == state.selected_squid_id:
            self._forget_squid(ident)
            return True
        if kind in ("stats", "credits", "tasks") and ident == state.selected_run_id:
            self._forget_run(ident)
            return True
        return False

    def _forget_squid(self, squid_id: str) -> None:
        """The selected squid is gone on the server: drop it and select another."""
        self._extra_events.append(self._event(
            "the selected squid no longer exists on lobstr.io; showing another one",
            level=Level.WARNING, squid_id=squid_id))
        squids = tuple(s for s in self._state.squids if s.id != squid_id)
        self._update(squids=squids)
        self.select_squid(squids[0].id if squids else None)

    def _forget_run(self, run_id: str) -> None:
        """The selected run is gone on the server: drop it and select another."""
        self._extra_events.append(self._event(
            f"run {short_id(run_id)} no longer exists on lobstr.io; it left the table",
            level=Level.WARNING, run_id=run_id))
        state = self._state
        runs = tuple(r for r in state.runs if r.id != run_id)
        self._update(runs=runs, runs_total=max(len(runs), state.runs_total - 1))
        chosen = next((r for r in runs if r.status.is_active), runs[0] if runs else None)
        self.select_run(chosen.id if chosen else None)

    # -- fetches -----------------------------------------------------------------------

    async def _fetch_me(self) -> None:
        me = await self.client.me()
        self._store("me", me=me)

    async def _fetch_balance(self) -> None:
        balance = await self.client.balance()
        self._store("balance", balance=balance)

    async def _fetch_squids(self) -> None:
        squids = tuple(await self.client.all_squids(limit=100))
        self._store("squids", squids=squids, squids_loaded=True)
        selected = self._state.selected_squid_id
        if selected is not None and all(s.id != selected for s in squids):
            self._forget_squid(selected)
        elif selected is None and squids:
            self.select_squid(squids[0].id)

    async def _fetch_runs(self, squid_id: str) -> None:
        page = await self.client.runs_page(squid_id, limit=RUNS_PAGE)
        if self._state.selected_squid_id != squid_id:
            return
        before = self._state.selected_run_id
        self._merge_runs(squid_id, page.items, total=page.total_results, replace_head=True)
        self._store("runs")
        state = self._state
        if before is not None and state.selected_run is None:
            self._forget_run(before)
        elif state.selected_run_id is None:
            chosen = state.active_run or (state.runs[0] if state.runs else None)
            self.select_run(chosen.id if chosen else None)

    async def _load_more(self, squid_id: str) -> None:
        page_number = len(self._state.runs) // RUNS_PAGE + 1
        try:
            page = await self.client.runs_page(squid_id, page=page_number, limit=RUNS_PAGE)
        except LobstrError as error:
            self._extra_events.append(self._event(f"could not load older runs: {error}",
                                                  level=Level.WARNING))
        else:
            if self._state.selected_squid_id == squid_id:
                self._merge_runs(squid_id, page.items, total=page.total_results)
        finally:
            self._update(runs_loading_more=False)
            self._publish()

    async def _fetch_stats(self, run_id: str) -> None:
        stats = await self.client.run_stats(run_id)
        if self._state.selected_run_id != run_id:
            return
        progress = dict(self._state.progress)
        run = self._state.selected_run
        if run is not None and run.status.is_active:
            progress[run.squid or (self._state.selected_squid_id or "")] = Progress(
                run_id, stats.percent_done, stats.total_tasks_done, stats.total_tasks,
                stats.total_results)
        elif run is not None:
            progress.pop(run.squid, None)
        self._store("stats", stats=stats, progress=MappingProxyType(progress))

    async def _fetch_credits(self, run_id: str) -> None:
        credits = await self.client.run_credits(run_id)
        if self._state.selected_run_id == run_id:
            self._store("credits", credits=credits)

    async def _fetch_tasks(self, run_id: str) -> None:
        stats = self._state.stats
        done = stats.total_tasks_done if stats is not None else None
        page = await self.client.run_tasks_page(run_id, limit=100)
        if done is not None:
            self._tasks_seen_done[run_id] = done
        if self._state.selected_run_id == run_id:
            self._store("tasks", tasks=page.items)

    # -- state -------------------------------------------------------------------------

    def _update(self, **changes: object) -> None:
        self._state = replace(self._state, **changes)  # type: ignore[arg-type]

    def _store(self, resource: str, **changes: object) -> None:
        fetched = dict(self._state.fetched_at)
        fetched[resource] = self.clock()
        errors = {k: v for k, v in self._state.errors.items() if k != resource}
        self._update(fetched_at=MappingProxyType(fetched), errors=MappingProxyType(errors),
                     **changes)

    def _drop_errors(self, *resources: str) -> None:
        errors = {k: v for k, v in self._state.errors.items() if k not in resources}
        self._update(errors=MappingProxyType(errors))

    def _merge_runs(self, squid_id: str, runs: tuple[Run, ...] | list[Run], *,
                    total: int | None = None, total_delta: int = 0,
                    replace_head: bool = False) -> None:
        state = self._state
        existing = list(state.runs) if state.runs_squid_id == squid_id else []
        fresh = {run.id: run for run in runs}
        if replace_head:
            # The first page is the truth about the newest runs: older pages stay only
            # for runs older than what it covers (a run deleted on the server goes).
            oldest = min((r.created_at for r in runs if r.created_at), default=None)
            covers_all = total is not None and total <= len(runs)
            older = [] if covers_all or oldest is None else [
                r for r in existing if r.id not in fresh and r.created_at is not None
                and r.created_at < oldest]
            merged = list(runs) + older
        else:
            merged = [fresh.pop(r.id, r) for r in existing]
            merged.extend(fresh.values())
        merged.sort(key=lambda r: (r.created_at or r.started_at or datetime.min.replace(
            tzinfo=UTC)), reverse=True)
        merged = merged[:MAX_CACHED_RUNS]
        new_total = total if total is not None else state.runs_total + total_delta
        self._update(runs=tuple(merged), runs_squid_id=squid_id,
                     runs_total=max(new_total, len(merged)))

    def _fill_run(self, run: Run) -> Run:
        """Complete a short abort answer with what we already knew about the run."""
        known = next((r for r in self._state.runs if r.id == run.id), None)
        if known is None or run.squid:
            return run
        return replace(known, status=run.status, is_done=run.is_done,
                       done_reason=run.done_reason or known.done_reason)

    def _squid_name(self, squid_id: str) -> str:
        squid = next((s for s in self._state.squids if s.id == squid_id), None)
        return f'"{squid.name}"' if squid else f"squid {short_id(squid_id)}"

    def _credits_left(self) -> float | None:
        balance = self._state.balance
        return balance.remaining if balance else None

    def _event(self, text: str, *, run_id: str | None = None, squid_id: str | None = None,
               ok: bool | None = None, level: Level | None = None) -> Event:
        chosen = level or (Level.INFO if ok is None else Level.GOOD if ok else Level.ERROR)
        return Event(self.clock(), EventKind.ACTION, text, chosen, run_id, squid_id)

    def _connection(self) -> Connection:
        last: datetime | None = max(self._state.fetched_at.values(), default=None)
        now = time.monotonic()
        blocked = [until for until in self._blocked_until.values() if until > now]
        if self._link_failure is None:
            if blocked:
                return Connection(LinkState.RATE_LIMITED, last,
                                  self.clock() + timedelta(seconds=max(blocked) - now),
                                  "waiting for the rate-limit window")
            state = LinkState.LIVE if last is not None else LinkState.CONNECTING
            return Connection(state, last)
        kind, detail = self._link_failure
        retry_at: datetime | None = self._retry_at
        if kind is LinkState.RATE_LIMITED and blocked:
            retry_at = self.clock() + timedelta(seconds=max(blocked) - now)
        return Connection(kind, last, retry_at, detail)

    def _publish(self, *, extra: list[Event] | None = None) -> None:
        previous = self._snapshot
        current = replace(self._state, taken_at=self.clock(), connection=self._connection())
        self._state = current
        self._snapshot = current
        found = [*self._extra_events, *derive_events(previous, current), *(extra or [])]
        self._extra_events = []
        if self.listener is not None:
            self.listener(current, found)

    def _on_response(self, record: RequestRecord) -> None:
        self.requests_sent += 1
        limit = record.rate_limit
        if record.status_code == 429 or limit.reset_at is None:
            return  # a 429 is handled as a failure, with its Retry-After
        if limit.remaining is not None and limit.remaining <= self.policy.low_remaining:
            # Nearly out of this window's budget: wait for the window to reset.
            reset_in = min(60.0, max(0.5, limit.reset_at - time.time()))
            until = time.monotonic() + reset_in
            self._blocked_until[record.prefix] = max(
                self._blocked_until.get(record.prefix, 0.0), until)
