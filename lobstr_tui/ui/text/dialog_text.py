"""What the launch and abort dialogs say: pure functions of the snapshot."""

from __future__ import annotations

import textwrap

from lobstr_tui.api import Run, Squid
from lobstr_tui.monitor.derive.launch_check import CostEstimate, LaunchCheck
from lobstr_tui.monitor.model.snapshot import Snapshot
from lobstr_tui.ui.text import format as fmt

COST_NOTE = "A run costs credits for every result it collects."
ABORT_NOTE = "Partial results are still exported. This cannot be undone."
BLOCKED_HEAD = "This launch would be refused:"
BLOCKED_NOTE = "Nothing was sent. Fix the above in lobstr.io (or wait), then press l again."
INDENT = " " * 11
WIDTH = 64
"""The dialog's text width in cells (72 wide, less its border and padding)."""


def _tasks_line(check: LaunchCheck) -> str:
    if check.tasks is not None:
        return f"tasks      {fmt.count(check.tasks)} (as many as run {check.tasks_from} had)"
    known = {True: "waiting to run (how many is not known yet)", False: "none to run",
             None: "unknown"}[check.squid.to_complete]
    return f"tasks      {known}"


def estimate_lines(estimate: CostEstimate | None) -> list[str]:
    """The cost estimate, said to be one: from the squid's latest done runs."""
    if estimate is None:
        return ["estimate   unknown: no done run of this squid to learn from yet"]
    runs = "the last done run" if estimate.runs == 1 else f"the last {estimate.runs} done runs"
    spread = ("" if estimate.lowest == estimate.highest else
              f" ({fmt.credits(estimate.lowest)} to {fmt.credits(estimate.highest)} each)")
    for_tasks = estimate.for_tasks
    if for_tasks is not None and estimate.per_result is not None:
        how = [f"{INDENT}{estimate.tasks} tasks × {fmt.count(estimate.results_per_task)} results "
               f"a task × {fmt.credits(estimate.per_result)} a result,",
               f"{INDENT}rates from {runs}{spread}"]
        first = f"estimate   ≈ {fmt.credits(round(for_tasks))} credits"
    else:
        per_result = ("" if estimate.per_result is None
                      else f", {fmt.credits(estimate.per_result)} a result")
        how = [f"{INDENT}average of {runs}{spread}{per_result}"]
        first = f"estimate   ≈ {fmt.credits(round(estimate.per_run))} credits a run"
    return [first, *how, f"{INDENT}(an estimate from past runs, not a price)"]


def wrapped(lines: list[str], width: int = WIDTH) -> list[str]:
    """Lines cut at ``width`` with a hanging indent under their value (or bullet)."""
    out: list[str] = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
            continue
        if line.startswith(("  ✖ ", "⚠ ")):
            indent = "    "
        else:
            indent = INDENT if line.startswith(INDENT) or line[10:11] == " " else ""
        out += textwrap.wrap(line, width=width, subsequent_indent=indent) or [""]
    return out


def launch_lines(check: LaunchCheck, snapshot: Snapshot) -> list[str]:
    """The facts a person checks before paying for a run: first what would make the
    launch fail (then nothing else matters), else tasks, credits, slots and the cost
    estimate."""
    squid = check.squid
    balance = snapshot.balance
    lines = [f"squid      {squid.name}", f"crawler    {squid.crawler_name or fmt.DASH}"]
    if check.blocked:
        lines += ["", BLOCKED_HEAD]
        lines += [f"  ✖ {blocker}" for blocker in check.blockers]
        lines += ["", BLOCKED_NOTE]
        return wrapped(lines)
    lines += [
        "ready      yes",
        _tasks_line(check),
        f"credits    {fmt.credits(balance.remaining) if balance else 'unknown'} left",
        f"slots      {balance.used_slots}/{balance.total_available_slots} in use"
        if balance else "slots      unknown",
        *estimate_lines(check.estimate),
    ]
    lines += [f"⚠ {warning}" for warning in check.warnings]
    lines.append(COST_NOTE)
    return wrapped(lines)


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
