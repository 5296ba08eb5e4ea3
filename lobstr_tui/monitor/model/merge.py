"""Pure merging of API answers and user choices into the snapshot.

Every function takes a :class:`Snapshot` and returns a new one; none of them does I/O or
reads a clock (the instant of an answer is passed in).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Protocol, TypeVar

from lobstr_tui.api import Page, Run, RunStats, Squid
from lobstr_tui.monitor.model.snapshot import LatestRun, Progress, Snapshot
from lobstr_tui.monitor.model.transitions import status_changed

MAX_CACHED_RUNS = 10_000
_EPOCH = datetime.min.replace(tzinfo=UTC)

K = TypeVar("K")
V = TypeVar("V")


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


ItemT = TypeVar("ItemT", bound=_Identified)


def _frozen(mapping: Mapping[K, V]) -> Mapping[K, V]:
    return MappingProxyType(dict(mapping))


def _without(mapping: Mapping[K, V], *keys: K) -> Mapping[K, V]:
    return _frozen({k: v for k, v in mapping.items() if k not in keys})


def unique_by_id(items: Iterable[ItemT]) -> tuple[ItemT, ...]:
    """``items`` with one item per id (the first one), in order: tables key rows by id."""
    seen: set[str] = set()
    kept: list[ItemT] = []
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            kept.append(item)
    return tuple(kept)


def stored(state: Snapshot, resource: str, at: datetime) -> Snapshot:
    """``resource`` was fetched successfully at ``at``: its age restarts, its error (and
    its protocol error) goes."""
    fetched = {**state.fetched_at, resource: at}
    return replace(state, fetched_at=_frozen(fetched), errors=_without(state.errors, resource),
                   degraded=_without(state.degraded, resource))


def with_error(state: Snapshot, resource: str, message: str, *,
               protocol: bool = False) -> Snapshot:
    """``resource`` could not be read: say so; its last good data stays. ``protocol``:
    the API answered, but not in the documented shape (the resource is degraded)."""
    state = replace(state, errors=_frozen({**state.errors, resource: message}))
    if protocol:
        state = replace(state, degraded=_frozen({**state.degraded, resource: message}))
    return state


def without_errors(state: Snapshot, *resources: str) -> Snapshot:
    """Forget the errors of ``resources`` (they now concern something else)."""
    return replace(state, errors=_without(state.errors, *resources),
                   degraded=_without(state.degraded, *resources),
                   skipped=_without(state.skipped, *resources))


def with_skipped(state: Snapshot, resource: str, skipped: Sequence[str]) -> Snapshot:
    """The items of ``resource`` that its last answer could not read (none: forgotten)."""
    if not skipped:
        return replace(state, skipped=_without(state.skipped, resource)) if (
            resource in state.skipped) else state
    return replace(state, skipped=_frozen({**state.skipped, resource: tuple(skipped)}))


def with_incomplete(state: Snapshot, resource: str, why: str | None) -> Snapshot:
    """Why the list ``resource`` may lack items (None: it is complete)."""
    if why is None:
        return replace(state, incomplete=_without(state.incomplete, resource)) if (
            resource in state.incomplete) else state
    return replace(state, incomplete=_frozen({**state.incomplete, resource: why}))


def counted_failure(state: Snapshot, *, timed_out: bool) -> Snapshot:
    """One more failed poll (and one more timeout, if it was one)."""
    return replace(state, failed_polls=state.failed_polls + 1,
                   timed_out_polls=state.timed_out_polls + int(timed_out))


def squid_selected(state: Snapshot, squid_id: str | None) -> Snapshot:
    """Another squid is watched: its runs and the run detail start empty."""
    state = replace(state, selected_squid_id=squid_id, runs=(), runs_squid_id=None,
                    runs_total=0, runs_loading_more=False, runs_pages=0,
                    runs_exhausted=False, runs_gap=None, runs_jumping=False)
    return without_errors(run_selected(state, None), "runs", "older-runs", "oldest-runs")


def run_selected(state: Snapshot, run_id: str | None) -> Snapshot:
    """Another run is shown in the detail: its stats, credits and tasks start empty."""
    state = replace(state, selected_run_id=run_id, stats=None, credits=None, tasks=(),
                    tasks_total=0, tasks_pages=0, tasks_loading_more=False,
                    tasks_exhausted=False)
    return without_errors(state, "stats", "credits", "tasks", "older-tasks", "results")


def preferred_run(state: Snapshot) -> Run | None:
    """The run to show when none is chosen: the active one, else the newest."""
    return state.active_run or (state.runs[0] if state.runs else None)


def runs_merged(state: Snapshot, squid_id: str, runs: Iterable[Run], *,
                total: int | None = None, total_delta: int = 0,
                replace_head: bool = False) -> Snapshot:
    """Runs of ``squid_id`` merged into the loaded runs, newest first.

    With ``replace_head`` the answer is the first page: the truth about the newest runs,
    so loaded runs it should contain but does not (deleted on the server) go; older
    pages stay only for runs older than what it covers.
    """
    runs = list(runs)
    existing = list(state.runs) if state.runs_squid_id == squid_id else []
    fresh = {run.id: run for run in runs}
    if replace_head:
        oldest = min((r.created_at for r in runs if r.created_at), default=None)
        covers_all = total is not None and total <= len(runs)
        older = [] if covers_all or oldest is None else [
            r for r in existing if r.id not in fresh and r.created_at is not None
            and r.created_at < oldest]
        merged = list(fresh.values()) + older
    else:
        merged = [fresh.pop(r.id, r) for r in existing]
        merged.extend(fresh.values())
    merged.sort(key=lambda r: r.created_at or r.started_at or _EPOCH, reverse=True)
    merged = list(unique_by_id(merged))[:MAX_CACHED_RUNS]
    new_total = total if total is not None else state.runs_total + total_delta
    state = replace(state, runs=tuple(merged), runs_squid_id=squid_id,
                    runs_total=max(new_total, len(merged)),
                    runs_pages=max(state.runs_pages, 1) if replace_head else state.runs_pages)
    return _squid_follows_runs(state, squid_id) if replace_head else state


def paging_ended(page: Page[ItemT], asked: int, brought_new: bool) -> bool:
    """A page read on demand ends the paging when it is not the page asked for (the
    list moved), brought nothing new, or is the last one."""
    return page.page != asked or not brought_new or not page.has_next


def older_runs_merged(state: Snapshot, squid_id: str, page: Page[Run],
                      asked: int) -> Snapshot:
    """Page ``asked`` of the squid's runs, merged. A page that is not the one asked for,
    brings no new run or is the last one ends the loading of older runs."""
    known = {r.id for r in state.runs} if state.runs_squid_id == squid_id else set()
    new = [r for r in page.items if r.id not in known]
    state = runs_merged(state, squid_id, page.items, total=page.total_results)
    ended = paging_ended(page, asked, bool(new))
    return replace(state, runs_pages=max(state.runs_pages, asked),
                   runs_exhausted=state.runs_exhausted or ended)


def _squid_follows_runs(state: Snapshot, squid_id: str) -> Snapshot:
    """The runs just read are newer than the squid list: its row shows the newest run's
    status (never a pending row beside a running run), and a squid whose newest run is
    not active loses its progress."""
    if not state.runs:
        return state
    newest = state.runs[0]
    squids = tuple(
        replace(s, last_run_status=newest.status) if s.id == squid_id and status_changed(
            s.last_run_status, newest.status) else s for s in state.squids)
    if squids != state.squids:
        state = replace(state, squids=squids)
    if not newest.status.is_active and squid_id in state.progress:
        state = replace(state, progress=_without(state.progress, squid_id))
    return state


def squids_listed(state: Snapshot, squids: Iterable[Squid], at: datetime) -> Snapshot:
    """A full read of the squid list. Progress kept for a squid the list shows without
    an active run (or no longer shows) goes: it would be stale."""
    listed = unique_by_id(squids)
    active = {s.id for s in listed if s.last_run_status is None or s.last_run_status.is_active}
    progress = state.progress
    if any(squid_id not in active for squid_id in progress):
        progress = _frozen({k: v for k, v in progress.items() if k in active})
    latest = state.latest_runs
    ids = {s.id for s in listed}
    if any(squid_id not in ids for squid_id in latest):
        latest = _frozen({k: v for k, v in latest.items() if k in ids})
    return replace(stored(state, "squids", at), squids=listed, squids_loaded=True,
                   progress=progress, latest_runs=latest)


def latest_run_read(state: Snapshot, latest: LatestRun) -> Snapshot:
    """The newest run of a squid that is not selected, as just read."""
    return replace(state, latest_runs=_frozen({**state.latest_runs, latest.squid_id: latest}))


def run_filled(state: Snapshot, run: Run) -> Run:
    """A short answer about a run (an abort answered with only its status) completed
    with what was already known about it."""
    known = next((r for r in state.runs if r.id == run.id), None)
    if known is None or run.squid:
        return run
    return replace(known, status=run.status, is_done=run.is_done,
                   done_reason=run.done_reason or known.done_reason)


def stats_applied(state: Snapshot, stats: RunStats, at: datetime) -> Snapshot:
    """The selected run's stats, and the squid's live progress derived from them."""
    progress = dict(state.progress)
    run = state.selected_run
    if run is not None and run.status.is_active:
        progress[run.squid or (state.selected_squid_id or "")] = Progress(
            run.id, stats.percent_done, stats.total_tasks_done, stats.total_tasks,
            stats.total_results, read_at=at)
    elif run is not None:
        progress.pop(run.squid, None)
    return replace(stored(state, "stats", at), stats=stats, progress=_frozen(progress))


def squid_removed(state: Snapshot, squid_id: str) -> Snapshot:
    """A squid that no longer exists on the server leaves the list."""
    return replace(state, squids=tuple(s for s in state.squids if s.id != squid_id),
                   progress=_without(state.progress, squid_id),
                   latest_runs=_without(state.latest_runs, squid_id))


def run_removed(state: Snapshot, run_id: str) -> Snapshot:
    """A run that no longer exists on the server leaves the table."""
    runs = tuple(r for r in state.runs if r.id != run_id)
    return replace(state, runs=runs, runs_total=max(len(runs), state.runs_total - 1))
