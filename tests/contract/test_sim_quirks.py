"""Quirks mode: every documented answer variant, at random but seeded, and the app's client
parsing all of them (over loopback HTTP)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from lobstr_tui.api import LobstrClient, RateLimitedError, StatusKind
from lobstr_tui.sim import SimServer, World
from lobstr_tui.sim.quirks import VARIANTS, eta_words
from tests.conftest import TOKEN, manual_world

FIXTURES = Path(__file__).parents[1] / "fixtures" / "docs"
ETA_IN_WORDS = re.compile(r"^\d+ (minutes?|seconds?)$")


class Recorder(httpx.AsyncBaseTransport):
    """Loopback HTTP that keeps every answer's decoded body, as the client received it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.answers: list[tuple[str, str, int, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        path = request.url.path.removeprefix("/v1/")
        self.answers.append((request.method, path, response.status_code,
                             json.loads(content) if content else None))
        return httpx.Response(response.status_code, headers=response.headers,
                              content=content, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def bodies(self, method: str, pattern: str) -> list[Any]:
        """Bodies of the answers to ``method`` on paths matching ``pattern``."""
        return [body for m, path, _, body in self.answers
                if m == method and re.fullmatch(pattern, path)]


def squid_id(world: World, name: str) -> str:
    return next(s.id for s in world.squids.values() if s.name == name)


def fixture_keys(name: str) -> set[str]:
    return set(json.loads((FIXTURES / name).read_text()))


async def test_the_client_parses_every_variant_and_sees_each() -> None:
    world = manual_world()
    maps = squid_id(world, "Google Maps FR restaurants")
    running = world.squids[maps].run_ids[0]
    paused = world.squids[squid_id(world, "LinkedIn leads SaaS CTOs")].run_ids[0]
    finished = next(r for r in world.squids[maps].run_ids if world.runs[r].status == "done")
    amazon = squid_id(world, "Amazon reviews headphones")
    recorder = Recorder()
    throttled: list[str] = []
    warnings: list[str] = []
    seen_plans: Counter[tuple[str, ...]] = Counter()
    with SimServer(world, token=TOKEN, quirks=True) as server:
        async with LobstrClient(TOKEN, server.base_url, timeout=5, transport=recorder) as api:
            for _ in range(25):
                me = await api.me()
                assert (me.display_name, me.email) == ("Ada Lovelace", world.account.email)
                seen_plans[me.plan_names] += 1
                assert (await api.balance()).available == world.account.available
                squids = await api.squids_page(limit=100)
                assert {s.id for s in squids.items} == set(world.squids)
                detail = await api.squid(maps)
                assert detail.last_run_status is not None
                assert detail.last_run_status.kind is StatusKind.RUNNING
                runs = await api.runs_page(maps)
                assert runs.items[0].status.kind is StatusKind.RUNNING
                assert (await api.run(running)).status.kind is StatusKind.RUNNING
                for run_id in (running, paused, finished):
                    stats = await api.run_stats(run_id)
                    assert stats.total_results == world.runs[run_id].total_results
                await api.run_credits(running)
                await api.run_tasks_page(running)
                started = await api.start_run(amazon)
                aborted = await api.abort_run(started.id)
                assert aborted.id == started.id
                assert aborted.status.kind in (StatusKind.UPLOADING, StatusKind.ABORTED)
                for _ in range(3):  # results allow 2 a second: the third is a 429
                    try:
                        page = await api.results_page(finished, limit=5)
                    except RateLimitedError as error:
                        assert error.retry_after is not None
                        throttled.append(error.message)
                    else:
                        assert page.total_results == world.runs[finished].total_results
                        if page.warning:
                            warnings.append(page.warning)
                world.clock.advance(5)
        assert server.quirks is not None and set(server.quirks.sent) == set(VARIANTS)

    # The variants as they travelled, each at least once, next to the usual answers.
    etas = {body["eta"] for body in recorder.bodies("GET", r"runs/[^/]+/stats")}
    assert {"", "0s", "∞"} <= etas
    assert any(ETA_IN_WORDS.match(eta) for eta in etas)
    assert any(re.match(r"^\d+:\d\d:\d\d\.\d{6}$", eta) for eta in etas)
    current = [body["current_task"] for body in recorder.bodies("GET", rf"runs/{paused}/stats")]
    assert None in current and "" in current
    me_shapes = {frozenset(body) for body in recorder.bodies("GET", "me")}
    assert frozenset(fixture_keys("GET_me__docs-authentication.json")) in me_shapes
    assert len(me_shapes) == 2 and seen_plans[()] > 0 and seen_plans[("Professional",)] > 0
    aborts = recorder.bodies("POST", r"runs/[^/]+/abort")
    assert {"status": "aborted"} in aborts and any("id" in body for body in aborts)
    statuses = {body["status"] for body in recorder.bodies("GET", rf"runs/{running}")}
    assert statuses == {"running", "RUNNING"}
    listed = {body["data"][0]["status"] for body in recorder.bodies("GET", "runs")}
    assert listed == {"running", "RUNNING"}
    squid_statuses = {item["last_run_status"] for body in recorder.bodies("GET", "squids")
                      for item in body["data"] if item["id"] == maps}
    assert squid_statuses == {"running", "RUNNING"}
    assert any(m.startswith("Request was throttled. Expected available in") for m in throttled)
    assert "Rate limit exceeded. Please try again later." in throttled
    assert warnings and warnings[0].startswith("Export limit reached")


def test_quirk_bodies_have_the_reference_shapes(world: World) -> None:
    with SimServer(world, token=TOKEN, quirks=True, rate_limits={"me": (1, 60.0)}) as server, (
            httpx.Client(base_url=server.base_url,
                         headers={"Authorization": f"Token {TOKEN}"}, timeout=5)) as http:
        replies = [http.get("me") for _ in range(40)]
    limited = [r.json() for r in replies if r.status_code == 429]
    assert len(limited) == 39
    detail = [body for body in limited if "detail" in body]
    assert detail and set(detail[0]) == fixture_keys("ERROR_429_detail__docs-errors.json")
    assert detail[0]["detail"] == "Request was throttled. Expected available in 60 seconds."
    flat = [body for body in limited if "detail" not in body]
    assert flat and set(flat[0]) == fixture_keys("ERROR_429__docs-rate-limiting.json")


def _transcript(seed: int | None) -> list[Any]:
    world = manual_world()
    running = world.squids[squid_id(world, "Google Maps FR restaurants")].run_ids[0]
    with SimServer(world, token=TOKEN, quirks=True, quirks_seed=seed) as server, (
            httpx.Client(base_url=server.base_url,
                         headers={"Authorization": f"Token {TOKEN}"}, timeout=5)) as http:
        answers = []
        for _ in range(30):
            answers.append(http.get("me").json())
            answers.append(http.get(f"runs/{running}/stats").json()["eta"])
            answers.append(http.get(f"runs/{running}").json()["status"])
            world.clock.advance(1)
    return answers


def test_quirks_are_deterministic_for_a_seed() -> None:
    assert _transcript(None) == _transcript(1), "the default seed is the world's"
    assert _transcript(5) == _transcript(5)
    assert _transcript(5) != _transcript(6)


def test_without_quirks_no_variant_is_sent(server: SimServer, world: World) -> None:
    running = world.squids[squid_id(world, "Google Maps FR restaurants")].run_ids[0]
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {TOKEN}"},
                      timeout=5) as http:
        for _ in range(20):
            assert "plan" in http.get("me").json()
            assert http.get(f"runs/{running}").json()["status"] == "running"
    assert server.quirks is None


@pytest.mark.parametrize(("seconds", "text"), [
    (133.0, "2 minutes"), (60.0, "1 minute"), (75.0, "1 minute"), (45.2, "45 seconds"),
    (0.4, "1 second"), (3600.0, "60 minutes"),
])
def test_eta_in_words(seconds: float, text: str) -> None:
    assert eta_words(seconds) == text
