"""The first frame's reads sent while the program starts (issue 24): the poll loop's
first requests for the same URLs get those answers, once, over real loopback HTTP."""

from __future__ import annotations

import pytest

from lobstr_tui.api import LobstrClient, NetworkError, UnauthorizedError
from lobstr_tui.monitor import FIRST_READS
from lobstr_tui.sim import SimServer, World
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
