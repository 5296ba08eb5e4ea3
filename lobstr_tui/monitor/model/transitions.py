"""Status changes between two snapshots: what events report and what triggers re-reads.

A change of case (``RUNNING`` on the squid list, ``running`` on the run) or of spelling
of the same documented state (``finished`` for ``done``) is not a change; between two
statuses lobstr.io never documented, a different word is.
"""

from __future__ import annotations

from dataclasses import dataclass

from lobstr_tui.api import Run, RunStatus, Squid, StatusKind
from lobstr_tui.monitor.model.snapshot import Snapshot

SETTLED = frozenset({StatusKind.PAUSED, StatusKind.DONE, StatusKind.ABORTED,
                     StatusKind.ERROR})
"""States after which credits and the balance no longer move (for now): re-read them."""

WANTS_REASON = frozenset({StatusKind.PAUSED, StatusKind.ERROR})
"""States whose event must say why (a reason slug or an error message)."""


def status_changed(old: RunStatus | None, new: RunStatus | None) -> bool:
    """True when ``old`` and ``new`` are different states (not mere spellings)."""
    if old is None or new is None:
        return old is not new
    if old.kind is not new.kind:
        return True
    return old.kind is StatusKind.UNKNOWN and old.raw.lower() != new.raw.lower()


@dataclass(frozen=True, slots=True)
class RunTransition:
    """A loaded run of the selected squid whose status changed."""

    run: Run
    was: RunStatus


@dataclass(frozen=True, slots=True)
class SquidTransition:
    """A squid whose ``last_run_status`` changed on the squid list."""

    squid: Squid
    was: RunStatus | None
    now: RunStatus


def run_transitions(before: Snapshot, after: Snapshot) -> list[RunTransition]:
    """The runs (of one squid, loaded in both) whose status changed."""
    if before.runs_squid_id is None or before.runs_squid_id != after.runs_squid_id:
        return []
    known = {run.id: run.status for run in before.runs}
    return [RunTransition(run, known[run.id]) for run in after.runs
            if run.id in known and status_changed(known[run.id], run.status)]


def squid_transitions(before: Snapshot, after: Snapshot) -> list[SquidTransition]:
    """The squids (listed in both) whose last run's status changed."""
    if not before.squids_loaded or before.squids is after.squids:
        return []
    known = {squid.id: squid.last_run_status for squid in before.squids}
    return [SquidTransition(squid, known[squid.id], squid.last_run_status)
            for squid in after.squids
            if squid.id in known and squid.last_run_status is not None
            and known[squid.id] is not None
            and status_changed(known[squid.id], squid.last_run_status)]
