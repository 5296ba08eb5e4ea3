"""Several accounts on one board (``--all-profiles``): each profile has its own poll
scheduler and request budget; their snapshots are merged here for the board and the
recently ended runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from types import MappingProxyType

from lobstr_tui.monitor.model.board import board_order
from lobstr_tui.monitor.model.snapshot import Snapshot


def merged_board(shown: Snapshot, every: Sequence[Snapshot]) -> Snapshot:
    """``shown`` (the profile on the main screen) with the board, the recently ended
    runs and the budget notes of ``every`` profile's snapshot, each row naming its
    profile; watching started at the earliest start; each run's flags against its
    squid's usual run (run ids are unique across accounts)."""
    rows = [replace(row, profile=snapshot.profile)
            for snapshot in every for row in snapshot.board]
    recent = sorted((replace(row, profile=snapshot.profile)
                     for snapshot in every for row in snapshot.recent),
                    key=lambda row: row.ended_at, reverse=True)
    notes = [f"{snapshot.profile}: {snapshot.budget_note}" if snapshot.profile
             else snapshot.budget_note for snapshot in every if snapshot.budget_note]
    starts = [s.board_since for s in every if s.board_since is not None]
    flags = {run_id: found for snapshot in every
             for run_id, found in snapshot.anomalies.items()}
    return replace(shown, board=board_order(rows), recent=tuple(recent),
                   anomalies=MappingProxyType(flags),
                   budget_note=" · ".join(notes) or None,
                   board_since=min(starts) if starts else shown.board_since)
