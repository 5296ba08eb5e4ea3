"""The first frame's reads (no other import: the command sends them while it starts,
before the poll loop is imported)."""

from __future__ import annotations

SQUIDS_PAGE = 100
FIRST_READS: tuple[tuple[str, dict[str, int] | None], ...] = (
    ("squids", {"page": 1, "limit": SQUIDS_PAGE}), ("me", None), ("user/balance", None))
"""The first frame's reads, as the poll loop first asks for them: the command sends them
while it starts (``lobstr_tui.api.prefetch``)."""
