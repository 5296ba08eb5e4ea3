"""``--serve`` tried from the attacker's side, over real HTTP and websockets against the
served command (the browser itself is in test_serve_browser): a page of another site, a
sandboxed page (``Origin: null``), DNS rebinding (a foreign Host), no secret, a wrong
secret, another session's download. Each is refused before a viewer process starts, is
logged with the address and reason and never the secret. And what must still work: the
printed link traded for a cookie, the page's own websocket, a program with the token,
a download for the session that asked for it, and no token in a viewer's environment."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import aiohttp
import pyte
import pytest

from lobstr_tui.sim import SimServer
from tests.conftest import TOKEN
from tests.e2e.test_serve import Served, demo_sim, served

SECRET_VARIABLE = "MY_LOBSTR_WORK_TOKEN"
"""The profile's ``token_env``: not LOBSTR_TOKEN, so only a scrub by value removes it."""
EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with demo_sim() as server:
        yield server


@pytest.fixture(scope="module")
def serving(sim: SimServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Served with actions allowed (the worst case), the token from a profile's
    ``token_env``, and the link's token (no password file)."""
    folder = tmp_path_factory.mktemp("serve-security")
    config = folder / "lobstr" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[profiles.work]\ntoken_env = "{SECRET_VARIABLE}"\n')
    with served(sim, folder, "--profile", "work", "--serve-allow-actions", password=False,
                env={SECRET_VARIABLE: TOKEN}) as server:
        yield server


async def handshake(serving: Served, path: str = "/ws?width=100&height=30", *,
                    cookie: str | None = None, **headers: str) -> int:
    """The status a websocket handshake gets (101 when it opened; closed at once)."""
    sent = dict(headers)
    if cookie:
        sent["Cookie"] = cookie
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(serving.url.replace("http", "ws") + path,
                                          headers=sent)
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status
        await ws.close()
        return 101


async def get(serving: Served, path: str, **headers: str
              ) -> tuple[int, str, Mapping[str, str]]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session, \
            session.get(serving.url + path, headers=headers, allow_redirects=False) as answer:
        return answer.status, await answer.text(), answer.headers


async def session_cookie(serving: Served, host: str | None = None) -> str:
    """Open the printed link as a browser does; the session cookie it gives."""
    headers = {"Host": host} if host else {}
    status, body, answer = await get(serving, f"/?token={serving.token}&fontsize=14",
                                     **headers)
    assert status == 200, body
    given = answer["Set-Cookie"]
    assert "HttpOnly" in given and "SameSite=Strict" in given and "Path=/" in given
    # The page replaces its address with one without the token, keeping the rest.
    assert "location.replace(" in body and "fontsize=14" in body
    assert serving.token not in body  # type: ignore[operator]
    return given.split(";", 1)[0]


def viewer_environments(serving: Served) -> list[bytes]:
    """What each viewer process of ``serving`` has in /proc/PID/environ."""
    return [Path(f"/proc/{pid}/environ").read_bytes() for pid in serving.viewer_pids()]


def _log_lines(serving: Served, word: str) -> list[str]:
    return [line for line in serving.log().splitlines() if word in line]


async def test_pages_of_other_sites_and_rebound_names_start_no_viewer(
        serving: Served, sim: SimServer) -> None:
    cookie = await session_cookie(serving)
    own = f"http://127.0.0.1:{serving.port}"
    before = len(_log_lines(serving, "refused"))
    viewers = len(serving.viewer_pids())
    # Another site's page, even in a browser that holds the session (Basic or cookie).
    assert await handshake(serving, cookie=cookie, Origin=EVIL) == 403
    assert await handshake(serving, cookie=cookie, Origin=f"{EVIL}:{serving.port}") == 403
    # A sandboxed frame or a data: page.
    assert await handshake(serving, cookie=cookie, Origin="null") == 403
    # DNS rebinding: the page's own origin, but under the attacker's name.
    rebound = f"evil.example:{serving.port}"
    assert await handshake(serving, cookie=cookie, Host=rebound,
                           Origin=f"http://{rebound}") == 403
    status, body, _ = await get(serving, f"/?token={serving.token}", Host=rebound)
    assert status == 403 and body.count("\n") == 0 and "Host" in body
    # A program with no Origin and no secret, a wrong one, an old cookie.
    assert await handshake(serving) == 403
    assert await handshake(serving, "/ws?token=guess") == 403
    assert await handshake(serving, cookie=cookie[:-2] + "xx", Origin=own) == 403
    # Keys sent over a refused socket cannot launch anything: none was ever opened.
    assert len(serving.viewer_pids()) == viewers
    assert not any(e.method == "POST" for e in list(sim.log))
    refused = _log_lines(serving, "refused")[before:]
    reasons = " | ".join(refused)
    for reason in ("foreign Origin 'http://evil.example'", "null Origin",
                   "foreign Host 'evil.example:", "no secret on /ws", "wrong token"):
        assert reason in reasons, reasons
    assert all(line.startswith("lobstr-tui: refused 127.0.0.1: ") for line in refused)
    # The secret is in the output once: the link printed to open.
    assert serving.log().count(serving.token or "") == 1
    assert cookie.split("=", 1)[1] not in serving.log()


async def test_pages_static_files_and_no_listing(serving: Served) -> None:
    status, body, _ = await get(serving, "/")
    assert status == 403 and "link" in body and body.count("\n") == 0
    status, _, _ = await get(serving, "/?token=" + "A" * 43)
    assert status == 403
    status, _, _ = await get(serving, "/static/js/textual.js")
    assert status == 403
    cookie = await session_cookie(serving)
    status, body, answer = await get(serving, "/", Cookie=cookie)
    assert status == 200 and f"ws://127.0.0.1:{serving.port}/ws" in body
    assert answer["X-Frame-Options"] == "DENY" and answer["Referrer-Policy"] == "no-referrer"
    status, script, _ = await get(serving, "/static/js/textual.js", Cookie=cookie)
    assert status == 200 and "WebSocket" in script
    status, listing, _ = await get(serving, "/static/", Cookie=cookie)
    assert status in (403, 404) and "textual.js" not in listing
    # Every path and method passes the gate: an unknown path, HEAD, OPTIONS (a
    # preflight), a POST.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        for method, path in (("GET", "/nothing-here"), ("HEAD", "/"), ("OPTIONS", "/ws"),
                             ("POST", "/"), ("GET", "/download/some-key")):
            async with session.request(method, serving.url + path) as answer:
                assert answer.status == 403, (method, path, answer.status)
            async with session.request(method, serving.url + path,
                                       headers={"Cookie": cookie}) as answer:
                assert answer.status != 403, (method, path)
                assert answer.headers["Cache-Control"] == "no-store"
    # Opened as localhost, the page's websocket stays on localhost (cookies are per name).
    local = await session_cookie(serving, host=f"localhost:{serving.port}")
    status, body, _ = await get(serving, "/", Cookie=local, Host=f"localhost:{serving.port}")
    assert status == 200 and f"ws://localhost:{serving.port}/ws" in body


class Terminal:
    """A websocket viewer as a program would hold one, with the screen it draws."""

    def __init__(self) -> None:
        self.screen = pyte.Screen(120, 40)
        self.stream = pyte.ByteStream(self.screen)
        self.envelopes: list[list[object]] = []

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.stream.feed(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                self.envelopes.append(json.loads(message.data))

    async def wait(self, check: object, what: str, limit: float = 90.0) -> None:
        deadline = time.monotonic() + limit
        while not (check(self) if callable(check) else str(check) in self.text()):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{self.text()}")
            await asyncio.sleep(0.1)


async def test_the_own_page_a_program_and_downloads_of_their_session(
        serving: Served) -> None:
    own = f"http://127.0.0.1:{serving.port}"
    cookie = await session_cookie(serving)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        # The page's own websocket, with its cookie: a live cockpit.
        page = await session.ws_connect(serving.url.replace("http", "ws") + "/ws?width=120"
                                        "&height=40", headers={"Origin": own,
                                                               "Cookie": cookie})
        browser = Terminal()
        reading = asyncio.create_task(browser.read(page))
        await browser.wait("Google Maps FR restaurants", "the page's cockpit")
        # The viewer's environment holds the viewer key, never the API token (which came
        # from the variable the profile names).
        for environ in viewer_environments(serving):
            assert TOKEN.encode() not in environ
            assert SECRET_VARIABLE.encode() not in environ
            assert b"LOBSTR_VIEWER_KEY=" in environ
        assert serving.viewer_pids(), "a viewer was started for the page"
        await page.close()
        reading.cancel()

        # A program shows the token itself, without an Origin; its download is its own.
        program = await session.ws_connect(serving.url.replace("http", "ws")
                                           + f"/ws?width=120&height=40&token={serving.token}")
        terminal = Terminal()
        reading = asyncio.create_task(terminal.read(program))
        await terminal.wait('Runs of "Google Maps FR restaurants"', "the program's cockpit")
        for _ in range(3):
            await program.send_json(["stdin", "j"])
        await terminal.wait('Runs of "Amazon reviews headphones"', "the fourth squid")
        await terminal.wait("tasks_done", "its runs (d needs the selected run)")
        await program.send_json(["stdin", "d"])
        await terminal.wait(lambda t: any(e[0] == "deliver_file_start" for e in t.envelopes),
                            "the download offered")
        key = next(e[1] for e in terminal.envelopes if e[0] == "deliver_file_start")
        path = f"/download/{key}"
        status, _, _ = await get(serving, path)  # no session at all
        assert status == 403
        status, _, _ = await get(serving, path, Cookie=cookie)  # a browser's session
        assert status == 404
        status, _, _ = await get(serving, f"{path}?token={serving.token}",
                                 Host=f"evil.example:{serving.port}")
        assert status == 403
        status, _, _ = await get(serving, f"{path}?token={serving.token}", Origin=EVIL)
        assert status == 403
        status, csv, answer = await get(serving, f"{path}?token={serving.token}")
        assert status == 200 and "attachment" in answer["Content-Disposition"]
        # The account's data is kept in no cache, and its type is not guessed.
        assert answer["Cache-Control"] == "no-store"
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert csv.count("\n") > 1 and TOKEN not in csv
        await program.close()
        reading.cancel()
    assert "download of another session" in serving.log()
    assert f"127.0.0.1 GET {path} 200" in serving.log()
    assert "token=" not in serving.log().replace(f"?token={serving.token}", "", 1)
