"""One odd answer costs only its own resource: unreadable items are skipped and named,
duplicates merged, wrong shapes are protocol errors, and page walks stay bounded and
inside the rate budget (hostile simulator over loopback HTTP, fake-clock scheduler)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from lobstr_tui.api import (
    Balance,
    LobstrClient,
    Me,
    Page,
    ParseError,
    Run,
    RunCredits,
    RunStats,
    Squid,
)
from lobstr_tui.api.paging import MAX_PAGES as SQUID_PAGES_CAP
from lobstr_tui.api.paging import PageWalk, WalkEnd
from lobstr_tui.monitor import LinkState, PollPolicy, Snapshot
from lobstr_tui.monitor.model import merge
from lobstr_tui.monitor.polling.rate_gate import WINDOW_SECONDS
from lobstr_tui.sim import SimServer, World
from lobstr_tui.sim.hostile import BAD_ITEM, DUPLICATES, ENDLESS, NULL_DATA
from tests.conftest import TOKEN
from tests.fake_clock import run_for, settle
from tests.monitor.test_scheduler import squids, watching

ID = "a" * 32


def squid(number: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"{number:032x}", "name": f"squid {number}", **extra}


def envelope(items: list[Any], **extra: Any) -> dict[str, Any]:
    return {"data": items, "total_results": len(items), "limit": 100, "page": 1,
            "total_pages": 1, **extra}


def test_one_unreadable_item_is_skipped_and_named() -> None:
    page = Page.from_api(envelope([squid(1), squid(2, last_run_at="yesterday-ish"),
                                   squid(3)]), Squid.from_api)
    assert [s.name for s in page.items] == ["squid 1", "squid 3"]
    assert page.skipped == ("last_run_at 'yesterday-ish'",)
    assert page.total_results == 2


def test_a_negative_duration_hides_nothing() -> None:
    runs = [{"id": f"{n:032x}", "status": "done", "duration": d}
            for n, d in ((1, 8.0), (2, -4.0), (3, 0))]
    page = Page.from_api(envelope(runs), Run.from_api)
    assert len(page.items) == 3 and page.skipped == ()
    assert [r.oddities for r in page.items] == [(), ("duration -4.0",), ()]


def test_duplicate_ids_are_merged_and_counted() -> None:
    page = Page.from_api(envelope([squid(1), squid(2), squid(1, name="again"), squid(2)]),
                         Squid.from_api)
    assert [s.name for s in page.items] == ["squid 1", "squid 2"]
    assert page.duplicates == 2 and page.total_results == 2


@pytest.mark.parametrize("body", [
    {"data": None}, [squid(1)], {"results": []}, {"data": {"id": ID}}, "data", None,
])
def test_a_body_that_is_not_an_envelope_is_a_parse_error(body: Any) -> None:
    with pytest.raises(ParseError):
        Page.from_api(body, Squid.from_api)


@pytest.mark.parametrize("parse", [Balance.from_api, Me.from_api, RunStats.from_api,
                                   RunCredits.from_api])
@pytest.mark.parametrize("body", [{"data": None}, {}])
def test_an_object_with_none_of_its_fields_is_a_parse_error(parse: Any, body: Any) -> None:
    with pytest.raises(ParseError, match="documented fields"):
        parse(body)


def page_of(number: int, ids: list[int], *, total_pages: int = 1_000_000,
            next_link: str | None = "more") -> Page[Squid]:
    return Page.from_api(envelope([squid(i) for i in ids], page=number,
                                  total_pages=total_pages, next=next_link), Squid.from_api)


def test_walk_stops_at_total_pages() -> None:
    walk: PageWalk[Squid] = PageWalk()
    assert walk.add(page_of(1, [1, 2], total_pages=2, next_link="p2")) == 2
    assert walk.add(page_of(2, [3], total_pages=2, next_link="p3")) is None
    assert walk.end is WalkEnd.LAST_PAGE and not walk.cut_short
    assert [s.name for s in walk.items] == ["squid 1", "squid 2", "squid 3"]


def test_walk_stops_at_a_repeated_page_number_link_or_item_set() -> None:
    same_number: PageWalk[Squid] = PageWalk()
    same_number.add(page_of(1, [1], next_link="a"))
    assert same_number.add(page_of(1, [2], next_link="b")) is None
    assert same_number.end is WalkEnd.REPEATED
    same_link: PageWalk[Squid] = PageWalk()
    same_link.add(page_of(1, [1], next_link="a"))
    assert same_link.add(page_of(2, [2], next_link="a")) is None
    nothing_new: PageWalk[Squid] = PageWalk()
    nothing_new.add(page_of(1, [1, 2], next_link="a"))
    assert nothing_new.add(page_of(2, [2, 1], next_link="b")) is None
    assert nothing_new.end is WalkEnd.REPEATED and nothing_new.duplicates == 2
    assert nothing_new.summary("squid") == "the API sent a squid page twice; showing the 2 read"


def test_walk_stops_at_its_cap() -> None:
    walk: PageWalk[Squid] = PageWalk(cap=3)
    asked = [walk.add(page_of(n, [n], next_link=f"p{n + 1}")) for n in (1, 2, 3)]
    assert asked == [2, 3, None] and walk.end is WalkEnd.CAP and walk.pages == 3


@pytest.fixture
async def hostile(world: World, request: pytest.FixtureRequest) -> AsyncIterator[SimServer]:
    with SimServer(world, token=TOKEN, hostile=request.param) as running:
        yield running


@pytest.mark.parametrize("hostile", [{ENDLESS}], indirect=True)
async def test_client_walk_of_an_endless_list_is_capped(hostile: SimServer) -> None:
    async with LobstrClient(TOKEN, hostile.base_url, timeout=5.0) as client:
        found = await client.all_squids(limit=5)
    assert hostile.requests_by_prefix() == {"squids": 20}
    assert len(found) == 100 and len({s.id for s in found}) == 100


def most_in_any_window(instants: list[float]) -> int:
    return max((sum(1 for t in instants if start <= t < start + WINDOW_SECONDS)
                for start in instants), default=0)


@pytest.mark.parametrize("hostile", [{ENDLESS}], indirect=True)
async def test_monitor_reads_an_endless_list_inside_the_budget(hostile: SimServer,
                                                               world: World) -> None:
    async for watch in watching(hostile, world, PollPolicy(squids_every=5.0)):
        await run_for(watch.clock, watch.scheduler, 180)
        sent = watch.at(squids)
        assert watch.scheduler.gate.budget("squids") == 72  # the API's limit, not reached
        assert sent[:SQUID_PAGES_CAP] == [0.0] * SQUID_PAGES_CAP, "first read: 20 pages"
        assert sent[SQUID_PAGES_CAP] == 5.0, "then the next pass, after one period"
        # 20 pages every 5 s would be 240 a minute: a list this long takes a third of
        # the 30-a-minute request budget, one page every 6 s.
        later = sent[SQUID_PAGES_CAP:]
        assert {round(b - a, 3) for a, b in itertools.pairwise(later)} == {6.0}
        assert most_in_any_window(later) == 10
        assert most_in_any_window(sent) <= SQUID_PAGES_CAP + 10
        snap = watch.snapshot
        assert snap.incomplete["squids"].startswith(
            "the squid list did not end after 20 pages")
        assert len(snap.squids) == len({s.id for s in snap.squids}) == 20 * len(world.squids)
        notes = [e.text for e in watch.events if "did not end" in e.text]
        assert len(notes) == 1, "said once, not at every read"


@pytest.mark.parametrize("hostile", [{DUPLICATES}], indirect=True)
async def test_duplicates_never_reach_the_snapshot_twice(hostile: SimServer,
                                                         world: World) -> None:
    async for watch in watching(hostile, world):
        await run_for(watch.clock, watch.scheduler, 30)
        snap = watch.snapshot
        assert sorted(s.id for s in snap.squids) == sorted(world.squids)
        assert len({r.id for r in snap.runs}) == len(snap.runs) == len(
            world.squids[snap.selected_squid_id or ""].run_ids)
        assert snap.tasks and len({t.id for t in snap.tasks}) == len(snap.tasks)
        assert snap.connection.state is LinkState.LIVE and not snap.errors


@pytest.mark.parametrize("hostile", [{BAD_ITEM}], indirect=True)
async def test_one_bad_squid_is_named_once_and_the_rest_show(hostile: SimServer,
                                                             world: World) -> None:
    async for watch in watching(hostile, world):
        await run_for(watch.clock, watch.scheduler, 60)
        snap = watch.snapshot
        assert watch.at(squids) == [0.0, 25.0, 50.0], "one page of 100"
        assert len(snap.squids) == len(world.squids) - 1, "only the last one is skipped"
        assert snap.skipped["squids"] == ("last_run_at 'yesterday-ish'",)
        texts = [e.text for e in watch.events if "could not be read" in e.text]
        assert texts == ["1 squid could not be read: last_run_at 'yesterday-ish'"]
        odd = [r for r in snap.runs if r.oddities]
        assert [r.oddities for r in odd] == [("duration -4.0",)]
        assert odd[0] is snap.runs[-1]


@pytest.mark.parametrize("hostile", [{NULL_DATA}], indirect=True)
async def test_null_data_everywhere_is_never_a_live_empty_account(hostile: SimServer,
                                                                  world: World) -> None:
    async for watch in watching(hostile, world):
        await settle(watch.scheduler)
        snap = watch.snapshot
        assert snap.squids == () and snap.balance is None and snap.me is None
        assert snap.degraded_resources == ("balance", "me", "squids")
        assert snap.connection.state is LinkState.STALE
        assert snap.connection.detail == ("the API answers, but not in the documented "
                                          "shape (balance, me, squids)")
        await run_for(watch.clock, watch.scheduler, 30)
        unread = [e.text for e in watch.events if e.text.startswith("could not read squids")]
        assert unread == ["could not read squids: data: expected the list of items: null"]


async def test_one_degraded_resource_leaves_the_others_live(server: SimServer,
                                                            world: World) -> None:
    async for watch in watching(server, world, PollPolicy()):
        await settle(watch.scheduler)
        server.faults.add("GET user/balance:wrongshape")
        watch.scheduler.refresh()
        await settle(watch.scheduler)
        snap = watch.snapshot
        assert snap.degraded_resources == ("balance",)
        assert snap.connection.state is LinkState.LIVE
        assert snap.balance is not None, "the last good balance stays"
        server.faults.clear()
        watch.scheduler.refresh()
        await settle(watch.scheduler)
        assert watch.snapshot.degraded_resources == ()


def runs_page(number: int, ids: list[int], *, total: int, pages: int) -> Page[Run]:
    items = [{"id": f"{n:032x}", "squid": ID, "status": "done",
              "created_at": f"2026-10-{30 - n:02d}T00:00:00Z"} for n in ids]
    return Page.from_api(envelope(items, page=number, total_results=total,
                                  total_pages=pages), Run.from_api)


def loaded_head() -> Snapshot:
    head = runs_page(1, [1, 2], total=6, pages=3)
    snap = Snapshot(taken_at=datetime(2026, 11, 2, tzinfo=UTC), selected_squid_id=ID)
    return merge.runs_merged(snap, ID, head.items, total=head.total_results,
                             replace_head=True)


def test_older_runs_go_on_while_pages_bring_new_runs() -> None:
    snap = merge.older_runs_merged(loaded_head(), ID, runs_page(2, [3, 4], total=6, pages=3),
                                   2)
    assert (len(snap.runs), snap.runs_pages, snap.runs_has_more) == (4, 2, True)
    last = merge.older_runs_merged(snap, ID, runs_page(3, [5, 6], total=6, pages=3), 3)
    assert (len(last.runs), last.runs_exhausted, last.runs_has_more) == (6, True, False)


def test_older_runs_stop_at_a_repeated_page() -> None:
    head = loaded_head()
    ignored = merge.older_runs_merged(head, ID, runs_page(1, [1, 2], total=6, pages=3), 2)
    assert ignored.runs_exhausted and not ignored.runs_has_more
    assert len(ignored.runs) == 2, "nothing counted twice"
    same_runs = merge.older_runs_merged(head, ID, runs_page(2, [2, 1], total=6, pages=3), 2)
    assert same_runs.runs_exhausted and [r.id for r in same_runs.runs] == [
        r.id for r in head.runs]


def test_hostile_behaviours_are_named_and_off_by_default(world: World) -> None:
    with pytest.raises(ValueError, match="unknown hostile behaviour 'nasty'"):
        SimServer(world, token=TOKEN, hostile={"nasty"})
    plain = SimServer(world, token=TOKEN)
    try:
        assert plain.hostile is None
    finally:
        plain.stop()
