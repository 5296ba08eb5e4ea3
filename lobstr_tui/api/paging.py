"""Walking the pages of a list, bounded whatever the envelopes say.

A list is read page after page until the envelope says it is over. An envelope cannot
be trusted to say so: a ``next`` link may never end, a server may ignore ``?page=`` and
send page 1 again and again, the same items may come back. :class:`PageWalk` decides,
page by page, whether to ask for another one: it stops at ``total_pages``, at a page
(number, ``next`` link or set of items) seen before, and at a hard cap, and it merges
the items of all pages, one per id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

from lobstr_tui.api.models import Page, item_id

T = TypeVar("T")

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
