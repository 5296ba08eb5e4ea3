"""The poll scheduler: the only thing that sends requests, and the loop that sends them.

One asyncio task decides every request: :func:`~lobstr_tui.monitor.polling.jobs.plan_jobs` says
what to keep fresh, :func:`~lobstr_tui.monitor.polling.jobs.pick_due` what is due, the
:class:`~lobstr_tui.monitor.polling.rate_gate.RateGate` whether the API allows it; answers are
merged by :mod:`~lobstr_tui.monitor.model.merge`; after every change an immutable
:class:`Snapshot` is published with the events derived from the previous one. Time comes
from the injected :class:`Clocks`, so tests move it by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

from lobstr_tui.api import (
    LobstrClient,
    LobstrError,
    NetworkError,
    NotFoundError,
    ProtocolError,
    RequestRecord,
    Run,
    UnauthorizedError,
)
from lobstr_tui.api.client import ACCEPTED_AGE
from lobstr_tui.monitor.derive.events import (
    Event,
    Level,
    action_event,
    short_id,
)
from lobstr_tui.monitor.model import merge, story
from lobstr_tui.monitor.model.export_status import ExportStatus
from lobstr_tui.monitor.model.snapshot import Cadence, Snapshot
from lobstr_tui.monitor.polling.actions import LaunchAbort
from lobstr_tui.monitor.polling.alerts import CreditAlarm
from lobstr_tui.monitor.polling.assembly import assemble
from lobstr_tui.monitor.polling.budget import BudgetPlan, RequestBudget, plan_budget
from lobstr_tui.monitor.polling.cancelling import cancel_and_wait
from lobstr_tui.monitor.polling.clock import SYSTEM_CLOCKS, Clocks
from lobstr_tui.monitor.polling.connection import LinkTracker, link_state_of
from lobstr_tui.monitor.polling.downloads import DownloadJob, spend
from lobstr_tui.monitor.polling.fetch import Fetched, Ledger, fetch
from lobstr_tui.monitor.polling.first_reads import SQUIDS_PAGE
from lobstr_tui.monitor.polling.intents import Intents
from lobstr_tui.monitor.polling.jobs import (
    BOARD_SLOT,
    NEVER,
    ON_DEMAND,
    ROW_KINDS,
    ROW_READ,
    Job,
    JobKind,
    next_wake,
    pick_due,
    plan_jobs,
)
from lobstr_tui.monitor.polling.poll_policy import PollPolicy
from lobstr_tui.monitor.polling.rate_gate import Backoff, RateGate
from lobstr_tui.monitor.polling.reactions import (
    after_transitions,
    asked_failed,
    failure_delay,
    missing_selection,
    reason_unread,
    run_gone,
    selection_after,
    squid_gone,
)
from lobstr_tui.monitor.polling.tracker import RowRead, RunTracker

Listener = Callable[[Snapshot, list[Event]], None]



class PollScheduler(Intents):
    """Owns every request to the API and publishes snapshots and events.

    All polling shares ``policy.budget_per_minute`` (see :mod:`~lobstr_tui.monitor.polling.budget`);
    every run on the account is followed for the board and for alerts (see
    :mod:`~lobstr_tui.monitor.polling.tracker` and :mod:`~lobstr_tui.monitor.polling.alerts`);
    ``credits_warn`` is the balance under which ``credits.low`` is raised (None: only
    the projection raises it); ``profile`` names the account in every snapshot (None:
    the only one).
    """

    def __init__(self, client: LobstrClient, *, policy: PollPolicy | None = None,
                 clocks: Clocks = SYSTEM_CLOCKS, listener: Listener | None = None,
                 read_only: bool = False, seed: int | None = None,
                 credits_warn: float | None = None, profile: str | None = None) -> None:
        self.client = client
        self.policy = policy or PollPolicy()
        self.clocks = clocks
        self.listener = listener
        self.read_only = read_only
        self.credits_warn = credits_warn
        client.on_response = self._on_response
        self.gate = RateGate(share=self.policy.budget_share,
                             low_remaining=self.policy.low_remaining)
        self.budget = RequestBudget(self.policy.budget_per_minute)
        self._tracker = RunTracker(since=clocks.wall())
        self._credit_alarm = CreditAlarm()
        self._plan: BudgetPlan = plan_budget(self.policy, selected_active=False,
                                             squid_pages=1, running_rows=0, slow_rows=0,
                                             active_runs=0)
        self._backoff = Backoff(base=self.policy.backoff_base, cap=self.policy.backoff_cap,
                                rng=random.Random(seed))
        self._link = LinkTracker()
        self.actions = LaunchAbort(client, self, clocks, read_only=read_only)
        self.downloads = DownloadJob(lambda: self.client, show=self._show_export,
                                     spend=lambda: spend(self.gate, self.budget, clocks),
                                     sleep=clocks.sleep, monotonic=clocks.monotonic)
        self._snapshot = Snapshot(taken_at=clocks.wall(), read_only=read_only,
                                  board_since=self._tracker.since, profile=profile)
        self._state = self._snapshot
        self._next_due: dict[str, float] = {}
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._reading: dict[str, str] = {}
        """The resource each in-flight job reads (job key -> resource)."""
        self._ledger = Ledger()
        self._cadence: dict[str, Cadence] = {}
        self._wanted_since: dict[str, datetime] = {}
        self._pending_events: list[Event] = []
        self._holding = 0
        self._held_change = False
        self._wake = asyncio.Event()
        self._waiting = False
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self.requests_sent = 0
        self.errors_seen = 0

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        """The latest published snapshot."""
        return self._snapshot

    @property
    def polling(self) -> bool:
        """True once :meth:`start` was called, until :meth:`stop`."""
        return self._loop_task is not None and not self._stopping

    @property
    def quiet(self) -> bool:
        """True while nothing is in flight and the loop sleeps until the next due job."""
        return (self._waiting and not self._wake.is_set() and not self._in_flight
                and not self.actions.busy)

    def start(self) -> None:
        """Start polling in the running event loop."""
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._loop(),
                                                                     name="lobstr-poll")

    async def stop(self) -> None:
        """Stop polling; requests in flight are cancelled (runs are never touched)."""
        self._stopping = True
        self._wake.set()
        await self.actions.stop()
        self.downloads.cancel()
        await cancel_and_wait(t for t in (self._loop_task, *self._in_flight.values())
                              if t is not None)

    # -- what launch and abort needs (ActionHost) ---------------------------------------

    @property
    def state(self) -> Snapshot:
        """The current state, newer than the published snapshot between two publishes."""
        return self._state

    def change(self, state: Snapshot, events: Sequence[Event] = ()) -> None:
        """Take ``state``, publish it with ``events`` and let the loop re-plan."""
        before = self._state
        self._state = state
        self._follow_transitions(before)
        self._publish(extra=list(events))
        self._wake.set()

    def link_failed(self, error: LobstrError) -> None:
        """A failure that may say something about the link (no retry time known)."""
        self._link.failed(error)

    # -- the loop ----------------------------------------------------------------------

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                jobs = self._start_due_jobs()
            except Exception as error:  # a bug in planning must not end polling for good
                self._pending_events.append(self._note(
                    f"internal error while planning polls: {type(error).__name__}: {error}",
                    level=Level.ERROR))
                self._publish()
                await self._sleep(self.policy.backoff_cap)
                continue
            self._wake.clear()
            await self._sleep(next_wake(jobs, self._next_due, self._in_flight,
                                        self.clocks.monotonic()))

    def _plan_budget(self) -> BudgetPlan:
        state = self._state
        run = state.selected_run
        running, slow, active = self._tracker.row_counts(
            selected_run=state.selected_run_id, selected_squid=state.selected_squid_id)
        pages = max(1, -(-len(state.squids) // SQUIDS_PAGE))
        return plan_budget(self.policy, selected_active=run is not None and (
            run.status.is_active), squid_pages=pages, running_rows=running,
            slow_rows=slow, active_runs=active, board_view=state.board_view)

    def _start_due_jobs(self) -> list[Job]:
        """Start what is due; return the planned jobs."""
        ledger = self._ledger
        state = self._state
        plan = self._plan_budget()
        noted = plan.note != self._plan.note
        self._plan = plan
        self.budget.capacity = plan.capacity
        row_read = self._tracker.next_read(
            self.clocks.wall(), selected_run=state.selected_run_id,
            selected_squid=state.selected_squid_id, skip=frozenset(ledger.reasons_wanted))
        jobs = plan_jobs(state, self.policy, tasks_seen_done=ledger.tasks_seen_done,
                         unauthorized=self._link.unauthorized,
                         credits_final=ledger.credits_final,
                         reasons_wanted=list(ledger.reasons_wanted), budget=plan,
                         row_read=row_read, find_run=ledger.find_run,
                         filling_squids=not state.squids_loaded and JobKind.SQUIDS.value in (
                             ledger.walks))
        if self._note_cadence(jobs) or noted:
            self._publish()
        watched = {self._state.selected_run_id, self._state.selected_squid_id}
        for key in [k for k in self._next_due if ":" in k]:
            if key.split(":", 1)[1] not in watched:
                del self._next_due[key]  # no longer watched: fetched anew when it is again
        busy = set(self._reading.values())
        free = [job for job in jobs if job.url_key not in busy]
        for job in pick_due(free, now=self.clocks.monotonic(), next_due=self._next_due,
                            in_flight=self._in_flight, gate=self.gate,
                            max_in_flight=self.policy.max_in_flight, budget=self.budget):
            self._reading[job.key] = job.url_key
            self._in_flight[job.key] = asyncio.get_running_loop().create_task(
                self._run_job(job), name=f"lobstr-{job.key}")
        return jobs

    async def _sleep(self, seconds: float) -> None:
        """Sleep on the injected clock until ``seconds`` pass or something wakes us."""
        sleeper = asyncio.ensure_future(self.clocks.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        self._waiting = True
        try:
            await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._waiting = False
            for pending in (sleeper, waker):
                pending.cancel()

    async def _run_job(self, job: Job) -> None:
        # A polled resource accepts an answer as old as its period (a served viewer's
        # proxy may share another viewer's); a read asked for now accepts none.
        ACCEPTED_AGE.set(job.period if job.period < NEVER else None)
        try:
            fetched = await fetch(self.client, job, self._state, self._ledger)
        except asyncio.CancelledError:
            self._ledger.walks.pop(job.key, None)
            raise
        except LobstrError as error:
            with self._one_publish():
                self._job_failed(job, error)
        except Exception as error:  # a bug must cost one poll, never the poll loop
            with self._one_publish():
                self._job_failed(job, LobstrError(f"internal error: {type(error).__name__}: "
                                                  f"{error}"))
        else:
            with self._one_publish():
                self._take(job, fetched)
        finally:
            self._job_ended(job)

    def _take(self, job: Job, fetched: Fetched) -> None:
        """Merge an answer and react to it (all of it published once)."""
        try:
            before = self._state
            self._state = fetched.merge(before, self.clocks.wall())
            if fetched.observe is not None:
                fetched.observe(self._tracker, self.clocks.wall())
            self._keep_selection_valid(job, before)
            if fetched.found is not None:
                self._show_found(fetched.found)
            self._follow_transitions(before)
        except Exception as error:  # a bug must cost one poll, never the poll loop
            self._job_failed(job, LobstrError(f"internal error: {type(error).__name__}: "
                                              f"{error}"))
            return
        self._backoff.succeed(job.key)
        self._next_due[job.key] = self.clocks.monotonic() + self._next_in(
            job, fetched.more, before)
        if job.kind is JobKind.LATEST_RUN:
            self._ledger.reasons_wanted.pop(job.target or "", None)
        self._link.recovered()
        self._publish()

    def _job_ended(self, job: Job) -> None:
        self._in_flight.pop(job.key, None)
        self._reading.pop(job.key, None)
        self._wake.set()

    def _next_in(self, job: Job, more: bool, before: Snapshot) -> float:
        """Seconds until ``job`` is due again. The next page of a list is due at once (the
        rate gate still spaces it), except a long squid list once it is on screen: its
        pages are spread out, one every ``squid_page_gap`` (see budget.py)."""
        gap = self._plan.squid_page_gap
        if job.kind is JobKind.SQUIDS and gap > 0 and before.squids_loaded:
            return gap
        return 0.0 if more else job.period

    def _follow_transitions(self, before: Snapshot) -> None:
        """React to the status changes seen in the last answer (see
        :func:`~lobstr_tui.monitor.polling.reactions.after_transitions`)."""
        reaction = after_transitions(before, self._state, self._tracker.knows)
        for squid_id, was in reaction.reasons.items():
            self._ledger.reasons_wanted.setdefault(squid_id, was)
        for due in reaction.due:
            self.due(due)

    def _note_cadence(self, jobs: list[Job]) -> bool:
        """Note each polled resource's period, and since when it has been wanted for
        what is selected now (for :meth:`Snapshot.is_stale`); True if that changed."""
        now = self.clocks.wall()
        keys = {job.key for job in jobs}
        for key in [k for k in self._wanted_since if k not in keys]:
            del self._wanted_since[key]
        cadence: dict[str, Cadence] = {}
        for job in jobs:
            if not job.cadenced:
                continue
            since = self._wanted_since.setdefault(job.key, now)
            cadence[job.resource] = Cadence(job.period, since)
        changed = cadence != self._cadence
        self._cadence = cadence
        return changed

    def _job_failed(self, job: Job, error: LobstrError) -> None:
        if job.kind in ROW_KINDS and link_state_of(error) is None:
            self._row_failed(job, error)
            return
        self.errors_seen += 1
        timed_out = isinstance(error, NetworkError) and error.kind == "timeout"
        self._state = merge.counted_failure(self._state, timed_out=timed_out)
        now = self.clocks.monotonic()
        delay, closed = failure_delay(error, self._backoff.fail(job.key),
                                      unauthorized_every=self.policy.unauthorized_every)
        if closed is not None:
            self.gate.block(job.prefix, now + closed)
        if isinstance(error, UnauthorizedError):
            self._next_due["me"] = now + delay
        self._next_due[job.key] = now + delay
        self._ledger.walks.pop(job.key, None)  # a list read again starts from page 1
        link_failure = self._link.failed(
            error, retry_at=self.clocks.wall() + timedelta(seconds=delay))
        if job.kind is JobKind.LATEST_RUN:
            self._reason_unread(job.target or "", error)
        elif job.kind in ON_DEMAND:
            self._asked_failed(job, error, delay)
        elif not link_failure and not (isinstance(error, NotFoundError)
                                       and self._forget_missing(job)):
            self._state = merge.with_error(self._state, job.resource, error.message,
                                           protocol=isinstance(error, ProtocolError))
        self._publish()

    def _asked_failed(self, job: Job, error: LobstrError, delay: float) -> None:
        now = self.clocks.wall()
        self._state, said = asked_failed(self._state, job, error, at=now,
                                         retry_at=now + timedelta(seconds=delay))
        self._pending_events += said

    def _show_found(self, run: Run) -> None:
        """A run looked up by its id: select it, with its squid if it is another."""
        if run.squid and run.squid != self._state.selected_squid_id:
            if all(squid.id != run.squid for squid in self._state.squids):
                self._pending_events.append(self._note(
                    f"run {short_id(run.id)}… belongs to a squid not in the list",
                    level=Level.WARNING))
                return
            self.select_squid(run.squid)
            self._state = story.run_found(self._state, run)
        self.select_run(run.id)

    def _row_failed(self, job: Job, error: LobstrError) -> None:
        """A board read failed for its own reason (not the link's): that row waits, the
        others keep their turns."""
        self.errors_seen += 1
        self._tracker.read_failed(RowRead(ROW_READ[job.kind], job.target or ""),
                                  self.clocks.wall(),
                                  missing=isinstance(error, NotFoundError))
        self._next_due[job.key] = self.clocks.monotonic() + job.period
        self._publish()

    def _reason_unread(self, squid_id: str, error: LobstrError) -> None:
        was = self._ledger.reasons_wanted.pop(squid_id, None)
        self._pending_events += reason_unread(self._state, squid_id, was, error,
                                              self.clocks.wall())

    def _forget_missing(self, job: Job) -> bool:
        """A 404 for the selection: say so and move on. True if it was handled."""
        which = missing_selection(self._state, job)
        if which == "squid":
            self._forget_squid(job.target or "")
        elif which == "run":
            self._forget_run(job.target or "")
        return which is not None

    def _forget_squid(self, squid_id: str) -> None:
        self._state, said, instead = squid_gone(self._state, squid_id, self.clocks.wall())
        self._pending_events.append(said)
        self.select_squid(instead)

    def _forget_run(self, run_id: str) -> None:
        self._state, said, instead = run_gone(self._state, run_id, self.clocks.wall())
        self._pending_events.append(said)
        self.select_run(instead)

    # -- after an answer -------------------------------------------------------------

    def _keep_selection_valid(self, job: Job, before: Snapshot) -> None:
        """After an answer: a selection that vanished on the server moves on, and an
        empty selection takes the first squid / the active or newest run."""
        todo = selection_after(job, before, self._state)
        if todo is None:
            return
        what, target = todo
        if what == "forget squid":
            self._forget_squid(target or "")
        elif what == "forget run":
            self._forget_run(target or "")
        elif what == "select squid":
            self.select_squid(target)
        else:
            self.select_run(target)

    # -- publishing --------------------------------------------------------------------

    def _note(self, text: str, *, squid_id: str | None = None, run_id: str | None = None,
              level: Level | None = None) -> Event:
        return action_event(self.clocks.wall(), text, run_id=run_id, squid_id=squid_id,
                            level=level)

    @contextlib.contextmanager
    def _one_publish(self) -> Iterator[None]:
        """One answer, one snapshot: what an answer changes (the selection it moves on,
        its events) is published once, when it has all been taken."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
            if not self._holding and self._held_change:
                self._held_change = False
                self._publish()

    def _publish(self, *, extra: list[Event] | None = None) -> None:
        if self._holding:
            self._held_change = True
            self._pending_events.extend(extra or ())
            return
        now = self.clocks.wall()
        connection = self._link.connection(
            last_ok_at=max(self._state.fetched_at.values(), default=None), now=now,
            blocked_for=self.gate.blocked_for(self.clocks.monotonic()),
            degraded=self._state.degraded_resources)
        made = assemble(self._state, self._snapshot, now=now, connection=connection,
                        cadence=self._cadence, tracker=self._tracker,
                        budget_note=self._plan.note, credits_warn=self.credits_warn,
                        alarm=self._credit_alarm, pending=self._pending_events,
                        extra=extra or [])
        self._pending_events = []
        self._state, self._snapshot = made.state, made.shown
        if not self._backoff.failures(BOARD_SLOT) and self._tracker.has_urgent(
                now, selected_squid=made.shown.selected_squid_id,
                skip=frozenset(self._ledger.reasons_wanted)):
            self._next_due[BOARD_SLOT] = 0.0
        if self.listener is not None:
            self.listener(made.shown, made.events)

    def _show_export(self, status: ExportStatus | None) -> None:
        self._state = dataclasses.replace(self._state, export=status)
        self._publish()

    def _on_response(self, record: RequestRecord) -> None:
        self.requests_sent += 1
        if record.status_code != 429:  # a 429 is handled as a failure, with Retry-After
            self.gate.observe(record.prefix, record.rate_limit,
                              now=self.clocks.monotonic(), epoch=self.clocks.epoch())

