"""One request per job, and how its answer is merged into the snapshot.

:func:`fetch` sends the job's request and returns a :class:`Fetched`: a pure function
applied to the snapshot as it is when the answer arrives (the user may have selected
something else meanwhile; an answer about what is no longer selected changes nothing),
and whether the job wants another page at once. A list of several pages is read one
page per job start, so every page goes through the rate gate like any request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from lobstr_tui.api import LobstrClient, Run, RunStatus, Squid
from lobstr_tui.api.paging import PageWalk
from lobstr_tui.monitor.model import merge, story
from lobstr_tui.monitor.model.snapshot import LatestRun, Snapshot
from lobstr_tui.monitor.polling.first_reads import SQUIDS_PAGE
from lobstr_tui.monitor.polling.history_job import (
    history_merged,
    read_history,
    runs_with_baseline,
)
from lobstr_tui.monitor.polling.jobs import Job, JobKind
from lobstr_tui.monitor.polling.tracker import RunTracker

Merge = Callable[[Snapshot, datetime], Snapshot]
Observe = Callable[[RunTracker, datetime], None]

RUNS_PAGE = 50
TASKS_PAGE = 100
RESULTS_PAGE = 50


def _unchanged(state: Snapshot, at: datetime) -> Snapshot:
    return state


@dataclass(frozen=True, slots=True)
class Fetched:
    """A job's answer: how to merge it, whether the job's next page is due now,
    (board reads) what the run tracker learns from it, and a run found by its id."""

    merge: Merge
    more: bool = False
    observe: Observe | None = None
    found: Run | None = None
    """A run looked up by its id (the scheduler selects it, and its squid)."""


@dataclass
class Ledger:
    """What the scheduler remembers between answers that is not for the screen."""

    tasks_seen_done: dict[str, int] = field(default_factory=dict)
    """Tasks-done of each run when its tasks were last read."""
    credits_final: set[str] = field(default_factory=set)
    """Runs whose credits were read after they ended: they will not change."""
    walks: dict[str, PageWalk[Any]] = field(default_factory=dict)
    """Lists being read page by page, by job key."""
    reasons_wanted: dict[str, RunStatus | None] = field(default_factory=dict)
    """Squids whose last run changed status on the list, with the status it had."""
    find_run: str | None = None
    """A run id the person typed, to look up on lobstr.io."""


async def fetch(client: LobstrClient, job: Job, state: Snapshot, ledger: Ledger) -> Fetched:
    """Send ``job``'s request; ``state`` is the snapshot when it was sent."""
    target = job.target or ""
    kind = job.kind
    if kind is JobKind.ME:
        me = await client.me()
        return Fetched(lambda s, at: replace(merge.stored(s, "me", at), me=me))
    if kind is JobKind.BALANCE:
        balance = await client.balance()
        return Fetched(lambda s, at: replace(merge.stored(s, "balance", at), balance=balance))
    if kind is JobKind.SQUIDS:
        return await _squids(client, job, ledger)
    if kind is JobKind.RUNS:
        page = await client.runs_page(target, limit=RUNS_PAGE)
        return Fetched(_for_squid(target, lambda s, at: runs_with_baseline(
            merge.with_skipped(merge.stored(merge.runs_merged(
                s, target, page.items, total=page.total_results, replace_head=True),
                "runs", at), "runs", page.skipped), target, page.items, at)))
    if kind is JobKind.HISTORY:
        runs, error = await read_history(client, target)
        return Fetched(history_merged(target, runs, error))
    if kind is JobKind.OLDER_RUNS:
        number = max(1, state.runs_pages) + 1
        older = await client.runs_page(target, page=number, limit=RUNS_PAGE)
        more = _for_squid(target, lambda s, at: merge.with_skipped(
            merge.older_runs_merged(s, target, older, number), "older-runs", older.skipped))
        return Fetched(lambda s, at: story.older_read(
            replace(more(s, at), runs_loading_more=False), older, number))
    if kind is JobKind.LATEST_RUN:
        was = ledger.reasons_wanted.get(target)
        newest = await client.runs_page(target, limit=1)
        if not newest.items:
            return Fetched(_unchanged)
        latest = newest.items[0]
        return Fetched(lambda s, at: merge.latest_run_read(
            s, LatestRun(target, latest, was, at)))
    if kind is JobKind.ROW_FIND:
        found = await client.runs_page(target, limit=1)
        head = found.items[0] if found.items else None
        return Fetched(_unchanged, observe=lambda t, at: t.found(target, head, at))
    if kind is JobKind.ROW_RUN:
        run = await client.run(target)
        return Fetched(_unchanged, observe=lambda t, at: t.run_read(run, at))
    if kind is JobKind.ROW_STATS:
        row_stats = await client.run_stats(target)
        return Fetched(_unchanged,
                       observe=lambda t, at: t.stats_read(target, row_stats, at))
    if kind is JobKind.STATS:
        stats = await client.run_stats(target)
        return Fetched(_for_run(target, lambda s, at: merge.stats_applied(s, stats, at)))
    if kind is JobKind.CREDITS:
        ended = state.selected_run is not None and state.selected_run.id == target and (
            state.selected_run.status.is_terminal)
        credits = await client.run_credits(target)
        if ended:
            ledger.credits_final.add(target)
        return Fetched(_for_run(target, lambda s, at: replace(
            merge.stored(s, "credits", at), credits=credits)))
    if kind in (JobKind.TASKS, JobKind.OLDER_TASKS):
        number = 1 if kind is JobKind.TASKS else state.tasks_pages + 1
        done = state.stats.total_tasks_done if state.stats is not None else None
        tasks = await client.run_tasks_page(target, page=number, limit=TASKS_PAGE)
        if done is not None and number == 1:
            ledger.tasks_seen_done[target] = done
        return Fetched(_for_run(target, lambda s, at: story.tasks_read(s, tasks, number, at)))
    if kind is JobKind.RESULTS:
        number = story.results_page_wanted(state)
        rows = await client.results_page(target, page=number, limit=RESULTS_PAGE)
        return Fetched(lambda s, at: story.results_read(s, target, rows, number, at))
    if kind is JobKind.OLDEST_RUNS:
        # Read again at once while the merge says the block is short (runs_jumping).
        number = story.tail_page_wanted(state, RUNS_PAGE)
        block = await client.runs_page(target, page=number, limit=RUNS_PAGE)
        return Fetched(lambda s, at: story.tail_read(s, target, block, number, RUNS_PAGE),
                       more=True)
    # JobKind.FIND_RUN: the run the person typed the id of.
    ledger.find_run = None
    looked_up = await client.run(target)
    return Fetched(lambda s, at: story.run_found(s, looked_up), found=looked_up)


async def _squids(client: LobstrClient, job: Job, ledger: Ledger) -> Fetched:
    """One page of the squid list; the list is merged once its last page is read."""
    walk: PageWalk[Squid] = ledger.walks.setdefault(job.key, PageWalk())
    page = await client.squids_page(page=walk.next_number, limit=SQUIDS_PAGE)
    if walk.add(page) is not None:
        return Fetched(_unchanged, more=True)
    del ledger.walks[job.key]
    squids, skipped, why = tuple(walk.items), tuple(walk.skipped), walk.summary("squid")
    return Fetched(lambda s, at: merge.with_incomplete(merge.with_skipped(
        merge.squids_listed(s, squids, at), "squids", skipped), "squids", why))


def _for_squid(squid_id: str, apply: Merge) -> Merge:
    """``apply`` only while ``squid_id`` is still the selected squid."""
    return lambda s, at: apply(s, at) if s.selected_squid_id == squid_id else s


def _for_run(run_id: str, apply: Merge) -> Merge:
    """``apply`` only while ``run_id`` is still the selected run."""
    return lambda s, at: apply(s, at) if s.selected_run_id == run_id else s
