"""One request per job, and how its answer is merged into the snapshot.

:func:`fetch` sends the job's request and returns a :data:`Merge`: a pure function
applied to the snapshot as it is when the answer arrives (the user may have selected
something else meanwhile; an answer about what is no longer selected changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import replace
from datetime import datetime

from lobstr_tui.api import LobstrClient
from lobstr_tui.monitor import state as merge
from lobstr_tui.monitor.jobs import Job, JobKind
from lobstr_tui.monitor.snapshot import Snapshot

Merge = Callable[[Snapshot, datetime], Snapshot]

RUNS_PAGE = 50
SQUIDS_PAGE = 100
TASKS_PAGE = 100


async def fetch(client: LobstrClient, job: Job, state: Snapshot, *,
                tasks_seen_done: MutableMapping[str, int]) -> Merge:
    """Send ``job``'s request; ``state`` is the snapshot when it was sent."""
    target = job.target or ""
    kind = job.kind
    if kind is JobKind.ME:
        me = await client.me()
        return lambda s, at: replace(merge.stored(s, "me", at), me=me)
    if kind is JobKind.BALANCE:
        balance = await client.balance()
        return lambda s, at: replace(merge.stored(s, "balance", at), balance=balance)
    if kind is JobKind.SQUIDS:
        squids = tuple(await client.all_squids(limit=SQUIDS_PAGE))
        return lambda s, at: replace(merge.stored(s, "squids", at), squids=squids,
                                     squids_loaded=True)
    if kind is JobKind.RUNS:
        page = await client.runs_page(target, limit=RUNS_PAGE)
        return _for_squid(target, lambda s, at: merge.stored(merge.runs_merged(
            s, target, page.items, total=page.total_results, replace_head=True), "runs", at))
    if kind is JobKind.OLDER_RUNS:
        number = len(state.runs) // RUNS_PAGE + 1
        older = await client.runs_page(target, page=number, limit=RUNS_PAGE)
        more = _for_squid(target, lambda s, at: merge.runs_merged(
            s, target, older.items, total=older.total_results))
        return lambda s, at: replace(more(s, at), runs_loading_more=False)
    if kind is JobKind.STATS:
        stats = await client.run_stats(target)
        return _for_run(target, lambda s, at: merge.stats_applied(s, stats, at))
    if kind is JobKind.CREDITS:
        credits = await client.run_credits(target)
        return _for_run(target, lambda s, at: replace(merge.stored(s, "credits", at),
                                                      credits=credits))
    # JobKind.TASKS: read again only when tasks-done changes (see plan_jobs).
    done = state.stats.total_tasks_done if state.stats is not None else None
    tasks = await client.run_tasks_page(target, limit=TASKS_PAGE)
    if done is not None:
        tasks_seen_done[target] = done
    return _for_run(target, lambda s, at: replace(merge.stored(s, "tasks", at),
                                                  tasks=tuple(tasks.items)))


def _for_squid(squid_id: str, apply: Merge) -> Merge:
    """``apply`` only while ``squid_id`` is still the selected squid."""
    return lambda s, at: apply(s, at) if s.selected_squid_id == squid_id else s


def _for_run(run_id: str, apply: Merge) -> Merge:
    """``apply`` only while ``run_id`` is still the selected run."""
    return lambda s, at: apply(s, at) if s.selected_run_id == run_id else s
