"""The serving process's one door to the lobstr.io API, shared by every viewer.

Each browser tab runs its own copy of the cockpit (textual-serve starts one process per
viewer). None of them holds the token: they talk to this proxy on 127.0.0.1 with a key
made for this serve, and the proxy adds the real token. Because every viewer's poll goes
through it, one answer serves them all: a viewer says how old an answer it accepts (its
poll period, in ``Cache-Control: max-age``), and the proxy answers from what another
viewer fetched a moment ago instead of asking lobstr.io again. Three viewers watching
the same account cost about what one costs; what only one viewer looks at is fetched
for that viewer alone. Requests the person asked for (a page more, a download, results)
carry no max-age and always go through. Writes (launch, abort) are refused unless the
serve allows actions.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from aiohttp import web

from lobstr_tui.api.secret import Token
from lobstr_tui.api.urls import USER_AGENT
from lobstr_tui.serve.gate import same_secret

FRESH_SHARE = 0.9
"""An answer is shared while younger than this share of the asker's period: a viewer
alone still gets a new answer on every one of its polls."""
MAX_AGE = re.compile(r"max-age=(\d+(?:\.\d+)?)")
PASSED_HEADERS = ("content-type", "x-ratelimit-limit", "x-ratelimit-remaining",
                  "x-ratelimit-reset", "retry-after")
MAX_CACHED = 2_000
"""Answers kept at most (the oldest go first): a bound for a serve left open."""


@dataclass(frozen=True, slots=True)
class Answer:
    """An upstream answer as kept for sharing."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    at: float


class SharedProxy:
    """Forwards ``/v1/...`` to ``upstream`` with the token, sharing fresh GET answers."""

    def __init__(self, upstream: str, token: Token, viewer_key: str, *,
                 allow_actions: bool = False, timeout: float = 20.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.upstream = upstream.rstrip("/") + "/"
        self._token = token
        self.viewer_key = viewer_key
        self.allow_actions = allow_actions
        self.clock = clock
        self._http = httpx.AsyncClient(timeout=timeout, headers={"User-Agent": USER_AGENT})
        self._answers: dict[str, Answer] = {}
        self._pending: dict[str, asyncio.Future[Answer]] = {}
        self.upstream_requests = 0
        self.shared_answers = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """The URL viewers use as their API base."""
        return f"http://127.0.0.1:{self.port}/v1/"

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_route("*", "/v1/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        await web.SockSite(self._runner, listener).start()

    async def stop(self) -> None:
        """Stop listening and close the upstream connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._http.aclose()

    # -- one request -------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if not self._viewer(request):
            return _error(401, "NotAuthenticated", "this proxy serves lobstr-tui's viewers")
        tail = request.match_info["tail"]
        target = self.upstream + tail + (f"?{request.query_string}" if request.query_string
                                         else "")
        if request.method != "GET":
            if not self.allow_actions:
                return _error(403, "ReadOnly", "read-only: this served cockpit cannot "
                                                "launch or abort (--serve-allow-actions)")
            answer = await self._forward(request.method, target, await request.read())
            return _response(answer)
        max_age = _max_age(request.headers.get("Cache-Control", ""))
        if max_age is not None:
            kept = self._answers.get(target)
            if kept is not None and self.clock() - kept.at <= FRESH_SHARE * max_age:
                self.shared_answers += 1
                return _response(kept)
            pending = self._pending.get(target)
            if pending is not None:  # another viewer is asking for it right now
                self.shared_answers += 1
                return _response(await asyncio.shield(pending))
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._pending[target] = future
        try:
            answer = await self._forward("GET", target, None)
            future.set_result(answer)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: a viewer waiting on it gets it, else dropped
            raise
        finally:
            self._pending.pop(target, None)
        if answer.status == 200:
            self._keep(target, answer)
        return _response(answer)

    async def _forward(self, method: str, url: str, body: bytes | None) -> Answer:
        self.upstream_requests += 1
        headers = {"Authorization": f"Token {self._token.reveal()}"}
        if body:
            headers["Content-Type"] = "application/json"
        try:
            reply = await self._http.request(method, url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Answer(504, json.dumps({"error": "lobstr.io did not answer in time",
                                           "type": "Timeout"}).encode(),
                          (("content-type", "application/json"),), self.clock())
        except httpx.TransportError:
            return Answer(502, json.dumps({"error": "lobstr.io could not be reached",
                                           "type": "Unreachable"}).encode(),
                          (("content-type", "application/json"),), self.clock())
        kept = tuple((name, reply.headers[name]) for name in PASSED_HEADERS
                     if name in reply.headers)
        return Answer(reply.status_code, reply.content, kept, self.clock())

    def _keep(self, target: str, answer: Answer) -> None:
        self._answers.pop(target, None)
        self._answers[target] = answer
        while len(self._answers) > MAX_CACHED:
            del self._answers[next(iter(self._answers))]

    def _viewer(self, request: web.Request) -> bool:
        return same_secret(request.headers.get("Authorization", ""),
                           f"Token {self.viewer_key}")


def _max_age(header: str) -> float | None:
    match = MAX_AGE.search(header)
    return float(match.group(1)) if match else None


def _response(answer: Answer) -> web.Response:
    response = web.Response(status=answer.status, body=answer.body)
    for name, value in answer.headers:
        response.headers[name] = value
    return response


def _error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response({"error": message, "type": kind, "code": status},
                             status=status)
