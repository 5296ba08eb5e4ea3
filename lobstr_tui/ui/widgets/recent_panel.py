"""What ended recently, under the board: so a person coming back sees what happened."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from lobstr_tui.api import StatusKind
from lobstr_tui.monitor import Snapshot
from lobstr_tui.ui.kit.refit import Reshown, put_border, put_text
from lobstr_tui.ui.text import format as fmt
from lobstr_tui.ui.text.usual_text import with_flags

MAX_SHOWN = 50


def summary(snapshot: Snapshot) -> str:
    """``since 14:02: 3 done, 1 error, 1 paused`` (ended runs, and errored or paused
    runs on the board now)."""
    ended = Counter(row.run.status.kind for row in snapshot.recent)
    words = [f"{ended[kind]} {kind.value}" for kind in
             (StatusKind.DONE, StatusKind.ERROR, StatusKind.ABORTED) if ended[kind]]
    since = fmt.clock_time(snapshot.board_since) if snapshot.board_since else "start"
    text = f"since {since}: " + (", ".join(words) if words else "nothing ended")
    # What needs the person now (it may have been so before the start: said apart).
    now = Counter(row.run.status.kind for row in snapshot.board
                  if row.run.status.kind in (StatusKind.PAUSED, StatusKind.ERROR))
    waiting = [f"{now[kind]} {kind.value}" for kind in (StatusKind.ERROR, StatusKind.PAUSED)
               if now[kind]]
    return text + (f" · now {', '.join(waiting)}" if waiting else "")


def recent_lines(snapshot: Snapshot, width: int) -> list[str]:
    """Newest first: time, status, profile (on a board of several), squid, done reason
    and results of each ended run, and how it is beyond its squid's usual run."""
    lines = []
    for row in snapshot.recent[:MAX_SHOWN]:  # the monitor keeps them newest first
        run = row.run
        reason = with_flags(run.done_reason or (run.done_reason_desc or ""),
                            snapshot.anomalies.get(run.id, ()))
        profile = f"{row.profile} · " if row.profile else ""
        line = (f"{fmt.clock_time(row.ended_at)} {fmt.status_label(run.status)} · "
                f"{profile}{row.squid_name} · {fmt.count(run.total_results)} results"
                + (f" · {reason}" if reason else ""))
        lines.append(fmt.shorten(line, width))
    return lines


class RecentPanel(Reshown[Snapshot], Static):
    """Runs that ended since the monitor started (at most 24 hours)."""


    def on_mount(self) -> None:
        self.border_title = "Recently ended"

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Render the ended runs of a snapshot."""
        self.shown(snapshot, now)
        put_border(self, subtitle=summary(snapshot))
        width = max(20, self.content_size.width or 80)
        lines = recent_lines(snapshot, width) or ["nothing has ended since the start"]
        put_text(self, Text("\n".join(lines)))
