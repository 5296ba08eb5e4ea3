"""The first frame's reads sent while the program starts (issue 24): the poll loop's
first requests for the same URLs get those answers, once, over real loopback HTTP."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
import threading

import pytest

from lobstr_tui.api import LobstrClient, NetworkError, Token, UnauthorizedError
from lobstr_tui.api.prefetch import Prefetch, send_first_reads
from lobstr_tui.monitor import FIRST_READS
from lobstr_tui.monitor.polling.first_reads import SQUIDS_PAGE
from lobstr_tui.sim import FaultPlan, SimServer, World
from tests.conftest import TOKEN


async def test_the_first_reads_are_answered_by_what_was_sent_early(
        world: World, server: SimServer) -> None:
    client = LobstrClient(TOKEN, server.base_url, timeout=5.0)
    client.send_early(FIRST_READS)  # before any event loop work, as the command does
    client.settle_early()
    async with client:
        page = await client.squids_page(page=1, limit=100)
        me = await client.me()
        balance = await client.balance()
        assert len(server.log) == 3, "nothing sent twice"
        assert {s.id for s in page.items} == set(world.squids)
        assert me.display_name and balance.available == world.account.available
        # Once only: the next read of the squids goes to the API.
        await client.squids_page(page=1, limit=100)
        assert len(server.log) == 4
    assert sorted(r.path for r in list(server.log)[:3]) == ["me", "squids", "user/balance"]


async def test_an_early_answer_is_the_answer_even_an_error(world: World) -> None:
    with SimServer(world, token="another") as server:
        client = LobstrClient(TOKEN, server.base_url, timeout=5.0)
        client.send_early(FIRST_READS)
        client.settle_early()
        async with client:
            with pytest.raises(UnauthorizedError):
                await client.me()
            assert len(server.log) == 3


async def test_an_early_read_that_failed_is_sent_again() -> None:
    # Nothing listens there: the early reads fail at once, the loop's own go again
    # (and fail as the loop's would, as a network error).
    client = LobstrClient(TOKEN, "http://127.0.0.1:9/v1/", timeout=1.0)
    client.send_early(FIRST_READS)
    async with client:
        with pytest.raises(NetworkError):
            await client.me()


async def test_reads_sent_before_the_client_exists_are_its_answers_once(
        world: World, server: SimServer) -> None:
    # As the command does: the reads leave first (standard library only), the client
    # that takes their answers is made later.
    early = send_first_reads(Token(TOKEN), server.base_url, FIRST_READS)
    early.settle()
    assert len(server.log) == 3
    async with LobstrClient(TOKEN, server.base_url, timeout=5.0, early=early) as client:
        page = await client.squids_page(page=1, limit=SQUIDS_PAGE)
        balance = await client.balance()
        assert {s.id for s in page.items} == set(world.squids)
        assert balance.available == world.account.available
        assert len(server.log) == 3, "answered by what was sent early"
        client.release()  # the first frame is drawn
        await client.squids_page(page=1, limit=SQUIDS_PAGE)
        assert len(server.log) == 4, "an early answer serves once"
    assert {entry.authorization for entry in server.log} == {f"Token {TOKEN}"}


async def test_a_read_whose_connection_dropped_early_is_sent_again(world: World) -> None:
    plan = FaultPlan()
    plan.add("squids:drop*1")  # the early read's connection only
    with SimServer(world, token=TOKEN, faults=plan) as server:
        early = send_first_reads(TOKEN, server.base_url, FIRST_READS)
        early.settle()
        async with LobstrClient(TOKEN, server.base_url, timeout=5.0, early=early) as client:
            client.release()
            page = await client.squids_page(page=1, limit=SQUIDS_PAGE)
            assert {s.id for s in page.items} == set(world.squids)
        assert [entry.path for entry in server.log].count("squids") == 2


async def test_behind_a_proxy_nothing_is_sent_early(
        server: SimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx would go through the proxy; the standard library's reads would not.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    early = send_first_reads(TOKEN, server.base_url, FIRST_READS)
    early.settle()
    assert len(server.log) == 0
    assert early.take(server.base_url + "me") is None


def test_the_reads_leave_before_httpx_the_monitor_and_textual_are_imported(
        server: SimServer) -> None:
    script = (
        "import sys\n"
        "from lobstr_tui.launch import FIRST_READS, send_first_reads\n"
        f"early = send_first_reads({TOKEN!r}, {server.base_url!r}, FIRST_READS)\n"
        "early.settle()\n"
        "print(sorted(m for m in ('httpx', 'textual', 'rich', 'lobstr_tui.api.client',\n"
        "             'lobstr_tui.monitor.polling.scheduler') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "[]"
    assert sorted(entry.path for entry in server.log) == ["me", "squids", "user/balance"]


async def test_with_early_reads_the_other_requests_wait_for_the_first_frame(
        world: World, server: SimServer) -> None:
    early = send_first_reads(TOKEN, server.base_url, FIRST_READS)
    early.settle()
    squid_id = next(iter(world.squids))
    async with LobstrClient(TOKEN, server.base_url, timeout=5.0, early=early) as client:
        await client.squids_page(page=1, limit=SQUIDS_PAGE)  # an early answer: at once
        runs = asyncio.ensure_future(client.runs_page(squid_id))
        for _ in range(50):
            await asyncio.sleep(0)
        assert not runs.done() and len(server.log) == 3, "held until the frame is drawn"
        client.release()  # what the app does once its first frame is on screen
        await runs
        assert [entry.path for entry in server.log][3:] == ["runs"]


def test_an_https_api_gets_a_verifying_ssl_context_from_the_early_reads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing is sent
    secure = Prefetch("https://api.example.test/v1/", {}, FIRST_READS).start()
    context = secure.ssl_context()
    assert context is not None and context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname and context.get_ca_certs(), "httpx's trust: certifi"
    # An http API needs none before the first frame: the client makes its own later.
    assert Prefetch("http://127.0.0.1:9/v1/", {}, FIRST_READS).start().ssl_context() is None


async def test_without_a_thread_to_send_them_the_loop_reads_everything(
        world: World, server: SimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refused)
    early = send_first_reads(TOKEN, server.base_url, FIRST_READS)
    monkeypatch.undo()
    early.settle()  # nothing to wait for
    assert early.take(server.base_url + "me") is None
    async with LobstrClient(TOKEN, server.base_url, timeout=5.0, early=early) as client:
        client.release()
        assert (await client.me()).display_name
    assert [entry.path for entry in server.log] == ["me"]
