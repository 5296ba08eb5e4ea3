"""Which runs are beyond their squid's usual run, from one snapshot: the board's active
runs at their current percent, the runs that ended while watching, and the selected run.

The statistics are in :mod:`~lobstr_tui.monitor.model.baseline`; this module finds, for
each run, its squid's baseline and where the run is, and remembers each baseline's usual
run (computed once per baseline, not on every publish).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from lobstr_tui.api import Run, RunStats, StatusKind
from lobstr_tui.monitor.model.baseline import (
    Baseline,
    Flag,
    Progress,
    Usual,
    judge_active,
    judge_ended,
    usual_of,
)
from lobstr_tui.monitor.model.snapshot import Snapshot


def progress_of(run: Run, stats: RunStats | None, credits: float | None,
                now: datetime) -> Progress | None:
    """Where an active run is, from its last stats read (None before the first)."""
    if stats is None:
        return None
    elapsed = stats.duration
    if not elapsed and run.started_at is not None:
        elapsed = max(0.0, (now - run.started_at).total_seconds())
    return Progress(elapsed=elapsed or None, percent=stats.percent_done,
                    tasks_done=stats.total_tasks_done, tasks_total=stats.total_tasks,
                    results=max(run.total_results, stats.total_results),
                    credits=credits if credits is not None else run.credit_used)


_USUALS: dict[tuple[int, str], tuple[tuple[Run, ...], Usual]] = {}
"""The usual run of a baseline's runs without one run, by (id of the runs, that run):
each publish judges every row again, the baselines seldom change."""
USUALS_KEPT = 512


def usual_without(baseline: Baseline, run_id: str) -> Usual:
    """:func:`usual_of` the baseline's runs but ``run_id``, computed once per baseline."""
    key = (id(baseline.runs), run_id)
    known = _USUALS.get(key)
    if known is not None and known[0] is baseline.runs:
        return known[1]
    if len(_USUALS) >= USUALS_KEPT:
        _USUALS.clear()
    usual = usual_of(baseline.runs, exclude=run_id)
    _USUALS[key] = (baseline.runs, usual)
    return usual


def judge(run: Run, baseline: Baseline | None, *, stats: RunStats | None = None,
          credits: float | None = None, now: datetime) -> tuple[Flag, ...]:
    """The flags of one run against its squid's baseline (none without one). A paused
    run is not judged: the pause is the news, not its pace."""
    if baseline is None:
        return ()
    usual = usual_without(baseline, run.id)
    kind = run.status.kind
    if kind is StatusKind.DONE:
        return judge_ended(usual, run)
    if kind is not StatusKind.RUNNING:
        return ()
    at = progress_of(run, stats, credits, now)
    return () if at is None else judge_active(usual, at)


def anomalies_of(state: Snapshot) -> dict[str, tuple[Flag, ...]]:
    """By run id, the flags of every board row, recently ended run and the selected
    run that has any."""
    found: dict[str, tuple[Flag, ...]] = {}
    baselines: Mapping[str, Baseline] = state.baselines
    now = state.taken_at
    for row in state.board:
        flags = judge(row.run, baselines.get(row.squid_id), stats=row.stats,
                      credits=row.credits_used, now=now)
        if flags:
            found[row.run.id] = flags
    for ended in state.recent:
        flags = judge(ended.run, baselines.get(ended.squid_id), now=now)
        if flags:
            found[ended.run.id] = flags
    run = state.selected_run
    if run is not None and run.id not in found and state.selected_squid_id is not None:
        stats = state.stats if state.stats is not None and state.stats.id == run.id else None
        credits = state.credits.total_credits if state.credits is not None and (
            state.credits.run_id == run.id) else None
        flags = judge(run, baselines.get(state.selected_squid_id), stats=stats,
                      credits=credits, now=now)
        if flags:
            found[run.id] = flags
    return found
