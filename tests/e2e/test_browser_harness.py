"""The browser harness (tests/browser.py) reads a Textual app served by textual-serve in
headless Chromium: the screen, keys typed into the page, a password, the traffic."""

from __future__ import annotations

import contextlib
import http.client
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import (
    TINY_CANARY,
    TINY_GREETING,
    Browser,
    Frame,
    chromium_path,
    open_page,
    plain_text,
)

needs_chromium = pytest.mark.skipif(
    chromium_path() is None,
    reason="SKIPPED, NOT PASSED: `chromium` is not on PATH, so the browser harness was "
           "not exercised (CI installs it: apt-get install chromium)")

REPO = Path(__file__).resolve().parents[2]
USER = "viewer"
PASSWORD = "harness-PASSWORD-5c2e-never-sent-back"
START_LIMIT = 60.0
"""Seconds the server may take to answer its first request on a loaded machine."""

SERVER = """
import base64, sys
from aiohttp import web
from textual_serve.server import Server

port, command, user, password = sys.argv[1:5]
expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@web.middleware
async def basic_auth(request, handler):
    if request.headers.get("Authorization") != expected:
        return web.Response(status=401, text="password required",
                            headers={"WWW-Authenticate": 'Basic realm="harness"'})
    return await handler(request)


class PasswordServer(Server):
    async def _make_app(self):
        app = await super()._make_app()
        if password:
            app.middlewares.append(basic_auth)
        return app


PasswordServer(command, host="127.0.0.1", port=int(port)).serve()
"""
"""textual-serve's Server on 127.0.0.1, behind HTTP Basic when a password is given."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    """Whether the server answers GET / on loopback (any status: 401 counts)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2.0)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        connection.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (the server, its shell and its app), wait,
    then SIGKILL whatever is left."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(15.0)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(15.0)
        except ProcessLookupError:
            pass
    # The app under the shell may outlive the server: the group is its, kill the rest.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _serve(tmp: Path, password: str = "") -> Iterator[str]:
    """Run the tiny app (python -m tests.browser) under textual-serve; yield its URL."""
    command = f"{shlex.quote(sys.executable)} -m tests.browser"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("TEXTUAL")}
    for attempt in range(3):  # another process may take the free port first
        port = _free_port()
        log = tmp / f"server-{attempt}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-c", SERVER, str(port), command, USER, password],
                cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=output,
                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + START_LIMIT
            while process.poll() is None and time.monotonic() < deadline:
                if _answers(port):
                    break
                time.sleep(0.1)
            else:
                if process.poll() is not None and attempt < 2:
                    continue  # it exited: most likely the port was taken
                raise AssertionError(f"textual-serve did not answer on port {port}:\n"
                                     f"{log.read_text(errors='replace')[-3000:]}")
            yield f"http://127.0.0.1:{port}/"
            return
        finally:
            _stop(process)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="module")
def served_with_password(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("served-password"), PASSWORD)


def _sent_envelopes(frames: list[Frame]) -> list[object]:
    return [frame.envelope for frame in frames if frame.direction == "sent"]


def test_plain_text_joins_text_split_by_escape_sequences() -> None:
    output = (b"\x1b[?1049h\x1b[1;1H\x1b[38;2;255;0;0mpass\x1b[0m\x1b[1;5Hw\x1b(Bord"
              b"\x1b]0;title\x07!\x1bP+q544e\x1b\\\x1b7 \xc3\xa9")
    assert plain_text(output) == "password! é"


@needs_chromium
async def test_reads_the_served_screen_and_a_key_changes_it(served: str) -> None:
    async with open_page(served) as page:
        lines = await page.wait_for_text(TINY_GREETING)
        size = page.terminal_size
        assert size is not None and size == (len(lines[0]), len(lines))
        assert ["resize", {"width": size[0], "height": size[1]}] in _sent_envelopes(
            page.frames)
        assert page.terminal_frames and page.frames
        assert page.screen_lines(size=size) == lines  # a replay gives the same screen

        await page.press("x")
        changed = await page.wait_for_text("x was pressed")
        assert not any(TINY_GREETING in line for line in changed)
        assert ["stdin", "x"] in _sent_envelopes(page.frames)


@needs_chromium
async def test_named_keys_modifiers_and_text_reach_the_app(served: str) -> None:
    async with open_page(served) as page:
        await page.wait_for_text(TINY_GREETING)
        for key in ("enter", "up", "shift+tab", "ctrl+b", "alt+x", "escape"):
            await page.press(key)
            await page.wait_for_text(f"last key: {key}")
        await page.press("A", "b", "7", "!")
        await page.wait_for_text("typed: Ab7!")
        await page.type_text("héllo wörld")
        await page.wait_for_text("typed: Ab7!héllo wörld")
        sent = _sent_envelopes(page.frames)
        assert ["stdin", "\r"] in sent and ["stdin", "\x1b[A"] in sent


@needs_chromium
async def test_password_and_everything_that_went_over_the_wire(
        served_with_password: str) -> None:
    # Without credentials: a 401 and no terminal (the page never gets its script).
    async with open_page(served_with_password) as page:
        refused = await page.http_responses()
        assert [r.status for r in refused if r.url == served_with_password] == [401]
        assert page.terminal_size is None and page.frames == []

    # With them, answered to the challenge or sent up front: the app, and the password
    # nowhere in what came back or went over the websocket.
    for mode in ("challenge", "header"):
        async with open_page(served_with_password, auth=(USER, PASSWORD),
                             auth_mode=mode) as page:
            await page.wait_for_text(TINY_GREETING)
            await page.press("x")
            await page.wait_for_text("x was pressed")
            responses = await page.http_responses()
            page_body = next(r.body for r in responses
                             if r.url == served_with_password and r.status == 200)
            assert page_body is not None and b"textual-terminal" in page_body
            assert any(r.status == 101 and "/ws" in r.url for r in responses)
            assert all(r.url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:"))
                       for r in responses)
            assert await page.find(PASSWORD) == []
            # The search does look everywhere: the canary is found in the frames and on
            # screen, the page's markup in its body.
            found = await page.find(TINY_CANARY)
            assert any(place.startswith("frame #") for place in found), found
            assert any(place.startswith("screen row") for place in found), found
            assert any(place.startswith("body of 200") for place in
                       await page.find("textual-terminal"))


@needs_chromium
async def test_chromium_and_its_profile_are_gone_even_after_a_failure(served: str) -> None:
    seen: list[tuple[int, str]] = []
    with pytest.raises(RuntimeError, match="boom"):
        async with Browser() as browser:
            assert browser.pid is not None and browser.profile_dir is not None
            seen.append((browser.pid, browser.profile_dir))
            page = await browser.new_page()
            await page.goto(served)
            await page.wait_for_text(TINY_GREETING)
            raise RuntimeError("boom")
    [(pid, profile)] = seen
    assert _gone(pid, profile)


def _gone(pid: int, profile: str) -> bool:
    """Whether the profile is removed and no process ``pid`` runs with it (the id may
    have been reused since, by something else)."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        running_it = profile.encode() in cmdline.read_bytes()
    except OSError:
        running_it = False
    return not Path(profile).exists() and not running_it
