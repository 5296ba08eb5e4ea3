"""Widgets whose text is fitted to their width: shown again, from the last snapshot,
after every resize."""

from __future__ import annotations

from datetime import datetime

from lobstr_tui.monitor import Snapshot


class Reshown:
    """Mix in before the widget class; ``show`` records what it showed via ``shown``."""

    _last: tuple[Snapshot, datetime] | None = None

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Render a snapshot as of ``now`` (each widget's own)."""
        raise NotImplementedError

    def shown(self, snapshot: Snapshot, now: datetime) -> None:
        """Remember the snapshot on screen, to show it again at a new width."""
        self._last = (snapshot, now)

    def on_resize(self) -> None:
        if self._last is not None:
            self.show(*self._last)
