"""One page of a list, and walking the pages of a list, bounded whatever they say.

:meth:`Page.from_api` reads one pagination envelope: it skips an item it cannot read
(naming it in ``skipped``) and merges items that share an id, instead of losing the
whole page.

A list is read page after page until the envelope says it is over. An envelope cannot
be trusted to say so: a ``next`` link may never end, a server may ignore ``?page=`` and
send page 1 again and again, the same items may come back. :class:`PageWalk` decides,
page by page, whether to ask for another one: it stops at ``total_pages``, at a page
(number, ``next`` link or set of items) seen before, and at a hard cap, and it merges
the items of all pages, one per id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

from lobstr_tui.api import fields as f
from lobstr_tui.api.errors import ParseError

T = TypeVar("T")


def item_id(item: object) -> str | None:
    """An item's id, or None when it has none to compare by."""
    value = getattr(item, "id", None)
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list endpoint, with the envelope's counters.

    ``skipped`` names each item that could not be read (``last_run_at 'yesterday-ish'``);
    the others are in ``items``. Items sharing an id are merged into the first one, and
    ``duplicates`` says how many were dropped. ``total_results`` counts neither: it is
    what a screen can show (the envelope's total less the duplicates and skipped items).
    """

    items: tuple[T, ...]
    total_results: int
    page: int
    total_pages: int
    limit: int
    next: str | None
    previous: str | None
    warning: str | None
    skipped: tuple[str, ...] = ()
    duplicates: int = 0

    @property
    def has_next(self) -> bool:
        """True when the envelope says another page follows (``page < total_pages``;
        when it states neither a page count nor a total, a ``next`` link decides)."""
        return self.page < self.total_pages

    @classmethod
    def from_api(cls, data: Any, item: Callable[[Any], T], *, page: int = 1) -> Page[T]:
        """Parse a pagination envelope with ``item`` for each element.

        A body that is not an envelope with a ``data`` list (a bare list, ``{"data":
        null}``, no ``data``) is a ParseError for the whole resource, never an empty page.
        """
        if not isinstance(data, Mapping):
            raise f.bad("list page", "expected an object with a 'data' list", data)
        raw = data.get("data")
        if not isinstance(raw, list):
            raise f.bad("data", "expected the list of items", raw)
        items: list[T] = []
        seen: set[str] = set()
        skipped: list[str] = []
        duplicates = 0
        for entry in raw:
            try:
                parsed = item(entry)
            except ParseError as error:
                skipped.append(error.brief)
                continue
            key = item_id(parsed)
            if key is not None:
                if key in seen:
                    duplicates += 1
                    continue
                seen.add(key)
            items.append(parsed)
        total = max(len(items),
                    f.integer(data, "total_results", len(raw)) - duplicates - len(skipped))
        current = f.integer(data, "page", page)
        limit = f.integer(data, "limit", len(raw))
        next_link = f.opt_text(data, "next")
        if data.get("total_pages") is not None:
            pages = f.integer(data, "total_pages")
        elif data.get("total_results") is not None and limit > 0:
            pages = max(1, -(-total // limit))
        else:
            pages = current + 1 if next_link else current
        return cls(
            items=tuple(items),
            total_results=total,
            page=current,
            total_pages=pages,
            limit=limit,
            next=next_link,
            previous=f.opt_text(data, "previous"),
            warning=f.opt_text(data, "warning"),
            skipped=tuple(skipped),
            duplicates=duplicates,
        )


MAX_PAGES = 20
"""The most pages one walk reads (2,000 squids at 100 a page)."""


class WalkEnd(Enum):
    """Why a walk stopped asking for pages."""

    LAST_PAGE = "last page"
    REPEATED = "repeated page"
    CAP = "page cap"


@dataclass
class PageWalk(Generic[T]):
    """The pages of one list read so far, and the number of the next page to ask for.

    Feed each answer to :meth:`add`; it returns the next page number, or None when the
    walk is over (``end`` says why). ``items`` holds every item once (the first
    occurrence of an id wins), ``skipped`` what could not be read, ``duplicates`` how
    many repeated items were dropped, ``total`` the largest total an envelope gave.
    """

    cap: int = MAX_PAGES
    items: list[T] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    duplicates: int = 0
    pages: int = 0
    total: int = 0
    next_number: int = 1
    end: WalkEnd | None = None
    _ids: set[str] = field(default_factory=set)
    _numbers: set[int] = field(default_factory=set)
    _links: set[str] = field(default_factory=set)

    @property
    def cut_short(self) -> bool:
        """True when the walk stopped for a reason other than reaching the last page."""
        return self.end is not None and self.end is not WalkEnd.LAST_PAGE

    def add(self, page: Page[T]) -> int | None:
        """Take one answer; return the next page number to ask for, or None."""
        if self.end is not None:
            return None
        self.pages += 1
        repeated = page.page in self._numbers or (
            page.next is not None and page.next in self._links)
        self._numbers.add(page.page)
        if page.next is not None:
            self._links.add(page.next)
        self.skipped.extend(page.skipped)
        self.duplicates += page.duplicates
        self.total = max(self.total, page.total_results)
        new = 0
        for item in page.items:
            key = item_id(item)
            if key is not None:
                if key in self._ids:
                    self.duplicates += 1
                    continue
                self._ids.add(key)
            self.items.append(item)
            new += 1
        if repeated or (self.pages > 1 and page.items and not new):
            self.end = WalkEnd.REPEATED
        elif (not page.items and not page.skipped) or not page.has_next:
            self.end = WalkEnd.LAST_PAGE
        elif self.pages >= self.cap:
            self.end = WalkEnd.CAP
        if self.end is not None:
            return None
        self.next_number = page.page + 1
        return self.next_number

    def summary(self, noun: str) -> str | None:
        """Why the list may be incomplete, in words (None when it is complete)."""
        if self.end is WalkEnd.CAP:
            return (f"the {noun} list did not end after {self.pages} pages; "
                    f"showing the first {len(self.items)}")
        if self.end is WalkEnd.REPEATED:
            return f"the API sent a {noun} page twice; showing the {len(self.items)} read"
        return None
