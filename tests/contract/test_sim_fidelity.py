"""The simulator's answers against the API reference: raw HTTP on 127.0.0.1 compared with
the reference bodies in tests/fixtures/docs/ and the documented behaviour."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from lobstr_tui.sim import SimServer, World
from tests.conftest import FROZEN_START, TOKEN, manual_world

FIXTURES = Path(__file__).parents[1] / "fixtures" / "docs"
AUTH = {"Authorization": f"Token {TOKEN}"}
# Objects whose keys are data (crawler parameters, function names), not fields.
FREE_FORM = frozenset({"params", "rates", "function_colors"})
NAIVE_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
NAIVE_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
TIMEDELTA_MICROS = re.compile(r"^\d+:\d\d:\d\d\.\d{6}$")
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def missing_keys(reference: Any, actual: Any, where: str = "") -> list[str]:
    """Keys the reference body has (at any depth) that the actual body lacks."""
    if isinstance(reference, dict):
        if not isinstance(actual, dict):
            return [f"{where or '.'}: not an object"]
        found = []
        for key, value in reference.items():
            if key not in actual:
                found.append(f"{where}.{key}")
            elif key not in FREE_FORM:
                found += missing_keys(value, actual[key], f"{where}.{key}")
        return found
    if isinstance(reference, list) and reference and isinstance(actual, list) and actual:
        return missing_keys(reference[0], actual[0], f"{where}[0]")
    return []


def squid_id(world: World, name: str) -> str:
    return next(s.id for s in world.squids.values() if s.name == name)


@pytest.fixture
def http(server: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=5) as client:
        yield client


Call = Callable[[httpx.Client, World], httpx.Response]


def _maps(world: World) -> str:
    return squid_id(world, "Google Maps FR restaurants")


def _running(world: World) -> str:
    return world.squids[_maps(world)].run_ids[0]


def _finished(world: World) -> str:
    return next(world.runs[r].id for r in world.squids[_maps(world)].run_ids
                if world.runs[r].status == "done" and world.runs[r].export_done)


ENDPOINTS: list[tuple[str, int, Call]] = [
    ("GET_me__docs-user-me.json", 200, lambda h, w: h.get("me")),
    ("GET_user_balance__docs-get-balance.json", 200, lambda h, w: h.get("user/balance")),
    ("GET_squids__docs-list-squids.json", 200, lambda h, w: h.get("squids")),
    ("GET_squids_id__docs-get-squid-details.json", 200,
     lambda h, w: h.get(f"squids/{_maps(w)}")),
    ("GET_runs_by_squid__docs-list-runs.json", 200,
     lambda h, w: h.get("runs", params={"squid": _maps(w)})),
    ("GET_runs_id__docs-get-run.json", 200, lambda h, w: h.get(f"runs/{_finished(w)}")),
    ("GET_runs_id_stats__docs-get-run-stats.json", 200,
     lambda h, w: h.get(f"runs/{_finished(w)}/stats")),
    ("GET_runs_id_credits__docs-get-run-credits.json", 200,
     lambda h, w: h.get(f"runs/{_running(w)}/credits")),
    ("GET_runs_id_download__docs-download-run.json", 200,
     lambda h, w: h.get(f"runs/{_finished(w)}/download")),
    ("GET_runtasks_by_run__docs-get-run-tasks.json", 200,
     lambda h, w: h.get("runtasks", params={"run": _running(w)})),
    ("POST_runs__docs-start-run.json", 200,
     lambda h, w: h.post("runs", json={"squid": squid_id(w, "Amazon reviews headphones")})),
    ("POST_runs_id_abort__docs-abort-run.json", 200,
     lambda h, w: h.post(f"runs/{_running(w)}/abort")),
    ("POST_runs_400__docs-start-run.json", 400,
     lambda h, w: h.post("runs", json={"squid": _maps(w)})),
    ("POST_runs_id_abort_404__docs-abort-run.json", 404,
     lambda h, w: h.post(f"runs/{_finished(w)}/abort")),
    ("GET_runs_id_404__docs-get-run.json", 404, lambda h, w: h.get(f"runs/{'0' * 32}")),
    ("GET_runs_id_stats_404__docs-get-run-stats.json", 404,
     lambda h, w: h.get(f"runs/{'0' * 32}/stats")),
    ("GET_runs_id_credits_404__docs-get-run-credits.json", 404,
     lambda h, w: h.get(f"runs/{'0' * 32}/credits")),
    ("GET_runs_id_download_404__docs-download-run.json", 404,
     lambda h, w: h.get(f"runs/{'0' * 32}/download")),
    ("ERROR_400_get_results__docs-get-results.json", 400, lambda h, w: h.get("results")),
    ("ERROR_401_list_accounts__docs-list-accounts.json", 401,
     lambda h, w: h.get("me", headers={"Authorization": "Token wrong"})),
]


@pytest.mark.parametrize(("name", "status", "call"), ENDPOINTS,
                         ids=[name.split("__")[0] for name, _, _ in ENDPOINTS])
def test_every_reference_key_is_sent(http: httpx.Client, world: World, name: str,
                                     status: int, call: Call) -> None:
    reply = call(http, world)
    assert reply.status_code == status
    reference = fixture(name)
    assert missing_keys(reference, reply.json()) == []
    if status >= 400:
        assert reply.json() == reference, "error bodies are the documented ones"


def test_squid_items_carry_the_documented_list_fields(http: httpx.Client,
                                                      world: World) -> None:
    items = http.get("squids", params={"limit": 100}).json()["data"]
    for item in items:
        assert item["icon"].startswith("https://") and item["icon"].endswith(".png")
        for delivery in ("google_sheet_fields", "ftp_fields", "s3_fields", "webhook_fields"):
            assert item[delivery]["is_active"] is False
        assert "download_url" in item
    maps = next(i for i in items if i["id"] == _maps(world))
    last = world.runs[world.squids[_maps(world)].run_ids[0]]
    assert last.status == "running" and maps["download_url"] is None, "no export yet"
    ready = next(i for i in items if i["download_url"])
    export = httpx.get(ready["download_url"], timeout=5)
    assert export.status_code == 200 and export.text.startswith("id,object,squid,run")


def test_number_and_time_formats_are_the_reference_ones(http: httpx.Client,
                                                        world: World) -> None:
    balance = http.get("user/balance").json()
    for key in ("available", "consumed", "bonus_credit", "rollover_credit"):
        assert type(balance[key]) is int, key
    assert world.account.consumed % 1 != 0, "the world counts fractions; the API does not"
    detail = http.get(f"squids/{_maps(world)}").json()
    assert NAIVE_MICROS.match(detail["created_at"])
    listed = http.get("squids", params={"name": "maps"}).json()["data"][0]
    assert listed["created_at"].endswith("Z")
    run = http.get(f"runs/{_running(world)}").json()
    assert TIMEDELTA_MICROS.match(run["duration"]), run["duration"]
    assert NAIVE_MICROS.match(run["created_at"]) and run["email_verification"] is None
    stats = http.get(f"runs/{_running(world)}/stats").json()
    assert TIMEDELTA_MICROS.match(stats["duration"]) and TIMEDELTA_MICROS.match(stats["eta"])
    assert NAIVE_SECONDS.match(stats["started_at"]) and NAIVE_SECONDS.match(
        stats["updated_at"])
    item = http.get("runs", params={"squid": _maps(world)}).json()["data"][0]
    assert isinstance(item["duration"], float) and item["created_at"].endswith("Z")
    assert "email_verification" not in item, "only GET runs/{id} has it"


def results_pace(world: World) -> Callable[[httpx.Request], None]:
    """A request hook keeping to ``results``' 2 requests a second on the manual clock."""
    def wait(request: httpx.Request) -> None:
        if request.url.path.endswith("/results"):
            world.clock.advance(1)
    return wait


@pytest.mark.parametrize("path", ["squids", "runs", "runtasks", "results"])
def test_a_page_past_the_last_is_404_invalid_page(http: httpx.Client, world: World,
                                                  path: str) -> None:
    http.event_hooks["request"] = [results_pace(world)]
    query = {"squids": {}, "runs": {"squid": _maps(world)},
             "runtasks": {"run": _running(world)}, "results": {"run": _finished(world)}}[path]
    last = http.get(path, params={**query, "limit": 10}).json()
    assert last["total_pages"] >= 1
    tail = http.get(path, params={**query, "limit": 10, "page": last["total_pages"]}).json()
    assert tail["result_to"] == tail["total_results"] and tail["next"] is None
    assert tail["result_from"] == (tail["page"] - 1) * 10 + 1
    beyond = http.get(path, params={**query, "limit": 10, "page": last["total_pages"] + 1})
    assert beyond.status_code == 404 and beyond.json() == {"detail": "Invalid page."}
    far = http.get(path, params={**query, "limit": 10, "page": last["total_pages"] + 40})
    assert far.status_code == 404


def test_results_filter_by_task(http: httpx.Client, world: World) -> None:
    http.event_hooks["request"] = [results_pace(world)]
    run_id = _finished(world)
    everything = http.get("results", params={"run": run_id, "limit": 100}).json()
    tasks = http.get("runtasks", params={"run": run_id, "limit": 100}).json()["data"]
    second = tasks[1]
    assert 0 < second["last_result"] < everything["total_results"]
    by_hash = http.get("results", params={"run": run_id, "task": second["task"],
                                          "limit": 100}).json()
    assert by_hash["total_results"] == second["last_result"]
    offset = tasks[0]["last_result"]
    expected = [row["id"] for row in everything["data"][offset:offset + second["last_result"]]]
    assert [row["id"] for row in by_hash["data"]] == expected
    by_runtask = http.get("results", params={"run": run_id, "task": second["id"]}).json()
    assert by_runtask["total_results"] == second["last_result"]
    squid_wide = http.get("results", params={"squid": _maps(world), "task": second["task"]})
    assert squid_wide.json()["total_results"] >= second["last_result"]
    none = http.get("results", params={"run": run_id, "task": "0" * 32}).json()
    assert (none["total_results"], none["data"]) == (0, [])


@pytest.mark.parametrize(("path", "headers", "status"), [
    ("me", AUTH, 200),
    ("me", {}, 401),
    ("me", {"Authorization": "Token wrong"}, 401),
    (f"runs/{'0' * 32}", AUTH, 404),
    ("no/such/route", AUTH, 404),
    ("runs", AUTH, 400),
])
def test_rate_limit_headers_on_every_answer(server: SimServer, path: str,
                                            headers: dict[str, str], status: int) -> None:
    reply = httpx.get(server.base_url + path, headers=headers, timeout=5)
    assert reply.status_code == status
    for name in RATE_HEADERS:
        assert reply.headers[name].isdigit(), name


def test_a_path_outside_the_api_has_rate_headers_too(server: SimServer) -> None:
    reply = httpx.get(server.base_url.removesuffix("v1/") + "elsewhere", timeout=5)
    assert reply.status_code == 404 and "X-RateLimit-Limit" in reply.headers


def test_unauthenticated_answers_do_not_count(server: SimServer) -> None:
    first = httpx.get(server.base_url + "me", headers=AUTH, timeout=5)
    for _ in range(3):
        httpx.get(server.base_url + "me", headers={"Authorization": "Token x"}, timeout=5)
    second = httpx.get(server.base_url + "me", headers=AUTH, timeout=5)
    remaining = int(first.headers["X-RateLimit-Remaining"])
    assert int(second.headers["X-RateLimit-Remaining"]) == remaining - 1


def test_rate_limit_window_moves_with_a_manual_clock() -> None:
    world = manual_world()
    start = int(FROZEN_START.timestamp())
    with SimServer(world, token=TOKEN, rate_limits={"squids": (2, 60.0)}) as server, (
            httpx.Client(base_url=server.base_url, headers=AUTH, timeout=5)) as http:
        first = http.get("squids")
        assert first.headers["X-RateLimit-Reset"] == str(start + 60)
        world.clock.advance(10)
        assert http.get("squids").status_code == 200
        limited = http.get("squids")
        assert limited.status_code == 429
        assert (limited.headers["Retry-After"], limited.headers["X-RateLimit-Reset"]) == (
            "50", str(start + 60))
        world.clock.advance(30)
        assert http.get("squids").headers["Retry-After"] == "20"
        world.clock.advance(20)
        freed = http.get("squids")
        assert freed.status_code == 200, "the first request left the window"
        assert freed.headers["X-RateLimit-Remaining"] == "0"
        assert freed.headers["X-RateLimit-Reset"] == str(start + 70)
