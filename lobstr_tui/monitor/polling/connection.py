"""The state of the link to the API: live, stale, offline, rate-limited, unauthorized.

A failure that says something about the link (no connection, 5xx, 429, 401) is
remembered until the next successful answer; a failure of one resource (a 404, a body
that cannot be read) is not about the link and leaves it as it was. The snapshot's
``degraded`` names such resources; when nothing at all has been read but answers keep
arriving in the wrong shape, the link is not live either: it is stale, and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from lobstr_tui.api import (
    LobstrError,
    NetworkError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
)
from lobstr_tui.monitor.model.snapshot import Connection, LinkState


def link_state_of(error: LobstrError) -> LinkState | None:
    """What a failure says about the link, or None if it concerns only its resource."""
    if isinstance(error, UnauthorizedError):
        return LinkState.UNAUTHORIZED
    if isinstance(error, RateLimitedError):
        return LinkState.RATE_LIMITED
    if isinstance(error, NetworkError):
        return LinkState.OFFLINE
    if isinstance(error, ServerError):
        return LinkState.STALE
    return None


class LinkTracker:
    """Remembers the last link-level failure and turns it into a :class:`Connection`."""

    def __init__(self) -> None:
        self._failure: tuple[LinkState, str] | None = None
        self._retry_at: datetime | None = None

    @property
    def unauthorized(self) -> bool:
        """True while the token stands rejected."""
        return self._failure is not None and self._failure[0] is LinkState.UNAUTHORIZED

    def failed(self, error: LobstrError, *, retry_at: datetime | None = None) -> bool:
        """Note a failure; True if it was about the link."""
        state = link_state_of(error)
        if state is None:
            return False
        self._failure = (state, error.message)
        self._retry_at = retry_at
        return True

    def recovered(self) -> None:
        """An answer came back: whatever was wrong with the link is over."""
        self._failure = None
        self._retry_at = None

    def connection(self, *, last_ok_at: datetime | None, now: datetime,
                   blocked_for: float, degraded: Sequence[str] = ()) -> Connection:
        """The header's view: ``blocked_for`` is how long the rate gate stays closed,
        ``degraded`` the resources whose answers are not the documented shape."""
        blocked_until = now + timedelta(seconds=blocked_for) if blocked_for > 0 else None
        if self._failure is None:
            if blocked_until is not None:
                return Connection(LinkState.RATE_LIMITED, last_ok_at, blocked_until,
                                  "waiting for the rate-limit window")
            if last_ok_at is None and degraded:
                return Connection(LinkState.STALE, None, None,
                                  "the API answers, but not in the documented shape ("
                                  + ", ".join(degraded) + ")")
            state = LinkState.LIVE if last_ok_at is not None else LinkState.CONNECTING
            return Connection(state, last_ok_at)
        kind, detail = self._failure
        retry_at = self._retry_at
        if kind is LinkState.RATE_LIMITED and blocked_until is not None:
            retry_at = blocked_until
        return Connection(kind, last_ok_at, retry_at, detail)
