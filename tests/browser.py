"""Read a Textual app served by textual-serve through a real (headless) Chromium.

The page draws the terminal with xterm.js on a canvas, so the DOM holds no text. Instead
this harness watches the page's websocket over the Chrome DevTools Protocol and replays
what the page writes into xterm into a ``pyte`` screen:

- textual-serve's ``/ws`` socket carries the app's terminal output as **binary frames**:
  the server strips its stdout packet framing (``b"D" + 4-byte length + payload``) and
  sends each payload as one binary message, which ``textual.js`` hands as it is to
  ``terminal.write()``. Text frames from the server are JSON envelopes (``pong``,
  ``open_url``, ``deliver_file_start``) that never reach xterm.
- the page sends JSON text envelopes: ``["stdin", data]``, ``["resize", {"width",
  "height"}]``, ``["ping", t]``, ``["focus"]``, ``["blur"]``. The socket is opened as
  ``/ws?width=W&height=H``; each resize envelope follows an xterm resize.

So the screen is: a ``pyte.Screen`` of the size in the socket's query, fed every binary
frame received on it in order, resized at each resize envelope the page sent.

Typical use::

    async with open_page(url, auth=("user", "password")) as page:
        await page.wait_for_text("hello")
        await page.press("x")
        await page.wait_for_text("pressed")
        assert await page.find(secret) == []

Everything stays on loopback: requests to other hosts are failed by the harness (and
Chromium cannot resolve other names).

Run as ``python -m tests.browser`` it is a tiny Textual app for the harness's self-test.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import tempfile
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pyte

CHROMIUM = "chromium"
"""The browser's command (Debian's package); looked up on PATH."""

START_TIMEOUT = 60.0
"""Seconds Chromium may take to print its DevTools address (a loaded CI machine)."""
COMMAND_TIMEOUT = 30.0
"""Seconds one DevTools command may take."""
WAIT_TIMEOUT = 60.0
"""Default bound for waits on the page; it only runs out when something is wrong."""

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
DEVTOOLS_LINE = re.compile(r"DevTools listening on (ws://\S+)")
ESCAPES = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[PX^_][^\x1b]*"
                     rb"\x1b\\|[()*+][ -~]|[ -/]*[0-~])")
"""CSI, OSC, DCS/SOS/PM/APC strings and two-byte escapes, to read output as plain text."""
NOISE = re.compile(r"dbus|Failed to connect to the bus|unexpected operator")
"""Chromium stderr lines that say nothing about a failure (no D-Bus in a container)."""


class BrowserError(RuntimeError):
    """Chromium or the DevTools connection failed."""


class WaitTimeout(AssertionError):
    """A bounded wait on the page ran out (its message shows the screen)."""


def chromium_path() -> str | None:
    """Chromium's executable on PATH, or None when it is not installed."""
    return shutil.which(CHROMIUM)


@dataclass(frozen=True)
class Frame:
    """One websocket frame the page sent or received, in the order Chromium saw it."""

    direction: Literal["sent", "received"]
    opcode: int
    """1 text, 2 binary (others: control frames, rarely reported)."""
    data: bytes
    """The payload: text frames UTF-8 encoded, binary frames base64-decoded."""
    url: str
    """The websocket's URL."""
    request_id: str

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")

    @property
    def envelope(self) -> Any:
        """A text frame's JSON (textual-serve's envelopes), else None."""
        if self.opcode != 1:
            return None
        try:
            return json.loads(self.data)
        except ValueError:
            return None


@dataclass(frozen=True)
class HttpResponse:
    """One HTTP response the page received (101 for a websocket handshake)."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes | None
    """None when Chromium kept no body (a failed load, a handshake, a redirect)."""


@dataclass
class _Socket:
    url: str
    screen: pyte.Screen
    stream: pyte.ByteStream
    closed: bool = False


def _size_from_url(url: str, default: tuple[int, int] = (80, 24)) -> tuple[int, int]:
    query = parse_qs(urlsplit(url).query)
    try:
        return int(query["width"][0]), int(query["height"][0])
    except (KeyError, ValueError, IndexError):
        return default


def _resize_of(frame: Frame) -> tuple[int, int] | None:
    envelope = frame.envelope
    if (isinstance(envelope, list) and len(envelope) == 2 and envelope[0] == "resize"
            and isinstance(envelope[1], dict)):
        try:
            return int(envelope[1]["width"]), int(envelope[1]["height"])
        except (KeyError, TypeError, ValueError):
            return None
    return None


def _is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return parts.hostname is not None and parts.hostname in LOOPBACK_HOSTS


def plain_text(output: bytes) -> str:
    """Terminal output with its escape sequences removed (text split by colour changes
    joins up again)."""
    return ESCAPES.sub(b"", output).decode("utf-8", "replace")


def _remove_tree(path: str) -> bool:
    """Remove a directory tree; whether it is gone."""
    shutil.rmtree(path, ignore_errors=True)
    return not os.path.exists(path)


def _strings(value: Any) -> list[str]:
    """Every string inside a JSON value (keys too)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *_strings(item)]]
    return []


# Textual-style key names -> (DOM key, DOM code, Windows virtual key code, text).
_NAMED_KEYS: dict[str, tuple[str, str, int, str]] = {
    "enter": ("Enter", "Enter", 13, "\r"),
    "tab": ("Tab", "Tab", 9, ""),
    "escape": ("Escape", "Escape", 27, ""),
    "backspace": ("Backspace", "Backspace", 8, ""),
    "delete": ("Delete", "Delete", 46, ""),
    "insert": ("Insert", "Insert", 45, ""),
    "space": (" ", "Space", 32, " "),
    "up": ("ArrowUp", "ArrowUp", 38, ""),
    "down": ("ArrowDown", "ArrowDown", 40, ""),
    "left": ("ArrowLeft", "ArrowLeft", 37, ""),
    "right": ("ArrowRight", "ArrowRight", 39, ""),
    "home": ("Home", "Home", 36, ""),
    "end": ("End", "End", 35, ""),
    "pageup": ("PageUp", "PageUp", 33, ""),
    "pagedown": ("PageDown", "PageDown", 34, ""),
    **{f"f{n}": (f"F{n}", f"F{n}", 111 + n, "") for n in range(1, 13)},
}
_MODIFIERS = {"alt": 1, "ctrl": 2, "meta": 4, "shift": 8}


def _key_event(name: str) -> dict[str, Any] | None:
    """Input.dispatchKeyEvent parameters for a Textual-style key (``x``, ``X``, ``enter``,
    ``ctrl+c``, ``shift+tab``...), or None for a character without a US key (typed as
    text instead)."""
    *mods, base = name.split("+") if len(name) > 1 else [name]
    if base == "" and name.endswith("+"):  # "ctrl++"
        base = "+"
    modifiers = 0
    for mod in mods:
        if mod not in _MODIFIERS:
            raise ValueError(f"unknown modifier {mod!r} in key {name!r}")
        modifiers |= _MODIFIERS[mod]
    if base.lower() in _NAMED_KEYS:
        key, code, keycode, text = _NAMED_KEYS[base.lower()]
    elif len(base) == 1 and base.isascii() and base.isalpha():
        if base.isupper():
            modifiers |= _MODIFIERS["shift"]
        key, code, keycode, text = base, f"Key{base.upper()}", ord(base.upper()), base
    elif len(base) == 1 and base.isdigit():
        key, code, keycode, text = base, f"Digit{base}", ord(base), base
    else:
        return None
    if modifiers & (_MODIFIERS["ctrl"] | _MODIFIERS["alt"] | _MODIFIERS["meta"]):
        text = ""
    return {"key": key, "code": code, "windowsVirtualKeyCode": keycode,
            "nativeVirtualKeyCode": keycode, "modifiers": modifiers, "text": text,
            "unmodifiedText": text}


class _DevTools:
    """One DevTools websocket: commands (optionally on a session) and event callbacks."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, limit: float) -> None:
        self._ws = ws
        self._timeout = limit
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._listeners: dict[str, list[Callable[[str | None, dict[str, Any]], None]]] = {}
        self._reader = asyncio.create_task(self._read())
        self.error: BaseException | None = None

    def on(self, method: str, callback: Callable[[str | None, dict[str, Any]], None]) -> None:
        self._listeners.setdefault(method, []).append(callback)

    async def send(self, method: str, params: dict[str, Any] | None = None, *,
                   session: str | None = None, limit: float | None = None
                   ) -> dict[str, Any]:
        if self.error is not None or self._reader.done():
            raise BrowserError(f"DevTools connection is gone ({self.error!r}); "
                               f"cannot send {method}")
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        try:
            await self._ws.send_str(json.dumps(message))
            return await asyncio.wait_for(future, limit or self._timeout)
        except TimeoutError:
            raise BrowserError(f"DevTools command {method} got no answer within "
                               f"{limit or self._timeout:g}s") from None
        finally:
            self._pending.pop(message["id"], None)

    async def _read(self) -> None:
        try:
            async for message in self._ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                if "id" in data:
                    future = self._pending.get(data["id"])
                    if future is None or future.done():
                        continue
                    if "error" in data:
                        future.set_exception(BrowserError(f"DevTools error: {data['error']}"))
                    else:
                        future.set_result(data.get("result", {}))
                    continue
                for callback in self._listeners.get(data.get("method", ""), []):
                    callback(data.get("sessionId"), data.get("params", {}))
            self.error = BrowserError("DevTools websocket closed")
        except Exception as exc:  # reported to every waiting command
            self.error = exc
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(BrowserError(f"DevTools connection lost: "
                                                      f"{self.error!r}"))

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader
        with contextlib.suppress(Exception):
            await self._ws.close()


class Page:
    """A browser tab: what it received and sent, the terminal it shows, keys to type.

    Made by :meth:`Browser.new_page`. Attributes filled as the page runs:

    - ``frames``: every websocket frame, sent and received, in order (:class:`Frame`);
    - ``responses``: every HTTP response seen (:class:`HttpResponse`); bodies are read
      in the background: ``await page.http_responses()`` for the complete list;
    - ``blocked``: URLs the harness refused because they were not on loopback;
    - ``console``: console messages and uncaught exceptions of the page, as text.
    """

    def __init__(self, browser: Browser, session: str, target: str,
                 auth: tuple[str, str] | None, auth_mode: Literal["challenge", "header"],
                 terminal_path: str) -> None:
        self._browser = browser
        self._devtools = browser._devtools_connection()
        self._session = session
        self.target_id = target
        self._auth = auth
        self._auth_mode = auth_mode
        self._terminal_path = terminal_path
        self.frames: list[Frame] = []
        self.responses: list[HttpResponse] = []
        self.blocked: list[str] = []
        self.console: list[str] = []
        self._socket_urls: dict[str, str] = {}
        self._terminal: _Socket | None = None
        self._terminal_id: str | None = None
        self._response_meta: dict[str, tuple[str, int, dict[str, str]]] = {}
        self._auth_attempts: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._loaded = asyncio.Event()
        self._closed = False

    # -- set-up -------------------------------------------------------------------

    async def _start(self) -> None:
        on = self._devtools.on
        on("Network.webSocketCreated", self._mine(self._on_ws_created))
        on("Network.webSocketFrameSent", self._mine(lambda p: self._on_frame("sent", p)))
        on("Network.webSocketFrameReceived",
           self._mine(lambda p: self._on_frame("received", p)))
        on("Network.webSocketClosed", self._mine(self._on_ws_closed))
        on("Network.webSocketHandshakeResponseReceived", self._mine(self._on_handshake))
        on("Network.responseReceived", self._mine(self._on_response))
        on("Network.loadingFinished", self._mine(self._on_loading_finished))
        on("Network.loadingFailed", self._mine(self._on_loading_failed))
        on("Fetch.requestPaused", self._mine(self._on_request_paused))
        on("Fetch.authRequired", self._mine(self._on_auth_required))
        on("Page.loadEventFired", self._mine(lambda _p: self._loaded.set()))
        on("Runtime.consoleAPICalled", self._mine(self._on_console))
        on("Runtime.exceptionThrown", self._mine(self._on_exception))
        await self._send("Network.enable", {"maxTotalBufferSize": 256 * 1024 * 1024,
                                            "maxResourceBufferSize": 64 * 1024 * 1024})
        await self._send("Network.setCacheDisabled", {"cacheDisabled": True})
        if self._auth is not None and self._auth_mode == "header":
            user, password = self._auth
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            await self._send("Network.setExtraHTTPHeaders",
                             {"headers": {"Authorization": f"Basic {token}"}})
        # Every request pauses here: loopback ones go on, others are failed, and HTTP
        # auth challenges are answered (or cancelled when no credentials were given).
        await self._send("Fetch.enable", {"patterns": [{"urlPattern": "*"}],
                                          "handleAuthRequests": True})
        await self._send("Page.enable")
        await self._send("Runtime.enable")
        await self._send("Emulation.setFocusEmulationEnabled", {"enabled": True})

    def _mine(self, handler: Callable[[dict[str, Any]], None]
              ) -> Callable[[str | None, dict[str, Any]], None]:
        def callback(session: str | None, params: dict[str, Any]) -> None:
            if session == self._session and not self._closed:
                handler(params)
        return callback

    async def _send(self, method: str, params: dict[str, Any] | None = None,
                    limit: float | None = None) -> dict[str, Any]:
        return await self._devtools.send(method, params, session=self._session,
                                         limit=limit)

    def _spawn(self, method: str, params: dict[str, Any]) -> None:
        """Send a command from an event callback (which must not wait for answers)."""
        async def run() -> None:
            with contextlib.suppress(BrowserError):
                await self._send(method, params)
        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- events -------------------------------------------------------------------

    def _on_ws_created(self, params: dict[str, Any]) -> None:
        url = params["url"]
        self._socket_urls[params["requestId"]] = url
        if urlsplit(url).path.endswith(self._terminal_path):
            columns, lines = _size_from_url(url)
            screen = pyte.Screen(columns, lines)
            self._terminal = _Socket(url, screen, pyte.ByteStream(screen))
            self._terminal_id = params["requestId"]
            self._changed.set()

    def _on_ws_closed(self, params: dict[str, Any]) -> None:
        if params["requestId"] == self._terminal_id and self._terminal is not None:
            self._terminal.closed = True
            self._changed.set()

    def _on_frame(self, direction: Literal["sent", "received"], params: dict[str, Any]
                  ) -> None:
        response = params["response"]
        opcode = int(response.get("opcode", 1))
        payload = response.get("payloadData", "")
        data = base64.b64decode(payload) if opcode == 2 else payload.encode("utf-8")
        request_id = params["requestId"]
        frame = Frame(direction, opcode, data, self._socket_urls.get(request_id, ""),
                      request_id)
        self.frames.append(frame)
        terminal = self._terminal
        if request_id != self._terminal_id or terminal is None:
            return
        if direction == "received" and opcode == 2:
            terminal.stream.feed(data)
            self._changed.set()
        elif direction == "sent" and (size := _resize_of(frame)) is not None:
            terminal.screen.resize(lines=size[1], columns=size[0])
            self._changed.set()

    def _on_handshake(self, params: dict[str, Any]) -> None:
        response = params["response"]
        self.responses.append(HttpResponse(self._socket_urls.get(params["requestId"], ""),
                                           int(response.get("status", 0)),
                                           dict(response.get("headers", {})), None))

    def _on_response(self, params: dict[str, Any]) -> None:
        response = params["response"]
        self._response_meta[params["requestId"]] = (
            response["url"], int(response.get("status", 0)),
            dict(response.get("headers", {})))

    def _on_loading_finished(self, params: dict[str, Any]) -> None:
        request_id = params["requestId"]
        meta = self._response_meta.pop(request_id, None)
        if meta is None:
            return

        async def read_body() -> None:
            body: bytes | None
            try:
                result = await self._send("Network.getResponseBody", {"requestId": request_id})
                text = result.get("body", "")
                body = (base64.b64decode(text) if result.get("base64Encoded")
                        else text.encode("utf-8"))
            except BrowserError:
                body = None
            self.responses.append(HttpResponse(*meta, body))
        task = asyncio.create_task(read_body())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_loading_failed(self, params: dict[str, Any]) -> None:
        meta = self._response_meta.pop(params["requestId"], None)
        if meta is not None:
            self.responses.append(HttpResponse(*meta, None))

    def _on_request_paused(self, params: dict[str, Any]) -> None:
        url = params["request"]["url"]
        if _is_loopback(url):
            self._spawn("Fetch.continueRequest", {"requestId": params["requestId"]})
        else:
            self.blocked.append(url)
            self._spawn("Fetch.failRequest", {"requestId": params["requestId"],
                                              "errorReason": "BlockedByClient"})

    def _on_auth_required(self, params: dict[str, Any]) -> None:
        challenge = params.get("authChallenge", {})
        origin = challenge.get("origin", "")
        attempts = self._auth_attempts.get(origin, 0)
        self._auth_attempts[origin] = attempts + 1
        answer: dict[str, Any] = {"response": "CancelAuth"}
        if (self._auth is not None and challenge.get("source") == "Server"
                and _is_loopback(origin) and attempts < 3):
            user, password = self._auth
            answer = {"response": "ProvideCredentials", "username": user,
                      "password": password}
        self._spawn("Fetch.continueWithAuth", {"requestId": params["requestId"],
                                               "authChallengeResponse": answer})

    def _on_console(self, params: dict[str, Any]) -> None:
        values = [str(arg.get("value", arg.get("description", "")))
                  for arg in params.get("args", [])]
        self.console.append(f"{params.get('type', 'log')}: {' '.join(values)}")

    def _on_exception(self, params: dict[str, Any]) -> None:
        details = params.get("exceptionDetails", {})
        text = details.get("exception", {}).get("description") or details.get("text", "")
        self.console.append(f"exception: {text}")

    # -- navigation and input -----------------------------------------------------

    async def goto(self, url: str, *, limit: float = WAIT_TIMEOUT) -> None:
        """Navigate to ``url`` and wait (bounded) for its load event."""
        self._loaded.clear()
        result = await self._send("Page.navigate", {"url": url}, limit=limit)
        if result.get("errorText"):
            raise BrowserError(f"navigating to {url} failed: {result['errorText']}")
        try:
            await asyncio.wait_for(self._loaded.wait(), limit)
        except TimeoutError:
            raise WaitTimeout(f"{url} did not finish loading within {limit:g}s") from None

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = await self._send("Runtime.evaluate", {"expression": expression,
                                                       "returnByValue": True,
                                                       "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} raised: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    async def focus(self) -> None:
        """Give keyboard focus to the terminal (xterm's hidden textarea)."""
        await self._send("Page.bringToFront")
        focused = await self.evaluate(
            "(() => { const t = document.querySelector('.xterm-helper-textarea');"
            " if (!t) return false; t.focus(); return document.activeElement === t; })()")
        if not focused:
            raise BrowserError("the page has no focusable xterm terminal (not loaded yet?)")

    async def press(self, *keys: str) -> None:
        """Type keys into the terminal, as Textual names them: ``"x"``, ``"X"``,
        ``"enter"``, ``"escape"``, ``"up"``, ``"ctrl+c"``, ``"shift+tab"``... A character
        with no key of its own (``"!"``, ``"é"``) is inserted as text. Chromium keeps its
        own shortcuts (``ctrl+t``, ``ctrl+w``, ``ctrl+n``...): the page never sees them."""
        await self.focus()
        for name in keys:
            event = _key_event(name)
            if event is None:
                await self._send("Input.insertText", {"text": name})
                continue
            down = "keyDown" if event["text"] else "rawKeyDown"
            await self._send("Input.dispatchKeyEvent", {"type": down, **event})
            await self._send("Input.dispatchKeyEvent", {"type": "keyUp", **event,
                                                        "text": "", "unmodifiedText": ""})

    async def type_text(self, text: str) -> None:
        """Insert text into the terminal as typing would (one ``stdin`` envelope)."""
        await self.focus()
        await self._send("Input.insertText", {"text": text})

    # -- the terminal -------------------------------------------------------------

    @property
    def terminal_size(self) -> tuple[int, int] | None:
        """(columns, rows) the page last reported, None before the terminal socket."""
        terminal = self._terminal
        return None if terminal is None else (terminal.screen.columns, terminal.screen.lines)

    @property
    def terminal_closed(self) -> bool:
        """Whether the terminal's websocket has closed (the app exited, the server went)."""
        return self._terminal is not None and self._terminal.closed

    @property
    def terminal_frames(self) -> list[Frame]:
        """The binary frames received on the terminal socket: the output xterm wrote."""
        return [frame for frame in self.frames
                if frame.request_id == self._terminal_id and frame.direction == "received"
                and frame.opcode == 2]

    def terminal_output(self) -> bytes:
        """All terminal output so far, escape sequences and all."""
        return b"".join(frame.data for frame in self.terminal_frames)

    def screen_lines(self, size: tuple[int, int] | None = None) -> list[str]:
        """The terminal's screen, one string per row (padded to the width).

        ``size`` (columns, rows) replays all output into a screen of that size instead of
        following the sizes the page reported. Empty before the terminal socket opened.
        """
        if size is not None:
            screen = pyte.Screen(*size)
            pyte.ByteStream(screen).feed(self.terminal_output())
            return list(screen.display)
        terminal = self._terminal
        return [] if terminal is None else list(terminal.screen.display)

    def screen_text(self) -> str:
        """The screen as one string, rows joined by newlines, trailing blanks removed."""
        return "\n".join(line.rstrip() for line in self.screen_lines())

    async def wait_until(self, predicate: Callable[[list[str]], bool], what: str, *,
                         limit: float = WAIT_TIMEOUT) -> list[str]:
        """Wait until ``predicate(screen lines)`` holds; return those lines.

        Raises WaitTimeout (showing the screen) after ``limit`` seconds, or at once when
        the DevTools connection is lost.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while True:
            self._changed.clear()
            lines = self.screen_lines()
            if predicate(lines):
                return lines
            if self._devtools.error is not None:
                raise BrowserError(f"lost the browser while waiting for {what}: "
                                   f"{self._devtools.error!r}\n{self._describe(lines)}")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise WaitTimeout(f"waited {limit:g}s for {what}\n{self._describe(lines)}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.25))

    async def wait_for_text(self, text: str, *, limit: float = WAIT_TIMEOUT) -> list[str]:
        """Wait until some screen row contains ``text``; return the screen lines."""
        return await self.wait_until(lambda lines: any(text in line for line in lines),
                                     repr(text), limit=limit)

    async def wait_for_frames(self, predicate: Callable[[list[Frame]], bool], what: str, *,
                              limit: float = WAIT_TIMEOUT) -> list[Frame]:
        """Wait until ``predicate(all frames)`` holds (e.g. an envelope was sent)."""
        await self.wait_until(lambda _lines: predicate(self.frames), what, limit=limit)
        return list(self.frames)

    def _describe(self, lines: list[str]) -> str:
        screen = "\n".join(f"|{line.rstrip()}" for line in lines) or "(no terminal yet)"
        tail = "\n".join(self.console[-10:])
        return (f"terminal {self.terminal_size} closed={self.terminal_closed}, "
                f"{len(self.frames)} frames, {len(self.responses)} responses, "
                f"blocked={self.blocked[:5]}\nscreen:\n{screen}\nconsole:\n{tail}\n"
                f"chromium stderr tail:\n{self._browser.stderr_tail(15)}")

    # -- what went over the wire --------------------------------------------------

    async def http_responses(self, *, limit: float = COMMAND_TIMEOUT
                             ) -> list[HttpResponse]:
        """Every HTTP response so far, once the bodies being read have been read."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=limit)
        return list(self.responses)

    async def find(self, needle: str | bytes) -> list[str]:
        """Where ``needle`` appears in anything the page received or sent: response
        bodies and headers, websocket frames (raw, JSON-decoded, and the terminal output
        with escape sequences removed) and the screen. Empty when it appears nowhere."""
        raw = needle.encode("utf-8") if isinstance(needle, str) else needle
        text = raw.decode("utf-8", "replace")
        places: list[str] = []
        for response in await self.http_responses():
            if response.body is not None and raw in response.body:
                places.append(f"body of {response.status} {response.url}")
            for name, value in response.headers.items():
                if text in name or text in value:
                    places.append(f"header {name} of {response.status} {response.url}")
        for index, frame in enumerate(self.frames):
            where = f"frame #{index} {frame.direction} on {frame.url}"
            if raw in frame.data:
                places.append(where)
            elif any(text in string for string in _strings(frame.envelope)):
                places.append(f"{where} (JSON)")
        output = self.terminal_output()
        if raw not in output and text in plain_text(output):
            places.append("terminal output with escape sequences removed")
        for row, line in enumerate(self.screen_lines()):
            if text in line:
                places.append(f"screen row {row}")
        return places

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await self._devtools.send("Target.closeTarget", {"targetId": self.target_id},
                                      limit=5.0)


class Browser:
    """Headless Chromium on a temporary profile, driven over DevTools (async context
    manager: the process group is killed and the profile removed on exit, always)."""

    def __init__(self, executable: str | None = None, *,
                 window_size: tuple[int, int] = (1280, 800),
                 start_timeout: float = START_TIMEOUT,
                 command_timeout: float = COMMAND_TIMEOUT) -> None:
        self.executable = executable or chromium_path()
        self.window_size = window_size
        self.start_timeout = start_timeout
        self.command_timeout = command_timeout
        self._process: asyncio.subprocess.Process | None = None
        self._profile: str | None = None
        self._stderr: deque[str] = deque(maxlen=200)
        self._stderr_task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._devtools: _DevTools | None = None
        self._pages: list[Page] = []

    async def __aenter__(self) -> Browser:
        try:
            await self._start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def pid(self) -> int | None:
        """Chromium's process id (its process group's too) while it runs."""
        return None if self._process is None else self._process.pid

    @property
    def profile_dir(self) -> str | None:
        """The temporary profile directory while Chromium runs."""
        return self._profile

    def stderr_tail(self, lines: int = 20) -> str:
        """Chromium's last lines on stderr, for failure messages (without the noise of
        a machine with no D-Bus)."""
        useful = [line for line in self._stderr if not NOISE.search(line)]
        return "\n".join(useful[-lines:])

    def _devtools_connection(self) -> _DevTools:
        if self._devtools is None:
            raise BrowserError("the browser is not running")
        return self._devtools

    async def _start(self) -> None:
        if self.executable is None:
            raise BrowserError(f"{CHROMIUM} is not on PATH")
        self._profile = tempfile.mkdtemp(prefix="harness-chromium-")
        width, height = self.window_size
        self._process = await asyncio.create_subprocess_exec(
            self.executable, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={self._profile}", f"--window-size={width},{height}",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--disable-dev-shm-usage",
            "--no-proxy-server", "--disable-features=Translate,OptimizationHints,MediaRouter",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
            "--mute-audio", "--password-store=basic", "--use-mock-keychain",
            "about:blank",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE, start_new_session=True)
        url = await self._devtools_url()
        self._stderr_task = asyncio.create_task(self._drain_stderr())
        self._http = aiohttp.ClientSession(trust_env=False)
        try:
            ws = await asyncio.wait_for(self._http.ws_connect(
                url, max_msg_size=0, autoping=True, heartbeat=None,
                timeout=aiohttp.ClientWSTimeout(ws_close=5.0)), self.start_timeout)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise BrowserError(f"could not connect to Chromium's DevTools at {url}: "
                               f"{exc!r}") from exc
        self._devtools = _DevTools(ws, self.command_timeout)

    async def _devtools_url(self) -> str:
        process = self._process
        assert process is not None and process.stderr is not None
        stderr = process.stderr

        async def read() -> str:
            while True:
                line = (await stderr.readline()).decode("utf-8", "replace")
                if not line:
                    raise BrowserError(f"Chromium exited before DevTools was ready:\n"
                                       f"{self.stderr_tail()}")
                self._stderr.append(line.rstrip())
                if match := DEVTOOLS_LINE.search(line):
                    return match.group(1)

        try:
            return await asyncio.wait_for(read(), self.start_timeout)
        except TimeoutError:
            raise BrowserError(f"Chromium printed no DevTools address within "
                               f"{self.start_timeout:g}s:\n{self.stderr_tail()}") from None

    async def _drain_stderr(self) -> None:
        process = self._process
        assert process is not None and process.stderr is not None
        with contextlib.suppress(Exception):
            while line := await process.stderr.readline():
                self._stderr.append(line.decode("utf-8", "replace").rstrip())

    async def new_page(self, *, auth: tuple[str, str] | None = None,
                       auth_mode: Literal["challenge", "header"] = "challenge",
                       terminal_path: str = "/ws") -> Page:
        """A new tab, recording its network traffic. ``auth`` = (user, password) for HTTP
        Basic: ``"challenge"`` answers the server's 401 challenges as a user would (the
        browser then reuses them, websocket included); ``"header"`` sends an
        ``Authorization`` header with every request from the start. Without ``auth``,
        challenges are cancelled. ``terminal_path``: the path of the websocket whose
        binary frames are the terminal output."""
        devtools = self._devtools_connection()
        target = (await devtools.send("Target.createTarget", {
            "url": "about:blank"}))["targetId"]
        session = (await devtools.send("Target.attachToTarget", {
            "targetId": target, "flatten": True}))["sessionId"]
        page = Page(self, session, target, auth, auth_mode, terminal_path)
        self._pages.append(page)
        await page._start()
        return page

    async def close(self) -> None:
        """Close the DevTools connection, kill Chromium's process group, remove the
        profile. Safe to call more than once."""
        for page in self._pages:
            page._closed = True
            for task in list(page._tasks):
                task.cancel()
        self._pages.clear()
        if self._devtools is not None:
            await self._devtools.close()
            self._devtools = None
        if self._http is not None:
            with contextlib.suppress(Exception):
                await self._http.close()
            self._http = None
        process, self._process = self._process, None
        if process is not None:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(TimeoutError, ProcessLookupError):
                await asyncio.wait_for(process.wait(), 10.0)
        if self._stderr_task is not None:
            self._stderr_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._stderr_task
            self._stderr_task = None
        profile, self._profile = self._profile, None
        if profile is not None:
            for _ in range(5):
                if _remove_tree(profile):
                    break
                await asyncio.sleep(0.2)  # a child still writing: try again


@contextlib.asynccontextmanager
async def open_page(url: str, *, auth: tuple[str, str] | None = None,
                    auth_mode: Literal["challenge", "header"] = "challenge",
                    window_size: tuple[int, int] = (1280, 800),
                    limit: float = WAIT_TIMEOUT) -> AsyncIterator[Page]:
    """Start Chromium, open ``url`` in a tab and yield the :class:`Page`; Chromium is
    killed and its profile removed on the way out, whatever happened."""
    async with Browser(window_size=window_size) as browser:
        page = await browser.new_page(auth=auth, auth_mode=auth_mode)
        await page.goto(url, limit=limit)
        yield page


# -- a tiny Textual app for the harness's self-test (python -m tests.browser) ----------

TINY_GREETING = "hello harness"
TINY_CANARY = "canary-7d41-on-screen"


def tiny_app_main() -> None:
    """Show ``hello harness`` and a canary; ``x`` changes the greeting, other keys are
    shown by name and unmodified printable ones collected after ``typed:``."""
    from textual.app import App, ComposeResult
    from textual.events import Key
    from textual.widgets import Static

    class TinyApp(App[None]):
        typed = ""

        def compose(self) -> ComposeResult:
            yield Static(TINY_GREETING, id="greeting")
            yield Static(TINY_CANARY, id="canary")
            yield Static("last key: none", id="last")
            yield Static("typed: ", id="typed")

        def on_key(self, event: Key) -> None:
            if event.key == "x":
                self.query_one("#greeting", Static).update("x was pressed")
            self.query_one("#last", Static).update(f"last key: {event.key}")
            if (event.character is not None and event.character.isprintable()
                    and not event.key.startswith(("alt+", "ctrl+"))):
                self.typed += event.character
                self.query_one("#typed", Static).update(f"typed: {self.typed}")

    TinyApp().run()


if __name__ == "__main__":
    tiny_app_main()
