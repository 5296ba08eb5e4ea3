"""What the launch and abort dialogs say: pure functions of the snapshot."""

from __future__ import annotations

from lobstr_tui.api import Run, Squid
from lobstr_tui.monitor import Snapshot, short_id
from lobstr_tui.ui import format as fmt

COST_NOTE = "A run costs credits for every result it collects."
ABORT_NOTE = "Partial results are still exported. This cannot be undone."


def launch_lines(squid: Squid, snapshot: Snapshot) -> list[str]:
    """The facts a person checks before paying for a run of ``squid``."""
    balance = snapshot.balance
    ready = "yes" if squid.is_ready else "NO: set its parameters in lobstr.io"
    tasks = {True: "tasks waiting to run", False: "no pending tasks",
             None: "unknown"}[squid.to_complete]
    lines = [
        f"squid      {squid.name}",
        f"crawler    {squid.crawler_name or fmt.DASH}",
        f"ready      {ready}",
        f"tasks      {tasks}",
        f"credits    {fmt.credits(balance.remaining) if balance else 'unknown'} left",
        f"slots      {balance.used_slots}/{balance.total_available_slots} in use"
        if balance else "slots      unknown",
    ]
    active = snapshot.active_run
    if active is not None and snapshot.selected_squid_id == squid.id:
        lines.append(f"note       run {short_id(active.id)} is {active.status.label}: "
                     "lobstr.io allows one active run per squid")
    lines.append(COST_NOTE)
    return lines


def abort_lines(run: Run, squid: Squid | None) -> list[str]:
    """What aborting ``run`` stops, and what it has cost so far."""
    return [
        f"run        {run.id}",
        f"squid      {squid.name if squid else run.squid}",
        f"status     {fmt.status_label(run.status)}",
        f"results    {fmt.count(run.total_results)} so far",
        f"credits    {fmt.credits(run.credit_used)} used so far",
        ABORT_NOTE,
    ]
