"""The whole story of why a run is where it is (the ``e`` key): its status, lobstr.io's
reason and own words in full, what they mean and what to do, when, and its ids."""

from __future__ import annotations

from datetime import datetime

from lobstr_tui.api import Run, StatusKind, explain
from lobstr_tui.ui.text import format as fmt

CRASHED = ("lobstr.io's crawler crashed", "nothing to do: lobstr.io resumes the run once "
           "it is fixed; the results so far are kept")


def why_title(run: Run) -> str:
    """``Why run 780dab… is ✖ error``."""
    return f"Why run {run.id[:6]}… is {fmt.status_label(run.status)}"


def why_lines(run: Run, squid_name: str | None, now: datetime) -> list[tuple[str, str]]:
    """(label, text) pairs, in reading order; every text in full (the screen wraps it)."""
    lines = [("Status", f"{fmt.status_label(run.status)} (lobstr.io says "
                        f"\u201c{run.status.raw}\u201d)")]
    meaning: tuple[str, str | None] | None = None
    if run.done_reason:
        entry = explain(run.done_reason)
        lines.append(("Reason", run.done_reason))
        meaning = (entry.explanation, entry.action)
    else:
        lines.append(("Reason", "none given by lobstr.io"))
        if run.status.kind is StatusKind.ERROR:
            meaning = CRASHED
    lines.append(("lobstr.io's words", f"\u201c{run.done_reason_desc}\u201d"
                  if run.done_reason_desc else "none"))
    if meaning is not None:
        lines.append(("What it means", meaning[0]))
        if meaning[1]:
            lines.append(("What to do", meaning[1]))
    elif run.status.is_active:
        lines.append(("What it means", "nothing has stopped it: it is "
                      f"{run.status.label}"))
    for label, when in (("Started", run.started_at or run.created_at),
                        ("Ended", run.ended_at)):
        if when is not None:
            lines.append((label, f"{when.astimezone():%Y-%m-%d %H:%M:%S} ({fmt.ago(when, now)})"))
    lines.append(("Results", fmt.count(run.total_results)))
    lines.append(("Run", run.id))
    if run.squid:
        lines.append(("Squid", f"{squid_name} ({run.squid})" if squid_name else run.squid))
    return lines
