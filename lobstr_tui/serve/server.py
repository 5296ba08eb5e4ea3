"""``--serve``: the cockpit in web browsers, with textual-serve (imported only here).

Every browser tab gets its own cockpit process (its own selection, tab and filter);
none of them holds the token: they reach the API through :class:`SharedProxy`, which
adds it and shares answers between viewers. Safe by default: loopback unless ``--host``
says otherwise (with a warning), read-only unless ``--serve-allow-actions``, every
request through the :class:`~lobstr_tui.serve.gate.Gate` (Host, Origin, this launch's
token or the password, then a session cookie), downloads only for the session whose
viewer offered them, and a cap on simultaneous viewers with a clear page when it is
reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import html
import json
import logging
import math
import os
import secrets
import shlex
import signal
import sys
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from textual_serve import download_manager
from textual_serve.download_manager import DownloadManager
from textual_serve.server import Server, to_int

from lobstr_tui.api.secret import Token
from lobstr_tui.serve.gate import (
    TOKEN_PARAM,
    Gate,
    Knock,
    Verdict,
    host_form,
    is_loopback,
    is_wildcard,
    printable,
)
from lobstr_tui.serve.proxy import SharedProxy

VIEWER_KEY_ENV = "LOBSTR_VIEWER_KEY"
VIEWER_API_ENV = "LOBSTR_VIEWER_API"
REALM = "lobstr-tui"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_DOWNLOADS = 1_000
VIEWER_SESSION: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "lobstr_tui_viewer_session", default=None)
"""The session of the websocket request a viewer was started from."""
log = logging.getLogger("lobstr_tui.serve")

# textual-serve gives a viewer process 4 s to hand over each 64 KB of a download, and on
# a timeout fails the download with its own ValueError (task_done without a get). A
# viewer on a busy machine can take longer: give it 30 s, read at each chunk.
download_manager.DOWNLOAD_TIMEOUT = 30


@dataclass
class ServeOptions:
    """What ``--serve`` was asked for."""

    host: str = "127.0.0.1"
    port: int = 8000
    allow_actions: bool = False
    password: str | None = field(default=None, repr=False)
    max_viewers: int = 10
    viewer_args: Sequence[str] = ()
    """Options passed on to each viewer's cockpit (theme, budget, poll...)."""
    public_url: str | None = None
    """The URL browsers use, when it is not ``http://host:port`` (a reverse proxy)."""


def full_page(limit: int) -> str:
    """The page a browser gets when every viewer place is taken."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>lobstr-tui: full</title>"
        "</head><body style='font-family:monospace;padding:2em'>"
        f"<h1>lobstr-tui is full</h1><p>All {limit} viewer places are taken. Close another "
        "tab showing this cockpit, or try again later.</p></body></html>")


class SessionDownloads(DownloadManager):
    """textual-serve's downloads, each kept for the session whose viewer offered it."""

    def __init__(self) -> None:
        super().__init__()
        self.owners: OrderedDict[str, str | None] = OrderedDict()

    async def create_download(self, *, delivery_key: str, **details: Any) -> None:
        # Called from the viewer's reading task, which was started inside the
        # websocket's request: it still carries that request's session.
        self.owners[delivery_key] = VIEWER_SESSION.get()
        while len(self.owners) > MAX_DOWNLOADS:
            self.owners.popitem(last=False)
        await super().create_download(delivery_key=delivery_key, **details)


class PathAccessLogger(AbstractAccessLogger):
    """One line per request: address, method, path and status; never the query (the
    launch's token travels there) nor a header."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse,
            time: float) -> None:
        self.logger.info("%s %s %s %s", request.remote, request.method,
                         printable(request.path, 120)[1:-1], response.status)


class CockpitServer(Server):
    """textual-serve's server behind the :class:`Gate`, with a viewer cap and the shared
    proxy."""

    def __init__(self, command: str, options: ServeOptions, proxy: SharedProxy,
                 gate: Gate | None = None) -> None:
        super().__init__(command, host=options.host, port=options.port,
                         title="lobstr-tui", public_url=options.public_url)
        self.options = options
        self.proxy = proxy
        self.gate = gate or Gate(host=options.host, port=options.port,
                                 public_url=options.public_url, password=options.password)
        self.downloads = SessionDownloads()
        self.download_manager = self.downloads
        self.viewers = 0

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, show_index=False, name="static"),
        ])
        app.on_response_prepare.append(_secure_headers)
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The gate before anything; the cap before a page or a session."""
        route = request.match_info.route.name or "other"
        verdict = self.gate.decide(Knock(
            remote=request.remote or "?", host=request.headers.get("Host"),
            origin=request.headers.get("Origin"), route=route,
            token=request.query.get(TOKEN_PARAM),
            cookie=request.cookies.get(self.gate.cookie_name),
            authorization=request.headers.get("Authorization")))
        if not verdict.allowed:
            self._refused(request, verdict.reason)
            return _refusal(verdict)
        if verdict.trade_token:
            return self._trade(request, verdict)
        if route == "download":
            owner = self.downloads.owners.get(request.match_info.get("key", ""), "")
            if owner != verdict.session:
                self.gate.refusals["download of another session"] += 1
                self._refused(request, "download of another session")
                return web.Response(status=404, text="lobstr-tui: no such download")
        if route in ("index", "websocket") and self.viewers >= self.options.max_viewers:
            return web.Response(status=503, text=full_page(self.options.max_viewers),
                                content_type="text/html")
        if route != "websocket":
            response = await handler(request)
            if verdict.new_cookie is not None:
                response.headers["Set-Cookie"] = self.gate.cookie_header(verdict.new_cookie)
            return response
        self.viewers += 1
        mark = VIEWER_SESSION.set(verdict.session)
        try:
            return await handler(request)
        finally:
            VIEWER_SESSION.reset(mark)
            self.viewers -= 1

    def _refused(self, request: web.Request, reason: str) -> None:
        """One log line: the address, the reason and where; never a secret or a query."""
        if not self.gate.worth_logging(request.remote or "?", reason):
            return
        said = ""
        if reason == "foreign Host":
            said = f" {printable(request.headers.get('Host'))}"
        elif reason == "foreign Origin":
            said = f" {printable(request.headers.get('Origin'))}"
        log.warning("refused %s: %s%s on %s", request.remote, reason, said,
                    printable(request.path, 60)[1:-1])

    def _trade(self, request: web.Request, verdict: Verdict) -> web.StreamResponse:
        """The token traded for a session cookie; the page replaces its address with
        one without the token (a page, not a redirect: the next request is then made by
        this site's own page, so a strict cookie goes with it even when the link was
        opened from another site)."""
        assert verdict.new_cookie is not None
        kept = [(name, value) for name, value in request.query.items() if name != TOKEN_PARAM]
        target = self._base(request) + "/" + (f"?{urlencode(kept)}" if kept else "")
        quoted = json.dumps(target).replace("<", "\\u003c")
        body = ("<!doctype html><html><head><meta charset='utf-8'>"
                f"<meta http-equiv='refresh' content='0;url={html.escape(target)}'>"
                "<title>lobstr-tui</title></head><body style='font-family:monospace'>"
                f"<script>location.replace({quoted});</script>"
                f"<p><a href='{html.escape(target)}'>Open lobstr-tui</a></p></body></html>")
        response = web.Response(text=body, content_type="text/html")
        response.headers["Set-Cookie"] = self.gate.cookie_header(verdict.new_cookie)
        return response

    def _base(self, request: web.Request) -> str:
        """The page's origin and path as the browser knows them."""
        if self.options.public_url:
            return self.options.public_url.rstrip("/")
        return f"http://{request.host}"

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page, its websocket on the address the browser used (the cookie is kept
        per host name: 127.0.0.1 and localhost are two)."""
        base = self._base(request)
        scheme, _, rest = base.partition(":")
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": ("wss:" if scheme == "https" else "ws:") + rest + "/ws",
            "config": {"static": {"url": base + "/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    def serve(self, debug: bool = False) -> None:
        """Serve until SIGINT or SIGTERM, logging plain lines (no query strings)."""
        logging.basicConfig(level=logging.INFO, format="lobstr-tui: %(message)s",
                            stream=sys.stdout, force=True)
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, self.request_exit)
        web.run_app(self._make_app(), host=self.options.host, port=self.options.port,
                    handle_signals=False, loop=loop, print=lambda *_args: None,
                    access_log_class=PathAccessLogger,
                    access_log=logging.getLogger("lobstr_tui.serve.access"))

    async def on_startup(self, app: web.Application) -> None:
        await self.proxy.start()
        os.environ[VIEWER_API_ENV] = self.proxy.base_url
        own = f"http://{host_form(self.options.host, self.options.port)}"
        where = self.options.public_url or own
        print(f"lobstr-tui: serving the cockpit on {where} "
              f"(up to {self.options.max_viewers} viewers"
              f"{', password required' if self.options.password else ''}"
              f"{'' if self.options.allow_actions else ', read-only'}); Ctrl+C stops",
              flush=True)
        if is_wildcard(self.options.host) and not self.options.public_url:
            names = sorted(host for host in self.gate.hosts if "localhost" not in host
                           and not host.startswith(("127.", "[::1]")))
            print("lobstr-tui: other machines' browsers must use "
                  + (" or ".join(names) or "a name given with --serve-public-url")
                  + " (any other name is refused; --serve-public-url names one)", flush=True)
        if self.gate.token is not None:
            print(f"lobstr-tui: open {self.open_url()} (this launch's link: whoever has "
                  "it sees the account)", flush=True)

    def open_url(self) -> str:
        """The link to open once, with this launch's token."""
        assert self.gate.token is not None
        if self.options.public_url:
            base = self.options.public_url.rstrip("/")
        else:
            host = "127.0.0.1" if is_wildcard(self.options.host) else self.options.host
            base = f"http://{host_form(host, self.options.port)}"
        return f"{base}/?{TOKEN_PARAM}={self.gate.token}"

    async def on_shutdown(self, app: web.Application) -> None:
        await self.proxy.stop()
        refused = self.gate.refusals
        if refused:
            counts = ", ".join(f"{count} {reason}" for reason, count in refused.most_common())
            print(f"lobstr-tui: refused {sum(refused.values())} requests ({counts})",
                  flush=True)


def _refusal(verdict: Verdict) -> web.StreamResponse:
    response = web.Response(status=verdict.status, text=verdict.message)
    if verdict.challenge:
        response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}"'
    if verdict.retry_after > 0:
        response.headers["Retry-After"] = str(max(1, math.ceil(verdict.retry_after)))
    return response


SECURE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
"""On every answer: no referrer (the token may be in the address), no framing by another
page, no guessing of types, nothing of the account kept in a cache (downloads too)."""


async def _secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    """aiohttp's hook just before any answer's headers are sent (a streamed download's
    and an error page's included)."""
    for name, value in SECURE_HEADERS.items():
        response.headers[name] = value


def scrub_environment(token: Token, environ: MutableMapping[str, str] | None = None
                      ) -> list[str]:
    """Remove every variable holding the token (``LOBSTR_TOKEN``, or the one a profile's
    ``token_env`` names): viewers inherit this environment. The names removed."""
    env = os.environ if environ is None else environ
    secret = token.reveal().strip()

    def holds(value: str) -> bool:
        # A long token anywhere in a value; a short one (the demo's) only as the whole.
        if not secret:
            return False
        return secret in value if len(secret) >= 16 else value.strip() == secret

    names = [name for name, value in env.items() if name == "LOBSTR_TOKEN" or holds(value)]
    for name in names:
        env.pop(name, None)
    return names


def viewer_command(options: ServeOptions) -> str:
    """The command line textual-serve runs for each viewer."""
    parts = [sys.executable, "-m", "lobstr_tui", "--viewer", *options.viewer_args]
    if not options.allow_actions:
        parts.append("--read-only")
    return " ".join(shlex.quote(part) for part in parts)


def serve(token: Token, base_url: str, options: ServeOptions) -> int:
    """Serve until Ctrl+C; the exit status."""
    if not is_loopback(options.host):
        print(f"lobstr-tui: warning: serving on {options.host}, not only this machine: "
              + ("the password" if options.password else "the link's token")
              + " is all that keeps others out, and without TLS it crosses the network "
              "in clear; put it behind a TLS reverse proxy with --serve-public-url "
              "(see the README)", file=sys.stderr)
    viewer_key = secrets.token_hex(16)
    # The viewers' processes inherit this environment: the viewer key, never the token.
    scrub_environment(token)
    os.environ[VIEWER_KEY_ENV] = viewer_key
    # One line per API request would flood the terminal (and textual-serve logs at INFO).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    proxy = SharedProxy(base_url, token, viewer_key, allow_actions=options.allow_actions)
    server = CockpitServer(viewer_command(options), options, proxy)
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        server.serve()
    return 0


def viewer_target(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(viewer key, proxy URL) for a viewer started by :func:`serve`, else None."""
    env = os.environ if environ is None else environ
    key, api = env.get(VIEWER_KEY_ENV), env.get(VIEWER_API_ENV)
    return (key, api) if key and api else None
