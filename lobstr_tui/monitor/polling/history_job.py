"""Reading each squid's baseline: its last finished runs, one runs page of 30.

The selected squid's baseline comes with its runs list (polled anyway, see
:func:`runs_with_baseline`). Any other squid with a run on the board or among the runs
that ended while watching is read once by the history job, one squid at a time in one
of the board's turns once the first answers are in (so it costs the board's share of
the request budget and nothing else's; see ``jobs.plan_jobs``), and again once a run of
it ended after that read (its past has grown). A read that
failed for its own reason (not the link's) is tried again after :data:`RETRY_AFTER`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType

from lobstr_tui.api import LobstrClient, LobstrError, Run
from lobstr_tui.monitor.model.baseline import MAX_RUNS, Baseline, baseline_from
from lobstr_tui.monitor.model.snapshot import Snapshot
from lobstr_tui.monitor.polling.connection import link_state_of

RETRY_AFTER = 300.0
"""Seconds before a history read that failed (not for the link) is tried again."""
SETTLE_FIRST = 20.0
"""Seconds of watching before the first history read: opening the app reads what is on
screen first (the history is no news, it can wait for the first answers)."""


def _candidates(state: Snapshot) -> Iterator[str]:
    for row in state.board:
        yield row.squid_id
    for ended in state.recent:
        yield ended.squid_id


def history_wanted(state: Snapshot) -> str | None:
    """The next squid whose baseline is to be read, or None: a squid on the board or
    among the recently ended runs (not the selected one: its runs list gives it) with
    no baseline yet, or one of its runs ended after the last read, or the last read
    failed more than :data:`RETRY_AFTER` seconds ago. None in the first
    :data:`SETTLE_FIRST` seconds of watching."""
    since = state.board_since
    if since is None or (state.taken_at - since).total_seconds() < SETTLE_FIRST:
        return None
    for squid_id in dict.fromkeys(_candidates(state)):
        if squid_id == state.selected_squid_id:
            continue
        known = state.baselines.get(squid_id)
        if known is None:
            return squid_id
        if known.error is not None:
            if (state.taken_at - known.read_at).total_seconds() >= RETRY_AFTER:
                return squid_id
            continue
        if any(ended.squid_id == squid_id and ended.ended_at > known.read_at
               and all(run.id != ended.run.id for run in known.runs)
               for ended in state.recent):
            return squid_id
    return None


def with_baseline(state: Snapshot, baseline: Baseline, *, read: bool = False) -> Snapshot:
    """``state`` with ``baseline`` for its squid: unchanged when its runs are, unless
    it is a history ``read`` (its time counts: a run that ended before it is in it, or
    will not be, and is not asked for again)."""
    known = state.baselines.get(baseline.squid_id)
    if not read and known is not None and known.runs == baseline.runs and (
            known.error == baseline.error):
        return state
    baselines = dict(state.baselines)
    baselines[baseline.squid_id] = baseline
    return replace(state, baselines=MappingProxyType(baselines))


def runs_with_baseline(state: Snapshot, squid_id: str, runs: Sequence[Run],
                       at: datetime) -> Snapshot:
    """The selected squid's newest runs page, read by its runs poll, as its baseline."""
    return with_baseline(state, baseline_from(squid_id, runs, at))


def _failed(state: Snapshot, squid_id: str, message: str, at: datetime) -> Snapshot:
    known = state.baselines.get(squid_id)
    runs = known.runs if known is not None else ()
    return with_baseline(state, Baseline(squid_id, runs, at, error=message), read=True)


async def read_history(client: LobstrClient, squid_id: str
                       ) -> tuple[Sequence[Run] | None, str | None]:
    """One runs page of ``squid_id`` (its runs, or why not). A failure of the link
    (offline, rate limited, token refused) is raised: the scheduler's backoff and the
    connection state handle it."""
    try:
        page = await client.runs_page(squid_id, limit=MAX_RUNS)
    except LobstrError as error:
        if link_state_of(error) is not None:
            raise
        return None, error.message
    return page.items, None


def history_merged(squid_id: str, runs: Sequence[Run] | None, error: str | None
                   ) -> Callable[[Snapshot, datetime], Snapshot]:
    """How a history read's answer (from :func:`read_history`) goes into the snapshot."""
    if runs is None:
        return lambda s, at: _failed(s, squid_id, error or "not read", at)
    return lambda s, at: with_baseline(s, baseline_from(squid_id, runs, at), read=True)
