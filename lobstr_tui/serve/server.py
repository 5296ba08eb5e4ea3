"""``--serve``: the cockpit in web browsers, with textual-serve (imported only here).

Every browser tab gets its own cockpit process (its own selection, tab and filter);
none of them holds the token: they reach the API through :class:`SharedProxy`, which
adds it and shares answers between viewers. Safe by default: loopback unless ``--host``
says otherwise (with a warning), read-only unless ``--serve-allow-actions``, an optional
password (HTTP Basic, checked before a session starts), and a cap on simultaneous
viewers with a clear page when it is reached.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import ipaddress
import logging
import os
import secrets
import shlex
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from aiohttp import web
from textual_serve import download_manager
from textual_serve.server import Server

from lobstr_tui.api.secret import Token
from lobstr_tui.serve.proxy import SharedProxy

VIEWER_KEY_ENV = "LOBSTR_VIEWER_KEY"
VIEWER_API_ENV = "LOBSTR_VIEWER_API"
REALM = "lobstr-tui"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

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


def is_loopback(host: str) -> bool:
    """True for 127.0.0.1, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def full_page(limit: int) -> str:
    """The page a browser gets when every viewer place is taken."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>lobstr-tui: full</title>"
        "</head><body style='font-family:monospace;padding:2em'>"
        f"<h1>lobstr-tui is full</h1><p>All {limit} viewer places are taken. Close another "
        "tab showing this cockpit, or try again later.</p></body></html>")


class CockpitServer(Server):
    """textual-serve's server with a password, a viewer cap and the shared proxy."""

    def __init__(self, command: str, options: ServeOptions, proxy: SharedProxy) -> None:
        super().__init__(command, host=options.host, port=options.port,
                         title="lobstr-tui", public_url=options.public_url)
        self.options = options
        self.proxy = proxy
        self.viewers = 0

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The password before anything; the cap before a page or a session."""
        if not self._authorised(request):
            return web.Response(status=401, text="lobstr-tui: password required",
                                headers={"WWW-Authenticate": f'Basic realm="{REALM}"'})
        route = request.match_info.route.name
        if route in ("index", "websocket") and self.viewers >= self.options.max_viewers:
            return web.Response(status=503, text=full_page(self.options.max_viewers),
                                content_type="text/html")
        if route != "websocket":
            return await handler(request)
        self.viewers += 1
        try:
            return await handler(request)
        finally:
            self.viewers -= 1

    def _authorised(self, request: web.Request) -> bool:
        password = self.options.password
        if not password:
            return True
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        _, _, given = decoded.partition(":")
        return hmac.compare_digest(given.encode(), password.encode())

    async def on_startup(self, app: web.Application) -> None:
        await self.proxy.start()
        os.environ[VIEWER_API_ENV] = self.proxy.base_url
        where = f"http://{self.options.host}:{self.options.port}"
        print(f"lobstr-tui: serving the cockpit on {where} "
              f"(up to {self.options.max_viewers} viewers"
              f"{', password required' if self.options.password else ''}"
              f"{'' if self.options.allow_actions else ', read-only'}); Ctrl+C stops",
              flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        await self.proxy.stop()


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
              "anyone who can reach it sees the account"
              + ("" if options.password else " (no --serve-password-file given)")
              + "; put it behind a TLS reverse proxy (see the README)", file=sys.stderr)
    viewer_key = secrets.token_hex(16)
    # The viewers' processes inherit this environment: the viewer key, never the token.
    os.environ.pop("LOBSTR_TOKEN", None)
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
