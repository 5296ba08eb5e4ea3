"""Columns by priority for the tables: what fits in the width, never a sideways scroll.

Each column has a fixed width (so columns keep their place while values grow); the
columns earn their place in priority order, one may shorten before it goes, and one may
take the room left over, up to a limit. Pure functions, no widget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

CELL_PADDING = 2
SCROLLBAR = 2


@dataclass(frozen=True)
class Column:
    """One column: its place on screen, its header, its width in cells."""

    key: str
    label: str
    width: int


@dataclass(frozen=True)
class Layout:
    """A table's columns in screen order, with how they give way as the width shrinks."""

    columns: tuple[Column, ...]
    priority: tuple[str, ...]
    """The order in which columns earn their place (first: the last to go)."""
    short: Mapping[str, Column]
    """A shorter form of a column, used when the full one does not fit."""
    flex: str | None = None
    """The column that takes the room left over..."""
    flex_max: int = 0
    """...up to this width (its longest value): columns placed before it that have a
    short form take it when that gives the flex column this width."""
    spare: str | None = None
    """The column that takes what room is still left once the flex column is full..."""
    spare_max: int = 0
    """...up to this width."""


def plan(layout: Layout, width: int, widths: Mapping[str, int] | None = None,
         ) -> tuple[Column, ...]:
    """The columns of ``layout`` that fit in ``width`` cells, in screen order;
    ``widths`` overrides some columns' widths (e.g. a status word longer than usual)."""
    by_key = {column.key: column for column in layout.columns}
    for key, cells in (widths or {}).items():
        by_key[key] = replace(by_key[key], width=cells)
    room = width - SCROLLBAR
    chosen: dict[str, Column] = {}
    for key in layout.priority:
        column = by_key[key]
        if key == layout.flex:
            # Its turn: columns already placed that have a short form give their room
            # until it fits its longest value (a Run ID of 4 characters still tells
            # runs apart; a cut reason says nothing).
            givers = {other: short for other, short in layout.short.items()
                      if other in chosen and chosen[other].width > short.width}
            spare = sum(chosen[other].width - short.width for other, short in givers.items())
            least = layout.short.get(key, column).width
            if room + spare >= least + CELL_PADDING:  # only if it is then shown
                for other, short in givers.items():
                    if room >= layout.flex_max + CELL_PADDING:
                        break
                    room += chosen[other].width - short.width
                    chosen[other] = short
        if column.width + CELL_PADDING > room and key in layout.short:
            column = layout.short[key]
        if column.width + CELL_PADDING <= room:
            chosen[key] = column
            room -= column.width + CELL_PADDING
    for growing, most in ((layout.flex, layout.flex_max), (layout.spare, layout.spare_max)):
        if growing is not None and growing in chosen:
            column = chosen[growing]
            grown = max(column.width, min(most, column.width + room))
            room -= grown - column.width
            chosen[growing] = replace(column, width=grown)
    return tuple(chosen[column.key] for column in layout.columns if column.key in chosen)


def keys(columns: Sequence[Column]) -> tuple[str, ...]:
    """The keys of ``columns``, in order."""
    return tuple(column.key for column in columns)
