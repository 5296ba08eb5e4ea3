"""Pure merging of API answers and user choices into the snapshot.

Every function takes a :class:`Snapshot` and returns a new one; none of them does I/O or
reads a clock (the instant of an answer is passed in).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TypeVar

from lobstr_tui.api import Run, RunStats
from lobstr_tui.monitor.snapshot import Progress, Snapshot

MAX_CACHED_RUNS = 10_000
_EPOCH = datetime.min.replace(tzinfo=UTC)

K = TypeVar("K")
V = TypeVar("V")


def _frozen(mapping: Mapping[K, V]) -> Mapping[K, V]:
    return MappingProxyType(dict(mapping))


def stored(state: Snapshot, resource: str, at: datetime) -> Snapshot:
    """``resource`` was fetched successfully at ``at``: its age restarts, its error goes."""
    fetched = {**state.fetched_at, resource: at}
    errors = {k: v for k, v in state.errors.items() if k != resource}
    return replace(state, fetched_at=_frozen(fetched), errors=_frozen(errors))


def with_error(state: Snapshot, resource: str, message: str) -> Snapshot:
    """``resource`` could not be read: say so; its last good data stays."""
    return replace(state, errors=_frozen({**state.errors, resource: message}))


def without_errors(state: Snapshot, *resources: str) -> Snapshot:
    """Forget the errors of ``resources`` (they now concern something else)."""
    errors = {k: v for k, v in state.errors.items() if k not in resources}
    return replace(state, errors=_frozen(errors))


def counted_failure(state: Snapshot, *, timed_out: bool) -> Snapshot:
    """One more failed poll (and one more timeout, if it was one)."""
    return replace(state, failed_polls=state.failed_polls + 1,
                   timed_out_polls=state.timed_out_polls + int(timed_out))


def squid_selected(state: Snapshot, squid_id: str | None) -> Snapshot:
    """Another squid is watched: its runs and the run detail start empty."""
    state = replace(state, selected_squid_id=squid_id, runs=(), runs_squid_id=None,
                    runs_total=0, runs_loading_more=False, selected_run_id=None,
                    stats=None, credits=None, tasks=())
    return without_errors(state, "runs", "stats", "credits", "tasks")


def run_selected(state: Snapshot, run_id: str | None) -> Snapshot:
    """Another run is shown in the detail: its stats, credits and tasks start empty."""
    state = replace(state, selected_run_id=run_id, stats=None, credits=None, tasks=())
    return without_errors(state, "stats", "credits", "tasks")


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
    merged = merged[:MAX_CACHED_RUNS]
    new_total = total if total is not None else state.runs_total + total_delta
    return replace(state, runs=tuple(merged), runs_squid_id=squid_id,
                   runs_total=max(new_total, len(merged)))


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
            stats.total_results)
    elif run is not None:
        progress.pop(run.squid, None)
    return replace(stored(state, "stats", at), stats=stats, progress=_frozen(progress))


def squid_removed(state: Snapshot, squid_id: str) -> Snapshot:
    """A squid that no longer exists on the server leaves the list."""
    return replace(state, squids=tuple(s for s in state.squids if s.id != squid_id))


def run_removed(state: Snapshot, run_id: str) -> Snapshot:
    """A run that no longer exists on the server leaves the table."""
    runs = tuple(r for r in state.runs if r.id != run_id)
    return replace(state, runs=runs, runs_total=max(len(runs), state.runs_total - 1))
