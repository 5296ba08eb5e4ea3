"""The simulated lobstr.io over real HTTP on 127.0.0.1 (standard library only)."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lobstr_tui.sim.control import CONTROL_ROOT, ControlRouter
from lobstr_tui.sim.faults import FaultPlan, FaultRule
from lobstr_tui.sim.hostile import Hostile
from lobstr_tui.sim.quirks import Quirks
from lobstr_tui.sim.ratelimit import SIM_RATE_LIMITS, RateLimiter
from lobstr_tui.sim.routes import Reply, Request, Router
from lobstr_tui.sim.world import World

__all__ = ["DEFAULT_TOKEN", "SIM_RATE_LIMITS", "LoggedRequest", "RateLimiter", "SimServer"]

DEFAULT_TOKEN = "demo"

_HTML_ERROR = (b"<html><head><title>502 Bad Gateway</title></head><body><center>"
               b"<h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")


@dataclass(frozen=True)
class LoggedRequest:
    """One request the simulator answered (for benchmarks and tests)."""

    at: float
    method: str
    path: str
    prefix: str
    status: int | None
    authorization: str | None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm
        # and the client's delayed ACK add about 40 ms to every keep-alive answer.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.sim.track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.sim.track(self.connection, open_=False)
        super().finish()

    def do_GET(self) -> None:
        self.server.sim.serve(self)

    def do_POST(self) -> None:
        self.server.sim.serve(self)

    def do_DELETE(self) -> None:
        self.server.sim.serve(self)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sim: SimServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up mid-request are normal here (timeouts, shutdown)."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class SimServer:
    """The simulator's HTTP front: auth, rate limits, faults, then the router.

    Use as a context manager, or ``start()``/``stop()``; ``base_url`` ends in ``/v1/``.
    Rate limits are measured on the world's clock. ``quirks=True`` sends, at random, the
    documented answer variants it otherwise never sends (seeded by ``quirks_seed``,
    default the world's seed; see :mod:`lobstr_tui.sim.quirks`). ``hostile`` names the
    odd answers to send (none by default; see :mod:`lobstr_tui.sim.hostile`). Control
    endpoints live under ``/_sim/`` (see :mod:`lobstr_tui.sim.control`).
    """

    def __init__(self, world: World, *, host: str = "127.0.0.1", port: int = 0,
                 token: str = DEFAULT_TOKEN, faults: FaultPlan | None = None,
                 rate_limits: Mapping[str, tuple[int, float]] | None = None,
                 quirks: bool = False, quirks_seed: int | None = None,
                 hostile: Collection[str] = ()) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the simulator only listens on loopback")
        self.world = world
        self.token = token
        self.faults = faults or FaultPlan(seed=world.seed)
        self.limiter = RateLimiter(rate_limits,
                                   clock=lambda: world.clock.now().timestamp())
        self.router = Router(world)
        self.control = ControlRouter(world, self.router)
        self.quirks = Quirks(world.seed if quirks_seed is None else quirks_seed) if (
            quirks) else None
        self.hostile = Hostile(hostile) if hostile else None
        self.log: deque[LoggedRequest] = deque(maxlen=100_000)
        self._stopping = threading.Event()
        self._httpd = _Server((host, port), _Handler)
        self._httpd.sim = self
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    @property
    def port(self) -> int:
        """The TCP port actually bound."""
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1/``."""
        return f"http://127.0.0.1:{self.port}/v1/"

    def start(self) -> SimServer:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="lobstr-sim", daemon=True)
        self._thread.start()
        return self

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        """Remember open client connections, so that stopping drops them all."""
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def stop(self) -> None:
        """Stop serving: open connections are dropped, hanging requests released."""
        self._stopping.set()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def requests_by_prefix(self) -> dict[str, int]:
        """How many requests each prefix received."""
        counts: dict[str, int] = {}
        for entry in list(self.log):
            counts[entry.prefix] = counts.get(entry.prefix, 0) + 1
        return counts

    # -- request handling --------------------------------------------------------------

    def serve(self, handler: _Handler) -> None:
        """Answer one HTTP request."""
        parts = urlsplit(handler.path)
        query = dict(parse_qsl(parts.query))
        length = int(handler.headers.get("Content-Length") or 0)
        raw_body = handler.rfile.read(length) if length else b""
        path = parts.path
        auth = handler.headers.get("Authorization")
        if path.startswith("/exports/"):
            run_id = path.rsplit("/", 1)[-1].removesuffix(".csv")
            self._record(handler.command, path, "exports", None, auth)
            self._send(handler, self.router.export(run_id, query))
            return
        if path.startswith(CONTROL_ROOT):
            # Before faults and rate limits, and not logged: steering is not API traffic.
            refusal = self._refusal(auth)
            self._send(handler, refusal or self.control.handle(
                handler.command, path, raw_body, self._base_url(handler)))
            return
        if not path.startswith("/v1/"):
            self._send(handler, Reply(404, {"detail": "Not found."}, self.limiter.peek("")))
            return
        api_path = path[len("/v1/"):]
        prefix = api_path.split("/", 1)[0]
        rule = self.faults.pick(api_path, handler.command)
        if rule is not None and rule.kind not in ("latency", "slowreply"):
            self._record(handler.command, api_path, prefix, None, auth)
            self._inject(handler, rule)
            return
        if rule is not None and rule.kind == "latency":
            self._stopping.wait(rule.value)
        reply = self._answer(handler, api_path, prefix, query, raw_body, auth)
        self._record(handler.command, api_path, prefix, reply.status, auth)
        if rule is not None and rule.kind == "slowreply":
            self._stopping.wait(rule.value)
        self._send(handler, reply)

    def _refusal(self, auth: str | None) -> Reply | None:
        """The 401 for a missing or wrong token, else None."""
        if not auth:
            return Reply(401, {"detail": "Authentication credentials were not provided."})
        scheme, _, given = auth.partition(" ")
        if scheme.lower() not in ("token", "bearer") or given.strip() != self.token:
            return Reply(401, {"detail": "Invalid token."})
        return None

    def _base_url(self, handler: _Handler) -> str:
        host = handler.headers.get("Host") or f"127.0.0.1:{self.port}"
        return f"http://{host}/v1/"

    def _answer(self, handler: _Handler, api_path: str, prefix: str, query: dict[str, str],
                raw_body: bytes, auth: str | None) -> Reply:
        refusal = self._refusal(auth)
        if refusal is not None:
            # Counted only once authenticated (as DRF throttles), but the headers are on
            # every answer, as the docs say.
            refusal.headers = self.limiter.peek(prefix)
            return refusal
        allowed, headers = self.limiter.check(prefix)
        if not allowed:
            body: Any = {"error": "Rate limit exceeded. Please try again later.",
                         "type": "RateLimitExceeded", "code": 429}
            if self.quirks is not None:
                body = self.quirks.throttled(body, headers)
            return Reply(429, body, headers)
        body = None
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                return Reply(400, {"detail": "JSON parse error."}, headers)
        asked = 1
        if self.hostile is not None:
            query, asked = self.hostile.page_asked(api_path, query)
        request = Request(method=handler.command, path=api_path, query=query, body=body,
                          base_url=self._base_url(handler))
        reply = self.router.handle(request)
        if self.quirks is not None:
            reply = self.quirks.apply(self.world, handler.command, api_path, reply)
        if self.hostile is not None:
            reply = self.hostile.apply(handler.command, api_path, asked, reply)
        reply.headers = {**headers, **reply.headers}
        return reply

    def _inject(self, handler: _Handler, rule: FaultRule) -> None:
        if rule.kind in ("hang", "drop"):
            if rule.kind == "hang":
                self._stopping.wait(rule.value)
            handler.close_connection = True
            return
        if rule.kind == "status":
            code = int(rule.value) or 500
            self._send(handler, Reply(code, {"errors": {"message": "Something went wrong",
                                                        "type": "SomethingWentWrong",
                                                        "code": code}}))
        elif rule.kind == "ratelimit":
            self._send(handler, Reply(429, {"error": "Rate limit exceeded. Please try again "
                                                     "later.",
                                            "type": "RateLimitExceeded", "code": 429},
                                      {"Retry-After": str(int(rule.value)),
                                       "X-RateLimit-Remaining": "0"}))
        elif rule.kind == "malformed":
            self._send(handler, Reply(200, b'{"id": "3f2a", "status": "runn',
                                      content_type="application/json"))
        elif rule.kind == "wrongshape":
            self._send(handler, Reply(200, {"data": "oops", "id": 7, "status": ["x"],
                                            "percent_done": {"a": 1}, "available": "lots"}))
        elif rule.kind == "html":
            self._send(handler, Reply(502, _HTML_ERROR, content_type="text/html"))
        elif rule.kind == "empty":
            self._send(handler, Reply(502, b"", content_type="text/plain"))

    def _record(self, method: str, path: str, prefix: str, status: int | None,
                auth: str | None) -> None:
        self.log.append(LoggedRequest(time.monotonic(), method, path, prefix, status, auth))

    @staticmethod
    def _send(handler: _Handler, reply: Reply) -> None:
        if isinstance(reply.body, bytes):
            payload = reply.body
        else:
            payload = json.dumps(reply.body, ensure_ascii=False).encode()
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
