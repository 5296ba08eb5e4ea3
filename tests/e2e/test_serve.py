"""``--serve``: the shared proxy (answers shared between viewers on a fake clock, the
token added by it and never held by viewers, writes refused when read-only), and the
real served command: page, password, viewer cap, and the request rate of 1 and 3
viewers counted at the simulator."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from lobstr_tui.api import LobstrClient, LobstrError, Token
from lobstr_tui.api.client import ACCEPTED_AGE
from lobstr_tui.serve.proxy import SharedProxy
from lobstr_tui.serve.server import full_page, is_loopback
from lobstr_tui.sim import SimClock, SimServer, build
from tests.conftest import FROZEN_START, TOKEN, manual_world
from tests.ui_support import REAL_TIME_LIMIT_FACTOR, squid_id

REPO = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@asynccontextmanager
async def proxy_for(server: SimServer, clock: Clock, *, allow_actions: bool = False
                    ) -> AsyncIterator[SharedProxy]:
    proxy = SharedProxy(server.base_url, Token(TOKEN), "viewer-key", clock=clock,
                        allow_actions=allow_actions)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


async def poll(client: LobstrClient, period: float, read: str, target: str) -> None:
    """One poll as the scheduler makes it: with the period as the accepted age."""
    ACCEPTED_AGE.set(period)
    if read == "stats":
        await client.run_stats(target)
    else:
        await client.squids_page(limit=100)


@pytest.mark.parametrize("viewers", [1, 3])
async def test_viewers_polling_the_same_resources_share_answers(viewers: int) -> None:
    world = manual_world()
    run_id = next(r.id for r in world.runs.values() if r.status == "running")
    clock = Clock()
    with SimServer(world, token=TOKEN) as server:
        async with proxy_for(server, clock) as proxy:
            clients = [LobstrClient("viewer-key", proxy.base_url, age_hints=True)
                       for _ in range(viewers)]
            # Each viewer polls stats every 5 s and the squid list every 25 s, out of
            # phase with the others; 10 minutes of fake time in 0.5 s steps.
            phases = [i * 10 // viewers for i in range(viewers)]  # in 0.5 s steps
            for step in range(1200):
                clock.t = 1000.0 + step * 0.5
                for client, phase in zip(clients, phases, strict=True):
                    if step >= phase and (step - phase) % 10 == 0:
                        await poll(client, 5.0, "stats", run_id)
                    if step >= phase and (step - phase) % 50 == 0:
                        await poll(client, 25.0, "squids", "")
            for client in clients:
                await client.aclose()
            upstream = [e for e in list(server.log) if e.prefix in ("runs", "squids")]
    # One viewer: one request per poll (120 stats + 24 squid lists in 10 minutes); three
    # viewers: no more than one viewer costs, give or take the phase.
    print(f"{viewers} viewer(s): {len(upstream)} upstream requests, {proxy.shared_answers} shared")
    assert proxy.upstream_requests == len(upstream)
    assert len(upstream) <= 144 * 1.2 if viewers == 3 else len(upstream) == 144
    if viewers == 3:
        assert proxy.shared_answers >= 2 * 144 * 0.8


async def test_the_proxy_adds_the_token_and_refuses_writes_and_strangers() -> None:
    world = manual_world()
    clock = Clock()
    with SimServer(world, token=TOKEN) as server:
        async with proxy_for(server, clock) as proxy:
            viewer = LobstrClient("viewer-key", proxy.base_url, age_hints=True)
            me = await viewer.me()
            assert me.email
            assert all(e.authorization == f"Token {TOKEN}" for e in list(server.log))
            squid = squid_id(world, "Amazon reviews headphones")
            with pytest.raises(LobstrError) as refused:
                await viewer.start_run(squid)
            assert "read-only" in refused.value.message
            stranger = LobstrClient("guess", proxy.base_url)
            with pytest.raises(LobstrError) as unknown:
                await stranger.me()
            assert unknown.value.status_code == 401  # type: ignore[attr-defined]
            await viewer.aclose()
            await stranger.aclose()
        async with proxy_for(server, clock, allow_actions=True) as proxy:
            viewer = LobstrClient("viewer-key", proxy.base_url)
            started = await viewer.start_run(squid)
            assert started.status.is_active
            await viewer.aclose()


def test_loopback_and_the_full_page() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    assert "All 3 viewer places are taken" in full_page(3)


# -- the served command ------------------------------------------------------------------

PASSWORD = "open sesame"
READS = 10
"""The window of a measure: ten polls of the selected run's stats (about 50 s)."""


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A running ``lobstr-tui --serve``: its URL, process and output."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    output: Path
    token: str | None
    """This launch's token, read off the link it printed (None with a password)."""

    @property
    def link(self) -> str:
        """The link it printed to open once."""
        assert self.token is not None
        return f"{self.url}/?token={self.token}"

    def log(self) -> str:
        return self.output.read_text(errors="replace")

    def viewer_pids(self) -> list[int]:
        """The viewer processes it started (their command line says ``--viewer``)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if os.getpgid(int(entry.name)) != self.process.pid:
                    continue
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except (OSError, ProcessLookupError):
                continue
            if b"--viewer" in command and b"lobstr_tui" in command:
                found.append(int(entry.name))
        return found


@contextmanager
def served(server: SimServer, tmp_path: Path, *extra: str, password: bool = True,
           env: dict[str, str] | None = None) -> Iterator[Served]:
    """``lobstr-tui --serve`` against the simulator (with ``--serve-password-file``
    unless ``password`` is False: then the link it prints). Its output goes to a file (a
    pipe nobody reads would fill up and stop it)."""
    options = list(extra)
    if password:
        secret = tmp_path / "password"
        secret.write_text(PASSWORD + "\n")
        options += ["--serve-password-file", str(secret)]
    output = tmp_path / "serve.log"
    port = free_port()
    environ = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path),
               **(env if env is not None else {"LOBSTR_TOKEN": TOKEN})}
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "lobstr_tui", "--serve", "--base-url", server.base_url,
             "--port", str(port), *options],
            cwd=REPO, env=environ, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        for _ in range(600):  # bounded: until it says it serves (or it ended)
            if "serving the cockpit" in output.read_text(errors="replace"):
                break
            if process.poll() is not None:
                break
            time.sleep(0.05)
        text = output.read_text(errors="replace")
        assert "serving the cockpit" in text, text[-2000:]
        link = re.search(r"open (http://\S+/\?token=(\S+))", text)
        assert (link is None) == password, text
        yield Served(f"http://127.0.0.1:{port}", port, process, output,
                     link.group(2) if link else None)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def auth(password: str = PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"me:{password}".encode()).decode()}


class Viewer:
    """A browser tab as the server sees it: a websocket kept open and read."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url
        self.frames: list[bytes | str] = []
        self.task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        ws = await self.session.ws_connect(self.url.replace("http", "ws") + "/ws?width=120"
                                           "&height=40", headers=auth())

        async def read() -> None:
            async for message in ws:
                self.frames.append(message.data)
            await ws.close()

        self.task = asyncio.create_task(read())

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


def requests_between(server: SimServer, start: float, end: float) -> int:
    return sum(1 for e in list(server.log) if start <= e.at < end)


@contextmanager
def demo_sim() -> Iterator[SimServer]:
    """The demo world running in real time, its rate limits widened for a loaded CI."""
    world = build("demo", seed=1, clock=SimClock(start=FROZEN_START))
    with SimServer(world, token=TOKEN) as server:
        server.limiter.limits = {prefix: (limit * REAL_TIME_LIMIT_FACTOR, window)
                                 for prefix, (limit, window) in server.limiter.limits.items()}
        yield server


@pytest.fixture
def live_sim() -> Iterator[SimServer]:
    with demo_sim() as server:
        yield server


async def until(condition: Callable[[], bool], what: str, limit: float = 120.0) -> None:
    """Wait (bounded) for a condition; the limit only matters on failure."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def stats_reads(server: SimServer) -> list[float]:
    """When the simulator answered a run's stats (the selected run's 5 s poll)."""
    return [e.at for e in list(server.log) if e.path.endswith("/stats")]


async def requests_per_stats_read(server: SimServer, reads: int) -> float:
    """Requests answered between two stats reads ``reads`` apart, per read: a window
    measured in polls, not seconds, so a slow machine gives the same figure."""
    first = len(stats_reads(server))
    await until(lambda: len(stats_reads(server)) >= first + reads + 1, "stats reads")
    times = stats_reads(server)
    start, end = times[first], times[first + reads]
    return requests_between(server, start, end) / reads


async def test_served_page_password_cap_and_three_viewers_for_the_price_of_one(
        live_sim: SimServer, tmp_path: Path) -> None:
    with served(live_sim, tmp_path, "--serve-max-viewers", "3") as serving:
        url = serving.url
        async with aiohttp.ClientSession() as session:
            async with session.get(url + "/") as page:
                assert page.status == 401 and "Basic" in page.headers["WWW-Authenticate"]
            async with session.get(url + "/", headers=auth("wrong")) as page:
                assert page.status == 401
            async with session.get(url + "/", headers=auth()) as page:
                assert page.status == 200 and "/ws" in await page.text()
                assert TOKEN not in await page.text()
                # The password is traded for a session cookie, as the link's token is.
                given = page.headers["Set-Cookie"]
                assert "HttpOnly" in given and "SameSite=Strict" in given
                cookie = given.split(";", 1)[0]
            async with session.get(url + "/", headers={"Cookie": cookie}) as page:
                assert page.status == 200 and "/ws" in await page.text()
            viewers = [Viewer(session, url) for _ in range(3)]
            await viewers[0].open()
            await until(lambda: len(stats_reads(live_sim)) >= 3, "the first viewer polling")
            one = await requests_per_stats_read(live_sim, READS)
            for viewer in viewers[1:]:
                await viewer.open()
            async with session.get(url + "/", headers=auth()) as page:
                assert page.status == 503
                assert "All 3 viewer places are taken" in await page.text()
            await until(lambda: all(len(v.frames) > 10 for v in viewers), "every screen")
            first = len(stats_reads(live_sim))
            await until(lambda: len(stats_reads(live_sim)) >= first + 3, "warm")
            three = await requests_per_stats_read(live_sim, READS)
            for viewer in viewers:
                await viewer.close()
            # An address that keeps giving a wrong password is slowed (the right one
            # waits too); a browser that already has its session cookie is not.
            # (The waits themselves are timed on a fake clock in test_serve_gate.)
            statuses: list[int] = []
            retry = None
            for _ in range(30):  # bounded: until the address is slowed
                async with session.get(url + "/", headers=auth("guess")) as page:
                    statuses.append(page.status)
                    retry = page.headers.get("Retry-After")
                if statuses[-1] == 429:
                    break
            assert statuses[:4] == [401] * 4 and statuses[-1] == 429, statuses
            assert retry is not None and int(retry) >= 1
            # (the page itself may still be full while the closed viewers end)
            async with session.get(url + "/static/js/textual.js",
                                   headers={"Cookie": cookie}) as page:
                assert page.status == 200
            assert "refused 127.0.0.1: too many wrong passwords" in serving.log()
            assert PASSWORD not in serving.log()
            frames = b"".join(f if isinstance(f, bytes) else f.encode() for v in viewers
                              for f in v.frames)
            assert TOKEN.encode() not in frames
    print(f"requests per stats poll (about 5 s): one viewer {one:.2f}, "
          f"three viewers {three:.2f}")
    assert one > 1 and three <= 1.2 * one
