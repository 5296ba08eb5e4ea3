"""The top bar: profile, account, plan, credits left, slots, and the connection state."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from lobstr_tui.monitor import Burn, LinkState, Snapshot
from lobstr_tui.ui.kit.refit import Reshown, put_text
from lobstr_tui.ui.text import format as fmt


def window_text(seconds: float) -> str:
    """The window a rate was measured over, in whole minutes: ``15 min``, ``1 min``."""
    return f"{max(1, round(seconds / 60))} min"


def burn_text(burn: Burn, *, short: bool = False) -> str:
    """``≈ 28m of credits at the last 15 min's rate`` (short: ``≈ 28m at 15 min's
    rate``): the time left in whole minutes, and the window the rate is from."""
    left = fmt.coarse_duration(burn.runs_out_in or 0.0)
    window = window_text(burn.window) if burn.window is not None else None
    if short:
        return f"≈ {left} at {window}'s rate" if window else f"≈ {left} of credits"
    return (f"≈ {left} of credits at the last {window}'s rate" if window
            else f"≈ {left} of credits at this rate")


def top_bar_parts(snapshot: Snapshot, *, short: bool = False) -> list[tuple[int, str]]:
    """The account's parts in screen order, each with its rank: when the bar is too
    narrow, the highest ranks go first (what is left and READ-ONLY stay longest).
    ``short``: the burn projection in its short words."""
    parts = [(6, "lobstr")]
    if snapshot.profile is not None:
        parts.append((1, f"profile {snapshot.profile}"))
    if snapshot.me is not None:
        parts.append((4, snapshot.me.display_name))
        if snapshot.me.plan_names:
            parts.append((5, snapshot.me.plan_names[0]))
    balance = snapshot.balance
    if balance is not None:
        if snapshot.me is None or not snapshot.me.plan_names:
            parts.append((5, balance.name))
        parts.append((0, f"credits {fmt.credits(balance.remaining)} / "
                         f"{fmt.credits(balance.available)} left"))
        parts.append((3, f"slots {balance.used_slots}/{balance.total_available_slots}"))
        if balance.has_unpaid_bill:
            parts.append((1, "⚠ unpaid bill"))
        burn = snapshot.burn
        if burn is not None and burn.credits_per_minute > 0 and burn.runs_out_in is not None:
            parts.append((2, burn_text(burn, short=short)))
        if burn is not None and (burn.ends_before_runs or burn.low):
            parts.append((0, "⚠ credits low" if burn.low
                          else "⚠ credits end before the active runs"))
    if snapshot.read_only:
        parts.append((0, "READ-ONLY"))
    return parts


def top_bar_text(snapshot: Snapshot, now: datetime, width: int = 200) -> tuple[str, str]:
    """The left part (account) and the right part (connection) of the top bar, the left
    one without its least important parts until both fit in ``width`` cells."""
    right = fmt.connection_text(snapshot.connection, now)
    if snapshot.connection.state is LinkState.LIVE:
        # Live, but not for everything: say which data is not fresh or not readable.
        odd = snapshot.degraded_resources
        stale = [r for r in snapshot.stale_resources(now) if r not in odd]
        if odd:
            right = f"⚠ unreadable: {', '.join(odd)} · {right}"
        if stale:
            right = f"◐ stale: {', '.join(stale)} · {right}"
    room = width - fmt.cells(right) - 3
    full = _fitted(top_bar_parts(snapshot), room)
    burn = snapshot.burn
    if burn is not None and not any(text.startswith("≈ ") for _, text in full):
        # The projection lost its place: in its short words it may keep one.
        shorter = _fitted(top_bar_parts(snapshot, short=True), room)
        if len(shorter) >= len(full):
            full = shorter
    return " · ".join(text for _, text in full), right


def _fitted(parts: list[tuple[int, str]], room: int) -> list[tuple[int, str]]:
    """``parts`` without the highest ranks until they fit in ``room`` cells."""
    parts = list(parts)
    while len(parts) > 1 and fmt.cells(" · ".join(text for _, text in parts)) > room:
        worst = max(range(len(parts)), key=lambda i: (parts[i][0], i))
        del parts[worst]
    return parts


class TopBar(Reshown[Snapshot], Static):
    """One line: who, what plan, what's left, and whether the data is live."""

    DEFAULT_CLASSES = "top-bar"

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Render a snapshot as of ``now``."""
        self.shown(snapshot, now)
        width = max(20, self.size.width or 120)
        left, right = top_bar_text(snapshot, now, width)
        gap = max(1, width - fmt.cells(left) - fmt.cells(right) - 2)
        if fmt.cells(left) + fmt.cells(right) + 3 > width:
            left = fmt.shorten(left, max(10, width - fmt.cells(right) - 3))
            gap = 1
        text = f" {left}{' ' * gap}{right} "
        put_text(self, Text(text))  # every second: unchanged text costs nothing
        state = snapshot.connection.state
        self.set_class(state is LinkState.LIVE, "-live")
        partly = state is LinkState.LIVE and right.startswith(("◐", "⚠"))
        self.set_class(partly or state in (LinkState.STALE, LinkState.RATE_LIMITED,
                                           LinkState.CONNECTING), "-degraded")
        self.set_class(state in (LinkState.OFFLINE, LinkState.UNAUTHORIZED), "-down")
