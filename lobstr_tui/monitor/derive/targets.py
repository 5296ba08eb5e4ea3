"""What the launch and abort keys are about: the squid under the squid list's cursor, the
run an abort would stop, and what each key leads to (a warning, or a dialog), read from
a snapshot (no Textual)."""

from __future__ import annotations

from lobstr_tui.api import Run, Squid
from lobstr_tui.monitor.derive.launch_check import LaunchCheck, launch_check
from lobstr_tui.monitor.model.snapshot import Snapshot

NO_SQUID_TO_LAUNCH = "no squid selected: the squid list shows none to launch"
NO_SQUID_TO_ABORT = "no squid selected: the squid list shows none"


def visible_squid(snapshot: Snapshot, squid_id: str | None) -> Squid | None:
    """The squid of the squid list's highlighted row ``squid_id``: None when the list
    shows none (a filter that matches nothing hides the one selected before)."""
    return next((s for s in snapshot.squids if s.id == squid_id), None)


def abort_target(snapshot: Snapshot, squid: Squid | None) -> Run | None:
    """The selected run if it is active, else the active run of ``squid`` (the one
    under the squid list's cursor); never a run of a squid the list does not show."""
    if squid is None or snapshot.runs_squid_id != squid.id:
        return None
    run = snapshot.selected_run
    if run is not None and run.status.is_active:
        return run
    return next((r for r in snapshot.runs if r.status.is_active), None)


def launch_choice(snapshot: Snapshot, squid: Squid | None,
                  refusal: str | None) -> LaunchCheck | str:
    """What ``l`` leads to for ``squid`` (under the cursor), given why the scheduler
    would refuse a launch of it now (``refusal``): a warning to say, or the check the
    dialog shows (a blocked check: only why it cannot launch)."""
    if squid is None:
        return NO_SQUID_TO_LAUNCH
    if refusal is not None:
        return refusal
    return launch_check(snapshot, squid)


def abort_choice(snapshot: Snapshot, squid: Squid | None,
                 refusal: str | None) -> tuple[Run, Squid] | str:
    """What ``a`` leads to, given the squid under the cursor and why the scheduler would
    refuse an abort now (``refusal``): a warning to say, or the run to ask about (and
    its squid)."""
    if refusal is not None:
        return refusal
    run = abort_target(snapshot, squid)
    if run is not None and squid is not None:
        return run, squid
    if squid is None:
        return NO_SQUID_TO_ABORT
    if snapshot.runs_squid_id != squid.id:
        return f"the runs of {squid.name} are still loading"
    return f"no active run of {squid.name} to abort"
