"""The poll loop's side of the reads sent early (see :mod:`.prefetch`).

When the poll loop asks for a URL that was read early, its client's transport hands
over that answer (once) instead of asking again. A read that failed early is simply
sent again. Every other request goes through the real transport untouched.
"""

from __future__ import annotations

import asyncio

import httpx

from lobstr_tui.api.prefetch import Prefetch

_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class EarlyReads(httpx.AsyncBaseTransport):
    """A transport that answers a GET sent early with its early answer, once."""

    def __init__(self, inner: httpx.AsyncBaseTransport,
                 prefetch: Prefetch | None = None) -> None:
        self.inner = inner
        self.prefetch = prefetch

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        early = (self.prefetch.take(str(request.url))
                 if self.prefetch is not None and request.method == "GET" else None)
        if early is not None:
            try:
                answer = await asyncio.wrap_future(early)
            except Exception:
                pass
            else:
                # The whole body is here: without the headers that describe its transfer.
                headers = [(k, v) for k, v in answer.headers if k.lower() not in _BODY_HEADERS]
                return httpx.Response(answer.status, headers=headers, content=answer.body,
                                      request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        self.prefetch = None
        await self.inner.aclose()
