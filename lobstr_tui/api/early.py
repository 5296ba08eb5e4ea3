"""The poll loop's side of the reads sent early (see :mod:`.prefetch`).

When the poll loop asks for a URL that was read early, its client's transport hands
over that answer (once) instead of asking again. A read that failed early is simply
sent again. Every other request goes through the real transport, made when the first
one goes: with early reads, not before the first frame is on screen (:meth:`release`),
as what it imports (httpcore, anyio's event loop backend) costs ~0.1 s that the first
frame, drawn from the early answers, does not need.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import httpx

from lobstr_tui.api.prefetch import Prefetch

_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})

HOLD_LIMIT_SECONDS = 3.0
"""The longest other requests wait for :meth:`EarlyReads.release` (a frame never
drawn must not stop polling)."""


class EarlyReads(httpx.AsyncBaseTransport):
    """A transport that answers a GET sent early with its early answer, once; with
    ``prefetch``, other requests wait for :meth:`release`."""

    def __init__(self, make_inner: Callable[[], httpx.AsyncBaseTransport],
                 prefetch: Prefetch | None = None) -> None:
        self._inner: httpx.AsyncBaseTransport | None = None
        self._make_inner = make_inner
        self.prefetch = prefetch
        self._released = asyncio.Event()
        if prefetch is None:
            self._released.set()

    def release(self) -> None:
        """Let the requests that were not sent early go (the first frame is drawn)."""
        self._released.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        early = (self.prefetch.take(str(request.url))
                 if self.prefetch is not None and request.method == "GET" else None)
        if early is not None:
            try:
                answer = await asyncio.wrap_future(early)
            except Exception:  # any failure: sent again below
                pass
            else:
                # The whole body is here: without the headers that describe its transfer.
                headers = [(k, v) for k, v in answer.headers if k.lower() not in _BODY_HEADERS]
                return httpx.Response(answer.status, headers=headers, content=answer.body,
                                      request=request)
        if not self._released.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), HOLD_LIMIT_SECONDS)
            self._released.set()
        return await self.inner.handle_async_request(request)

    @property
    def inner(self) -> httpx.AsyncBaseTransport:
        """The real transport (made on first use)."""
        if self._inner is None:
            self._inner = self._make_inner()
        return self._inner

    async def aclose(self) -> None:
        self.prefetch = None
        if self._inner is not None:
            await self._inner.aclose()
