"""The first reads sent while the program is still starting.

The squid list, the user and the balance are the first frame's data. Sent by the poll
loop, they left only once Textual was imported and the screen built: on a far API the
round trip came after all of that. :class:`EarlyReads` sends them at once, from a
thread with a blocking client, while the rest starts; when the poll loop later asks for
the same URL, its client's transport hands over that answer (once) instead of asking
again. A read that failed in the thread is simply sent again. Every other request goes
through the real transport untouched.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, wait
from typing import Any

import httpx

_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})

EarlyRead = tuple[str, Mapping[str, Any] | None]
"""A GET to send early: its path under the base URL and its query."""


class EarlyReads(httpx.AsyncBaseTransport):
    """A transport that answers a GET sent early with its early answer, once."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self._answers: dict[str, Future[httpx.Response]] = {}
        self._blocking: httpx.Client | None = None

    def send(self, client: httpx.AsyncClient, reads: Iterable[EarlyRead]) -> None:
        """Send ``reads`` now, each in a thread of its own, with ``client``'s base URL,
        headers and timeout."""
        requests = [client.build_request("GET", path, params=dict(params) if params else None)
                    for path, params in reads]
        if not requests:
            return
        answers: list[Future[httpx.Response]] = []
        for request in requests:
            answers.append(Future())
            self._answers[str(request.url)] = answers[-1]
        # The blocking client (its SSL context takes a while) is made in the thread too.
        threading.Thread(target=self._send_all, args=(client.timeout, requests, answers),
                         daemon=True, name="lobstr-early-reads").start()

    def _send_all(self, timeout: httpx.Timeout, requests: list[httpx.Request],
                  answers: list[Future[httpx.Response]]) -> None:
        try:
            blocking = self._blocking = httpx.Client(timeout=timeout, follow_redirects=False)
        except Exception as error:  # no early reads: the loop sends them
            for answer in answers:
                answer.set_exception(httpx.TransportError(type(error).__name__))
            return
        for request, answer in zip(requests[1:], answers[1:], strict=True):
            threading.Thread(target=_fetch, args=(blocking, request, answer), daemon=True,
                             name="lobstr-early-read").start()
        _fetch(blocking, requests[0], answers[0])

    def settle(self) -> None:
        """Block until every read sent early has its answer or its error (each ends
        within the client's timeout)."""
        wait(list(self._answers.values()))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._answers.pop(str(request.url), None) if request.method == "GET" else None
        if answer is not None:
            try:
                early = await asyncio.wrap_future(answer)
            except httpx.HTTPError:
                pass  # sent again below, as if never sent early
            else:
                # Its body is already decoded: without the headers that describe
                # the encoded one.
                headers = [(k, v) for k, v in early.headers.multi_items()
                           if k.lower() not in _BODY_HEADERS]
                return httpx.Response(early.status_code, headers=headers,
                                      content=early.content, request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        self._answers.clear()
        if self._blocking is not None:
            self._blocking.close()
        await self.inner.aclose()


def _fetch(client: httpx.Client, request: httpx.Request,
           answer: Future[httpx.Response]) -> None:
    try:
        response = client.send(request)
        response.read()
    except httpx.HTTPError as error:
        answer.set_exception(error)
    except Exception as error:  # anything else: sent again by the loop
        answer.set_exception(httpx.TransportError(type(error).__name__))
    else:
        answer.set_result(response)
