"""The client against the simulator over loopback HTTP: endpoints, errors, headers."""

from __future__ import annotations

import pytest

from lobstr_tui.api import (
    BusinessError,
    LobstrClient,
    NetworkError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    RequestRecord,
    ServerError,
    StatusKind,
    UnauthorizedError,
)
from lobstr_tui.api.urls import USER_AGENT, normalise_base_url
from lobstr_tui.sim import SimServer, World
from tests.conftest import TOKEN, manual_world


def _squid_by_name(world: World, name: str) -> str:
    return next(s.id for s in world.squids.values() if s.name == name)


async def test_me_and_balance(client: LobstrClient, world: World) -> None:
    me = await client.me()
    assert me.display_name == "Ada Lovelace" and me.plan_names == ("Professional",)
    balance = await client.balance()
    assert balance.available == world.account.available
    assert balance.consumed == round(world.account.consumed), "whole credits, as the API"
    assert balance.used_slots == world.used_slots


async def test_squid_pages_iterate_all(client: LobstrClient, world: World) -> None:
    first = await client.squids_page(limit=5)
    assert (first.total_results, first.total_pages, len(first.items)) == (12, 3, 5)
    assert first.next is not None and "page=2" in first.next
    everything = await client.all_squids(limit=5)
    assert sorted(s.id for s in everything) == sorted(world.squids)


async def test_squid_name_filter_is_case_insensitive_partial(client: LobstrClient) -> None:
    page = await client.squids_page(name="maps")
    assert [s.name for s in page.items] == ["Google Maps FR restaurants"]


async def test_squid_detail(client: LobstrClient, world: World) -> None:
    squid_id = _squid_by_name(world, "LinkedIn leads SaaS CTOs")
    squid = await client.squid(squid_id)
    assert squid.last_run_status is not None
    assert squid.last_run_status.kind is StatusKind.PAUSED
    assert squid.last_run_status.raw == "PAUSED"
    assert squid.last_run == world.squids[squid_id].run_ids[0]


async def test_runs_stats_credits_tasks_of_the_running_run(client: LobstrClient,
                                                           world: World) -> None:
    squid_id = _squid_by_name(world, "Google Maps FR restaurants")
    runs = await client.runs_page(squid_id)
    active = runs.items[0]
    assert active.status.kind is StatusKind.RUNNING
    sim_run = world.runs[active.id]
    assert active.total_results == sim_run.total_results
    started = [r.started_at for r in runs.items if r.started_at]
    assert started == sorted(started, reverse=True), "runs come newest first"
    detail = await client.run(active.id)
    assert detail.duration == pytest.approx(40.0)
    stats = await client.run_stats(active.id)
    assert stats.total_tasks == len(sim_run.tasks)
    assert stats.total_results == sim_run.total_results
    assert stats.current_task and stats.current_task.startswith("https://www.google.com/maps")
    credits = await client.run_credits(active.id)
    assert credits.total_credits == pytest.approx(sim_run.credit_used)
    assert {line.function for line in credits.breakdown} == {"base", "get_phone_numbers"}
    tasks = await client.run_tasks_page(active.id, limit=100)
    assert len(tasks.items) == len(sim_run.tasks)
    assert sum(t.last_result for t in tasks.items) == sim_run.total_results


async def test_start_and_abort(client: LobstrClient, world: World) -> None:
    squid_id = _squid_by_name(world, "Amazon reviews headphones")
    run = await client.start_run(squid_id)
    assert run.status.kind is StatusKind.PENDING and run.squid == squid_id
    aborted = await client.abort_run(run.id)
    assert aborted.status.kind is StatusKind.UPLOADING and aborted.is_done
    assert aborted.done_reason == "aborted"
    with pytest.raises(NotFoundError, match="already completed"):
        world.clock.advance(10)
        await client.abort_run(run.id)


@pytest.mark.parametrize(("squid_name", "error_type", "fragment"), [
    ("Google Maps FR restaurants", "RunInProgress", "already active"),
    ("YouTube comments launch", "NoTasksPresent", "no active tasks"),
    ("Leboncoin immo Lyon", "SquidNotReady", "not ready"),
])
async def test_launch_refusals_are_business_errors(client: LobstrClient, world: World,
                                                   squid_name: str, error_type: str,
                                                   fragment: str) -> None:
    with pytest.raises(BusinessError) as caught:
        await client.start_run(_squid_by_name(world, squid_name))
    assert caught.value.error_type == error_type
    assert fragment in caught.value.message


async def test_not_enough_balance(client: LobstrClient, world: World) -> None:
    world.account.consumed = world.account.available - 0.5
    with pytest.raises(BusinessError) as caught:
        await client.start_run(_squid_by_name(world, "Amazon reviews headphones"))
    assert caught.value.error_type == "NotEnoughBalance"
    assert "Not enough credits" in caught.value.message


async def test_download_processing_then_url_then_csv(client: LobstrClient,
                                                     world: World) -> None:
    squid_id = _squid_by_name(world, "Amazon reviews headphones")
    run = await client.start_run(squid_id)
    world.clock.advance(8)
    await client.abort_run(run.id)
    processing = await client.download_info(run.id)
    assert processing.processing and processing.url is None
    world.clock.advance(10)
    ready = await client.download_info(run.id)
    assert ready.url is not None
    data = await client.fetch_export(ready.url)
    lines = data.decode().splitlines()
    assert lines[0].startswith("id,object,squid,run,scraping_time")
    assert len(lines) - 1 == world.runs[run.id].total_results


async def test_results_page(client: LobstrClient, world: World) -> None:
    squid_id = _squid_by_name(world, "Google Maps FR restaurants")
    run_id = world.squids[squid_id].run_ids[1]
    page = await client.results_page(run_id, limit=10)
    assert page.total_results == world.runs[run_id].total_results
    assert len(page.items) == 10 and page.items[0].run == run_id
    assert "rating" in page.items[0].values


@pytest.mark.parametrize(("call", "message"), [
    (lambda c: c.run("0" * 32), "Run not found"),
    (lambda c: c.run_stats("0" * 32), "Run not found"),
    (lambda c: c.run_credits("0" * 32), "Run not found."),
    (lambda c: c.squid("0" * 32), "Not found."),
    (lambda c: c.download_info("0" * 32), "Run not found or export not ready"),
    (lambda c: c.abort_run("0" * 32), "Run not found or already completed"),
])
async def test_not_found_messages_from_each_body_shape(client: LobstrClient, call,
                                                       message: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        await call(client)
    assert caught.value.message == message and caught.value.status_code == 404


async def test_wrong_token_is_unauthorized_and_never_echoed(server: SimServer) -> None:
    secret = "tok_should_never_show_4242"
    async with LobstrClient(secret, server.base_url) as bad:
        with pytest.raises(UnauthorizedError) as caught:
            await bad.me()
    assert caught.value.message == "Invalid token."
    assert secret not in str(caught.value) and secret not in repr(caught.value)
    assert secret not in repr(bad)


async def test_rate_limit_headers_are_exposed(server: SimServer,
                                              client: LobstrClient) -> None:
    records: list[RequestRecord] = []
    client.on_response = records.append
    await client.squids_page()
    limit = client.rate_limits["squids"]
    assert limit.limit == 120 and limit.remaining == 119 and limit.reset_at is not None
    assert records[-1].prefix == "squids" and records[-1].status_code == 200
    assert records[-1].rate_limit == limit


async def test_429_carries_retry_after() -> None:
    world = manual_world()
    with SimServer(world, token=TOKEN, rate_limits={"squids": (2, 60.0)}) as server:
        async with LobstrClient(TOKEN, server.base_url) as api:
            await api.squids_page()
            await api.squids_page()
            with pytest.raises(RateLimitedError) as caught:
                await api.squids_page()
    assert caught.value.retry_after is not None and 1 <= caught.value.retry_after <= 60
    assert caught.value.message == "Rate limit exceeded. Please try again later."
    assert api.rate_limits["squids"].remaining == 0


@pytest.mark.parametrize(("spec", "error_class", "message"), [
    ("me:status=503", ServerError, "Something went wrong"),
    ("me:html", ServerError, "HTTP 502: 502 Bad Gateway"),
    ("me:empty", ServerError, "HTTP 502 with an empty body"),
    ("me:malformed", ProtocolError, "not JSON"),
    ("me:ratelimit=7", RateLimitedError, "Rate limit exceeded"),
])
async def test_fault_answers_become_typed_errors(server: SimServer, client: LobstrClient,
                                                 spec: str, error_class: type,
                                                 message: str) -> None:
    server.faults.add(spec)
    with pytest.raises(error_class) as caught:
        await client.me()
    assert message in caught.value.message
    server.faults.clear()
    assert (await client.me()).email == "ada@acme.example"


async def test_wrong_shape_is_a_parse_error(server: SimServer, client: LobstrClient) -> None:
    server.faults.add("runs:wrongshape*1")
    squid_id = next(iter(server.world.squids))
    with pytest.raises(ProtocolError):
        await client.runs_page(squid_id)


async def test_dropped_connection_and_timeout_are_network_errors(server: SimServer) -> None:
    server.faults.add("me:drop*1;user:hang=3*1")
    async with LobstrClient(TOKEN, server.base_url, timeout=0.5) as api:
        with pytest.raises(NetworkError) as dropped:
            await api.me()
        assert dropped.value.kind == "reset"
        with pytest.raises(NetworkError) as hung:
            await api.balance()
        assert hung.value.kind == "timeout"


async def test_refused_connection_is_a_network_error() -> None:
    with SimServer(manual_world()) as gone:
        url = gone.base_url
    async with LobstrClient(TOKEN, url, timeout=1.0) as api:
        with pytest.raises(NetworkError) as caught:
            await api.me()
    assert caught.value.kind == "refused"


async def test_requests_carry_token_and_user_agent(server: SimServer,
                                                   client: LobstrClient) -> None:
    await client.me()
    assert server.log[-1].authorization == f"Token {TOKEN}"
    assert USER_AGENT.startswith("lobstr-tui/")


def test_base_url_normalisation() -> None:
    assert normalise_base_url("http://127.0.0.1:8750/v1") == "http://127.0.0.1:8750/v1/"
    assert normalise_base_url("https://api.lobstr.io/v1/") == "https://api.lobstr.io/v1/"
    for bad in ("ftp://x/v1/", "api.lobstr.io/v1", "", "http:///v1"):
        with pytest.raises(ValueError, match="http"):
            normalise_base_url(bad)
