"""The top bar: account, plan, credits left, slots, and the connection state."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from lobstr_tui.monitor import LinkState, Snapshot
from lobstr_tui.ui import format as fmt


def top_bar_text(snapshot: Snapshot, now: datetime) -> tuple[str, str]:
    """The left part (account) and the right part (connection) of the top bar."""
    parts = ["lobstr"]
    if snapshot.me is not None:
        parts.append(snapshot.me.display_name)
        if snapshot.me.plan_names:
            parts.append(snapshot.me.plan_names[0])
    balance = snapshot.balance
    if balance is not None:
        if snapshot.me is None or not snapshot.me.plan_names:
            parts.append(balance.name)
        parts.append(f"credits {fmt.count(round(balance.remaining))} / "
                     f"{fmt.count(round(balance.available))} left")
        parts.append(f"slots {balance.used_slots}/{balance.total_available_slots}")
        if balance.has_unpaid_bill:
            parts.append("⚠ unpaid bill")
    if snapshot.read_only:
        parts.append("read-only")
    return " · ".join(parts), fmt.connection_text(snapshot.connection, now)


class TopBar(Static):
    """One line: who, what plan, what's left, and whether the data is live."""

    DEFAULT_CLASSES = "top-bar"

    _shown = ""

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Render a snapshot as of ``now``."""
        left, right = top_bar_text(snapshot, now)
        width = max(20, self.size.width or 120)
        gap = max(1, width - len(left) - len(right) - 2)
        if len(left) + len(right) + 3 > width:
            left = fmt.shorten(left, max(10, width - len(right) - 3))
            gap = 1
        text = f" {left}{' ' * gap}{right} "
        if text != self._shown:
            # One fixed line: no layout pass needed (this runs every second).
            self.update(Text(text), layout=False)
            self._shown = text
        state = snapshot.connection.state
        self.set_class(state is LinkState.LIVE, "-live")
        self.set_class(state in (LinkState.STALE, LinkState.RATE_LIMITED,
                                 LinkState.CONNECTING), "-degraded")
        self.set_class(state in (LinkState.OFFLINE, LinkState.UNAUTHORIZED), "-down")
