"""The credits panel: where the selected run's credits went, and the account balance."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from lobstr_tui.api import Balance, Run, RunCredits, RunStats
from lobstr_tui.monitor import Snapshot
from lobstr_tui.ui.kit.refit import Reshown, put_border, put_text
from lobstr_tui.ui.text import format as fmt


def credits_lines(credits: RunCredits | None, run: Run | None, stats: RunStats | None,
                  balance: Balance | None, now: datetime, width: int = 34) -> list[str]:
    """The panel's lines: breakdown by function, averages, projection, then the balance."""
    lines: list[str] = []
    if credits is None:
        lines.append("run credits: loading…" if run else "no run selected")
    else:
        for line in credits.breakdown:
            name = line.function
            if name == "base" and credits.base_function_label:
                name = f"base ({credits.base_function_label})"
            figures = (f" {fmt.credits(line.credits):>9} {credits.share(line):>4.0%} "
                       f"×{line.attempts:,}")
            # The label takes what the figures leave; a longer one gets its own line,
            # with the figures under it, so no label is cut where there is room.
            room = width - fmt.cells(figures)
            if fmt.cells(name) <= room:
                lines.append(fmt.pad(name, room) + figures)
            else:
                lines.append(fmt.shorten(name, width))
                lines.append(fmt.pad("", max(0, room)) + figures)
        if not credits.breakdown:
            lines.append("nothing charged yet (credits are per result)")
        for item in credits.filter_breakdown:
            lines.append(f"filter {item.display or item.name}: {fmt.credits(item.credits)}")
        lines.append(f"total {fmt.credits(credits.total_credits)} for "
                     f"{fmt.count(credits.total_results)} results")
        average = credits.average_per_result
        if average is not None:
            lines.append(f"avg {fmt.credits(average)} / result")
            expected = stats.results_total if stats else None
            if (run is not None and run.status.is_active and expected
                    and expected > credits.total_results):
                lines.append(f"projected at end ≈ {fmt.credits(round(average * expected))}")
    lines.append("")
    if balance is None:
        lines.append("balance: loading…")
    else:
        lines.append(f"left {fmt.credits(balance.remaining)} of {fmt.credits(balance.available)}"
                     f" ({balance.interval or 'plan'})")
        lines.append(f"used {fmt.credits(balance.consumed)}")
        if balance.reset_time is not None:
            lines.append(f"resets {fmt.ago(balance.reset_time, now)}")
        lines.append(f"slots {balance.used_slots}/{balance.total_available_slots}"
                     + (" (over plan)" if balance.used_slots > balance.total_available_slots
                        else ""))
        if balance.has_unpaid_bill:
            lines.append("⚠ unpaid bill: runs may stop; pay it in lobstr.io billing")
        if balance.remaining <= 0:
            lines.append("⚠ no credits left")
    return lines


class CreditsPanel(Reshown[Snapshot], Static, can_focus=True):
    """Credits of the selected run and of the account."""


    def on_mount(self) -> None:
        self.border_title = "Credits"

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Render a snapshot."""
        self.shown(snapshot, now)
        run = snapshot.selected_run
        credits = snapshot.credits if snapshot.credits and run and (
            snapshot.credits.run_id in ("", run.id)) else None
        width = max(24, self.content_size.width or 34)
        lines = credits_lines(credits, run, snapshot.stats, snapshot.balance, now, width)
        if "credits" in snapshot.errors:
            lines.insert(0, f"⚠ credits unreadable: {snapshot.errors['credits']}")
        put_border(self, subtitle=(fmt.stale_note(snapshot, "credits", now)
                                   or fmt.stale_note(snapshot, "balance", now)).lstrip(" ·"))
        put_text(self, Text("\n".join(lines)))
