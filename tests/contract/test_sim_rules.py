"""The simulator's rules, through its HTTP routes and its world."""

from __future__ import annotations

import json

import pytest

from lobstr_tui.sim import FaultPlan, FaultSpecError, SimServer, World, build, parse_spec
from lobstr_tui.sim.routes import Request, Router
from lobstr_tui.sim.server import RateLimiter
from tests.conftest import manual_world


def call(world: World, method: str, path: str, body: object = None,
         **query: str) -> tuple[int, dict]:
    reply = Router(world).handle(Request(method, path, dict(query), body))
    return reply.status, reply.body


def squid_id(world: World, name: str) -> str:
    return next(s.id for s in world.squids.values() if s.name == name)


def test_lifecycle_pending_running_uploading_done() -> None:
    world = manual_world()
    sid = squid_id(world, "Airbnb listings Lisbon")
    status, run = call(world, "POST", "runs", {"squid": sid})
    assert status == 200 and run["status"] == "pending" and run["duration"] == 0
    seen = []
    for _ in range(600):
        world.clock.advance(1)
        _, body = call(world, "GET", f"runs/{run['id']}")
        if not seen or seen[-1] != body["status"]:
            seen.append(body["status"])
        if body["status"] == "done":
            break
    assert seen == ["pending", "running", "uploading", "done"]
    assert body["done_reason"] == "tasks_done" and body["export_done"] is True
    assert isinstance(body["duration"], str) and body["duration"].count(":") == 2
    _, stats = call(world, "GET", f"runs/{run['id']}/stats")
    assert stats["percent_done"] == "100%" and stats["total_tasks_left"] == 0
    assert stats["eta"] == "∞" and "status" not in stats


def test_tasks_finish_one_by_one_in_stats_and_runtasks() -> None:
    world = manual_world()
    sid = squid_id(world, "Indeed jobs Paris data")
    _, run = call(world, "POST", "runs", {"squid": sid})
    done_counts = []
    for _ in range(40):
        world.clock.advance(3)
        _, stats = call(world, "GET", f"runs/{run['id']}/stats")
        done_counts.append(stats["total_tasks_done"])
    assert done_counts == sorted(done_counts) and done_counts[-1] > done_counts[0]
    _, tasks = call(world, "GET", "runtasks", run=run["id"], limit="100")
    completed = [t for t in tasks["data"] if t["status"] == "completed"]
    assert len(completed) == done_counts[-1]
    assert all(t["last_result"] == t["total_results"] for t in completed)


def test_one_active_run_per_squid() -> None:
    world = manual_world()
    sid = squid_id(world, "Airbnb listings Lisbon")
    assert call(world, "POST", "runs", {"squid": sid})[0] == 200
    status, body = call(world, "POST", "runs", {"squid": sid})
    assert status == 400
    assert body == {"error": {"message": "A run is already active for this squid",
                              "type": "validation_error", "param": "squid"}}


def test_abort_uploads_then_settles_aborted() -> None:
    world = manual_world()
    sid = squid_id(world, "Airbnb listings Lisbon")
    _, run = call(world, "POST", "runs", {"squid": sid})
    world.clock.advance(20)
    status, aborted = call(world, "POST", f"runs/{run['id']}/abort")
    assert status == 200
    assert (aborted["status"], aborted["is_done"], aborted["done_reason"]) == (
        "uploading", True, "aborted")
    assert isinstance(aborted["duration"], float)
    world.clock.advance(10)
    _, final = call(world, "GET", f"runs/{run['id']}")
    assert final["status"] == "aborted" and final["export_done"] is True
    _, tasks = call(world, "GET", "runtasks", run=run["id"])
    assert {t["done_reason"] for t in tasks["data"] if t["status"] == "aborted"} == {
        "run_aborted"}
    assert call(world, "POST", f"runs/{run['id']}/abort")[0] == 404
    assert call(world, "POST", "runs", {"squid": sid})[0] == 200, "squid free again"


def test_pause_with_reason_and_resume() -> None:
    world = manual_world()
    sid = squid_id(world, "Booking hotels Rome")
    _, run = call(world, "POST", "runs", {"squid": sid})
    world.clock.advance(10)
    world.pause_run(run["id"], "cookies_expired", "cookies are stale")
    _, paused = call(world, "GET", f"runs/{run['id']}")
    results = paused["total_results"]
    world.clock.advance(30)
    _, still = call(world, "GET", f"runs/{run['id']}")
    assert (still["status"], still["done_reason"], still["done_reason_desc"]) == (
        "paused", "cookies_expired", "cookies are stale")
    assert still["total_results"] == results, "a paused run collects nothing"
    world.resume_run(run["id"])
    world.clock.advance(10)
    _, resumed = call(world, "GET", f"runs/{run['id']}")
    assert resumed["status"] == "running" and resumed["total_results"] > results


def test_planned_pause_resumes_by_itself() -> None:
    world = manual_world()
    sid = squid_id(world, "Booking hotels Rome")
    world_run = world.start_run(sid)
    world.plan_pause(world_run, after_tasks=1, reason="request_failed", resume_after=20)
    statuses = set()
    for _ in range(120):
        world.clock.advance(1)
        statuses.add(call(world, "GET", f"runs/{world_run.id}")[1]["status"])
    assert {"paused", "running"} <= statuses


def test_no_credits_left_ends_or_pauses_by_end_mode() -> None:
    for end_mode, expected in (("no_credit", "uploading"), ("all_tasks", "paused")):
        world = manual_world()
        sid = squid_id(world, "Trustpilot reviews fintech")
        world.squids[sid].end_mode = end_mode
        world.account.consumed = world.account.available - 20
        _, run = call(world, "POST", "runs", {"squid": sid})
        for _ in range(60):
            world.clock.advance(1)
            _, body = call(world, "GET", f"runs/{run['id']}")
            if body["status"] not in ("pending", "running"):
                break
        assert body["status"] == expected and body["done_reason"] == "no_credits_left"
        assert world.account.remaining >= 0
        if end_mode == "all_tasks":
            world.account.available += 500
            world.clock.advance(5)
            assert call(world, "GET", f"runs/{run['id']}")[1]["status"] == "running"


def test_credits_add_up_across_run_breakdown_and_balance() -> None:
    world = manual_world()
    sid = squid_id(world, "Google Maps FR restaurants")
    run_id = world.squids[sid].run_ids[0]
    _, before_balance = call(world, "GET", "user/balance")
    _, before = call(world, "GET", f"runs/{run_id}/credits")
    world.clock.advance(60)
    _, after = call(world, "GET", f"runs/{run_id}/credits")
    _, after_balance = call(world, "GET", "user/balance")
    _, run = call(world, "GET", f"runs/{run_id}")
    assert after["total_credits"] == pytest.approx(sum(b["credits"] for b in after["breakdown"]))
    assert after["total_credits"] == pytest.approx(run["credit_used"])
    spent = after["total_credits"] - before["total_credits"]
    assert spent > 0
    # The balance shows whole credits (as the API does); the run's figures are exact.
    assert after_balance["consumed"] - before_balance["consumed"] == pytest.approx(spent,
                                                                                  abs=1)
    rate = after["rates"]["credits_per_row"] + after["rates"]["get_phone_numbers"]
    assert after["total_credits"] == pytest.approx(after["total_results"] * rate)
    assert [b["credits"] for b in after["breakdown"]] == sorted(
        (b["credits"] for b in after["breakdown"]), reverse=True)


def test_same_seed_same_answers_different_seed_different_ids() -> None:
    def transcript(seed: int) -> str:
        world = manual_world(seed=seed)
        sid = squid_id(world, "Airbnb listings Lisbon")
        bodies = [call(world, "GET", "squids", limit="100"),
                  call(world, "POST", "runs", {"squid": sid})]
        for _ in range(5):
            world.clock.advance(7)
            bodies.append(call(world, "GET", "runs", squid=sid))
        return json.dumps(bodies, sort_keys=True)

    assert transcript(3) == transcript(3)
    assert transcript(3) != transcript(4)


@pytest.mark.parametrize(("query", "expected"), [
    ({"limit": "5", "page": "3"}, (12, 3, 2, 11, 12)),
    ({"limit": "500"}, (12, 1, 12, 1, 12)),
    ({"limit": "-1"}, (12, 2, 10, 1, 10)),
    ({"limit": "x", "page": "2"}, (12, 2, 2, 11, 12)),
    ({}, (12, 2, 10, 1, 10)),
])
def test_pagination_edges(query: dict[str, str], expected: tuple[int, ...]) -> None:
    world = manual_world()
    status, body = call(world, "GET", "squids", **query)
    assert status == 200
    total, pages, count, first, last = expected
    assert (body["total_results"], body["total_pages"], len(body["data"]),
            body["result_from"], body["result_to"]) == (total, pages, count, first, last)
    if body["page"] >= body["total_pages"]:
        assert body["next"] is None


@pytest.mark.parametrize("query", [{"page": "0"}, {"page": "x"}, {"page": "-2"},
                                   {"limit": "5", "page": "4"}, {"page": "50"}])
def test_invalid_or_past_last_pages_are_404_invalid_page(query: dict[str, str]) -> None:
    assert call(manual_world(), "GET", "squids", **query) == (404, {"detail": "Invalid page."})


def test_first_page_of_an_empty_list_is_an_empty_page() -> None:
    status, body = call(manual_world("empty"), "GET", "squids")
    assert status == 200
    assert (body["data"], body["total_pages"], body["result_from"], body["result_to"]) == (
        [], 1, 0, 0)


def test_empty_and_large_scenarios() -> None:
    empty = manual_world("empty")
    assert call(empty, "GET", "squids")[1]["total_results"] == 0
    large = manual_world("large", squids=300, runs=400)
    _, page = call(large, "GET", "squids", limit="100")
    assert page["total_results"] == 300 and page["total_pages"] == 3
    big = squid_id(large, "Big history squid")
    assert call(large, "GET", "runs", squid=big)[1]["total_results"] == 400


def test_schedule_launches_runs_by_itself() -> None:
    world = manual_world()
    sid = squid_id(world, "Google SERP competitors")
    before = len(world.squids[sid].run_ids)
    world.clock.advance(120)
    world.advance()
    newest = world.runs[world.squids[sid].run_ids[0]]
    assert len(world.squids[sid].run_ids) == before + 1 and newest.origin == "schedule"


def test_unauthorised_and_rate_limited_over_http() -> None:
    import httpx

    world = manual_world()
    with SimServer(world, token="t1", rate_limits={"runs": (1, 60.0)}) as server:
        missing = httpx.get(server.base_url + "me")
        wrong = httpx.get(server.base_url + "me", headers={"Authorization": "Token nope"})
        sid = next(iter(world.squids))
        ok = httpx.get(server.base_url + "runs", params={"squid": sid},
                       headers={"Authorization": "Token t1"})
        limited = httpx.get(server.base_url + "runs", params={"squid": sid},
                            headers={"Authorization": "Token t1"})
    assert missing.status_code == 401 and "not provided" in missing.json()["detail"]
    assert wrong.status_code == 401 and wrong.json() == {"detail": "Invalid token."}
    assert ok.headers["X-RateLimit-Remaining"] == "0"
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["type"] == "RateLimitExceeded"


def test_rate_limiter_window_counts_on_its_clock() -> None:
    now = [1000.0]
    limiter = RateLimiter({"runs": (3, 60.0)}, clock=lambda: now[0])
    allowed = [limiter.check("runs")[0] for _ in range(4)]
    assert allowed == [True, True, True, False]
    assert limiter.check("me") == (True, {}), "no limit and no '*': not limited"
    assert limiter.peek("runs")["X-RateLimit-Remaining"] == "0"
    now[0] += 60.0
    assert limiter.check("runs") == (True, {"X-RateLimit-Limit": "3",
                                            "X-RateLimit-Remaining": "2",
                                            "X-RateLimit-Reset": "1120"})


def test_fault_specs() -> None:
    rules = parse_spec("runs:latency=0.5;squids:status=503@0.3;*:ratelimit=5*3;me:drop")
    assert [(r.prefix, r.kind, r.value, r.probability, r.remaining) for r in rules] == [
        ("runs", "latency", 0.5, 1.0, None), ("squids", "status", 503.0, 0.3, None),
        ("*", "ratelimit", 5.0, 1.0, 3), ("me", "drop", 0.0, 1.0, None)]
    plan = FaultPlan(parse_spec("runs:status=500*2"))
    assert [plan.pick("runs/abc") is not None for _ in range(3)] == [True, True, False]
    for bad in ("runs", "runs:explode", "runs:latency=abc", "runs:drop@2"):
        with pytest.raises(FaultSpecError):
            parse_spec(bad)


def test_build_rejects_unknown_scenario() -> None:
    with pytest.raises(ValueError, match="unknown scenario"):
        build("nope")
