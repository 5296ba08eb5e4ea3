"""The simulator's control endpoints (/_sim/...) over loopback HTTP, and the World methods
they call."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from lobstr_tui.sim import FaultPlan, SimClock, SimServer, World, build
from lobstr_tui.sim.errors import SimError
from tests.conftest import FROZEN_START, TOKEN

AUTH = {"Authorization": f"Token {TOKEN}"}


def squid_id(world: World, name: str) -> str:
    return next(s.id for s in world.squids.values() if s.name == name)


def active_run(world: World, name: str) -> str:
    return world.squids[squid_id(world, name)].run_ids[0]


@pytest.fixture
def http(server: SimServer) -> Iterator[httpx.Client]:
    root = server.base_url.removesuffix("/v1/")
    with httpx.Client(base_url=root, headers=AUTH, timeout=5) as client:
        yield client


def control(http: httpx.Client, path: str, body: object = None) -> httpx.Response:
    return http.post(f"/_sim/{path}", json=body) if body is not None else http.post(
        f"/_sim/{path}")


def test_pause_then_resume_a_running_run(http: httpx.Client, world: World) -> None:
    run_id = active_run(world, "Google Maps FR restaurants")
    paused = control(http, f"runs/{run_id}/pause",
                     {"reason": "account_blocked", "desc": "the account was blocked"})
    assert paused.status_code == 200
    body = paused.json()
    assert (body["id"], body["status"], body["done_reason"], body["done_reason_desc"]) == (
        run_id, "paused", "account_blocked", "the account was blocked")
    api = http.get(f"/v1/runs/{run_id}").json()
    assert api["status"] == "paused" and api["done_reason"] == "account_blocked"
    resumed = control(http, f"runs/{run_id}/resume")
    assert resumed.status_code == 200 and resumed.json()["status"] == "running"
    assert resumed.json()["done_reason"] is None
    assert world.runs[run_id].status == "running"


def test_pause_with_resume_after_resumes_by_itself(http: httpx.Client, world: World) -> None:
    run_id = active_run(world, "Google Maps FR restaurants")
    reply = control(http, f"runs/{run_id}/pause", {"reason": "request_failed",
                                                   "resume_after": 30})
    assert reply.json()["status"] == "paused"
    world.clock.advance(20)
    assert http.get(f"/v1/runs/{run_id}").json()["status"] == "paused"
    world.clock.advance(15)
    assert http.get(f"/v1/runs/{run_id}").json()["status"] == "running"


def test_error_and_finish(http: httpx.Client, world: World) -> None:
    run_id = active_run(world, "Google Maps FR restaurants")
    errored = control(http, f"runs/{run_id}/error", {"message": "Crawler crashed"})
    assert errored.status_code == 200
    assert (errored.json()["status"], errored.json()["done_reason_desc"]) == (
        "error", "Crawler crashed")
    assert errored.json()["is_done"] is True
    paused_id = active_run(world, "LinkedIn leads SaaS CTOs")
    finished = control(http, f"runs/{paused_id}/finish", {"reason": "no_credits_left"})
    assert finished.status_code == 200
    assert (finished.json()["status"], finished.json()["done_reason"]) == (
        "uploading", "no_credits_left")
    world.clock.advance(5)
    final = http.get(f"/v1/runs/{paused_id}").json()
    assert (final["status"], final["done_reason"], final["export_done"]) == (
        "done", "no_credits_left", True)
    default = build("demo", clock=SimClock(start=FROZEN_START, manual=True))
    run = default.finish_run(default.squids[squid_id(default, "Google Maps FR "
                                                     "restaurants")].run_ids[0])
    assert run.done_reason == "tasks_done", "a finish without a reason is tasks_done"


def test_balance_and_slots(http: httpx.Client, world: World) -> None:
    reply = control(http, "balance", {"available": 500, "consumed": 480})
    assert reply.status_code == 200
    assert (reply.json()["available"], reply.json()["consumed"]) == (500, 480)
    assert http.get("/v1/user/balance").json()["available"] == 500
    only = control(http, "balance", {"consumed": 600}).json()
    assert (only["available"], only["consumed"]) == (500, 600), "remaining may go negative"
    slots = control(http, "slots", {"total": 5})
    assert slots.status_code == 200 and slots.json()["total_available_slots"] == 5
    assert world.account.total_slots == 5
    launch = http.post("/v1/runs", json={"squid": squid_id(world, "Amazon reviews headphones")})
    assert launch.status_code == 400, "no credits left to launch"


def test_clock_advances_a_manual_clock(http: httpx.Client, world: World) -> None:
    run_id = active_run(world, "Google Maps FR restaurants")
    before = world.runs[run_id].total_results
    reply = control(http, "clock", {"advance": 600})
    assert reply.status_code == 200
    assert reply.json()["now"] == "2026-11-02T09:10:00Z" and reply.json()["manual"] is True
    assert world.runs[run_id].total_results > before


def test_clock_of_a_real_time_world_is_refused_clearly() -> None:
    world = build("empty")
    with SimServer(world, token=TOKEN) as server:
        root = server.base_url.removesuffix("/v1/")
        reply = httpx.post(f"{root}/_sim/clock", json={"advance": 60}, headers=AUTH)
    assert reply.status_code == 400 and "real time" in reply.json()["detail"]


def test_new_squid_with_tasks_can_be_launched(http: httpx.Client, world: World) -> None:
    reply = control(http, "squids", {"name": "Fresh squid", "crawler": "Google Maps Search "
                                                                       "Export"})
    assert reply.status_code == 200
    squid = reply.json()
    assert squid["name"] == "Fresh squid" and squid["crawler_name"] == "Google Maps Search Export"
    assert squid["total_runs"] == 0 and squid["last_run"] is None and squid["is_ready"]
    assert len(world.squids[squid["id"]].tasks) == 5
    listed = http.get("/v1/squids", params={"name": "fresh"}).json()
    assert [s["id"] for s in listed["data"]] == [squid["id"]]
    launched = http.post("/v1/runs", json={"squid": squid["id"]})
    assert launched.status_code == 200 and launched.json()["status"] == "pending"
    custom = control(http, "squids", {"name": "Two", "crawler": "X", "tasks": 2}).json()
    assert len(world.squids[custom["id"]].tasks) == 2


@pytest.mark.parametrize(("path", "body", "status", "fragment"), [
    ("runs/RUN/pause", {}, 400, "'reason' is required"),
    ("runs/RUN/pause", {"reason": 5}, 400, "'reason' must be a string"),
    ("runs/RUN/pause", {"reason": "x", "resume_after": -1}, 400, "resume_after"),
    ("runs/RUN/pause", {"reason": "x", "resume_after": "soon"}, 400, "must be a number"),
    ("runs/RUN/pause", {"reason": "x", "why": "y"}, 400, "unknown field 'why'"),
    ("runs/RUN/resume", None, 400, "not paused"),
    ("runs/RUN/resume", {"now": True}, 400, "unknown field 'now'"),
    ("runs/RUN/error", {}, 400, "'message' is required"),
    ("runs/RUN/error", {"message": "  "}, 400, "needs a message"),
    ("runs/DONE/error", {"message": "boom"}, 400, "already done"),
    ("runs/DONE/finish", {}, 400, "only a pending, running or paused run"),
    ("runs/DONE/pause", {"reason": "x"}, 400, "only a running"),
    ("runs/nope/pause", {"reason": "cookies_expired"}, 404, "no run with id 'nope'"),
    ("runs/nope/resume", None, 404, "no run"),
    ("runs/nope/error", {"message": "m"}, 404, "no run"),
    ("runs/nope/finish", None, 404, "no run"),
    ("balance", {}, 400, "give available, consumed or both"),
    ("balance", {"available": -5}, 400, "available must be"),
    ("balance", {"available": True}, 400, "must be a number"),
    ("slots", {"total": 2.5}, 400, "whole number"),
    ("slots", {"total": -1}, 400, "0 to 10000"),
    ("slots", {}, 400, "'total' is required"),
    ("clock", {"advance": 0}, 400, "above 0"),
    ("clock", {"advance": "600"}, 400, "must be a number"),
    ("squids", {"name": "n"}, 400, "'crawler' is required"),
    ("squids", {"name": "", "crawler": "c"}, 400, "name must be"),
    ("squids", {"name": "n", "crawler": "c", "tasks": 0}, 400, "tasks must be"),
    ("runs/RUN/explode", {}, 404, "no control endpoint"),
    ("nothing", {}, 404, "no control endpoint"),
])
def test_bad_control_requests_get_a_clear_message(http: httpx.Client, world: World,
                                                  path: str, body: object, status: int,
                                                  fragment: str) -> None:
    done = next(r.id for r in world.runs.values() if r.status == "done")
    path = path.replace("RUN", active_run(world, "Google Maps FR restaurants")).replace(
        "DONE", done)
    reply = control(http, path, body)
    assert reply.status_code == status
    assert fragment in reply.json()["detail"]
    assert "Traceback" not in reply.text


@pytest.mark.parametrize(("raw", "fragment"), [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b"\xff\xfe", "UTF-8"),
    (b'"cookies_expired"', "must be a JSON object"),
])
def test_unreadable_bodies_are_400(http: httpx.Client, raw: bytes, fragment: str) -> None:
    reply = http.post("/_sim/balance", content=raw,
                      headers={"Content-Type": "application/json"})
    assert reply.status_code == 400 and fragment in reply.json()["detail"]


def test_control_needs_the_token_and_post(server: SimServer, world: World) -> None:
    root = server.base_url.removesuffix("/v1/")
    missing = httpx.post(f"{root}/_sim/slots", json={"total": 1})
    wrong = httpx.post(f"{root}/_sim/slots", json={"total": 1},
                       headers={"Authorization": "Token nope"})
    assert missing.status_code == 401 and wrong.status_code == 401
    assert wrong.json() == {"detail": "Invalid token."}
    assert world.account.total_slots == 20, "nothing changed"
    get = httpx.get(f"{root}/_sim/slots", headers=AUTH)
    assert get.status_code == 405 and "POST" in get.json()["detail"]


def test_control_is_outside_rate_limits_faults_and_the_log() -> None:
    world = build("demo", clock=SimClock(start=FROZEN_START, manual=True))
    faults = FaultPlan()
    faults.add("*:status=500")
    with SimServer(world, token=TOKEN, faults=faults,
                   rate_limits={"user": (1, 60.0), "*": (1, 60.0)}) as server:
        root = server.base_url.removesuffix("/v1/")
        replies = [httpx.post(f"{root}/_sim/slots", json={"total": n}, headers=AUTH)
                   for n in range(1, 6)]
        assert [r.status_code for r in replies] == [200] * 5
        assert all("X-RateLimit-Remaining" not in r.headers for r in replies)
        assert len(server.log) == 0, "control requests are not API traffic"
        faults.clear()
        balance = httpx.get(server.base_url + "user/balance", headers=AUTH)
    assert balance.status_code == 200, "five control requests used none of the 1/min"
    assert balance.json()["total_available_slots"] == 5
    assert [entry.path for entry in server.log] == ["user/balance"]


def test_world_methods_are_the_same_rules(world: World) -> None:
    run_id = active_run(world, "Google Maps FR restaurants")
    assert world.pause_run(run_id, "cookies_expired").status == "paused"
    assert world.resume_run(run_id).status == "running"
    with pytest.raises(SimError) as caught:
        world.resume_run(run_id)
    assert caught.value.status == 400 and "not paused" in caught.value.body["detail"]
    with pytest.raises(SimError) as unknown:
        world.fail_run("0" * 32, "boom")
    assert unknown.value.status == 404
    assert world.fail_run(run_id, "boom").status == "error"
    assert world.set_balance(available=1, consumed=2).remaining == -1
    assert world.set_slots(3).total_slots == 3
    assert world.advance_clock(30) == datetime(2026, 11, 2, 9, 0, 30, tzinfo=UTC)
    squid = world.create_squid("By hand", "Some Crawler", tasks=3)
    assert [t.expected_results for t in squid.tasks] == [20, 27, 23]


def test_world_methods_catch_up_with_the_clock_first(world: World) -> None:
    run = world.start_run(squid_id(world, "Amazon reviews headphones"))
    assert run.status == "pending"
    world.clock.advance(10)
    assert world.pause_run(run.id, "cookies_expired").status == "paused", (
        "the run started running during the 10 s, before the pause")


def test_pace_slows_one_run_and_refuses_nonsense(http: httpx.Client, world: World) -> None:
    run_id = active_run(world, "Google Maps FR restaurants")
    answer = control(http, f"runs/{run_id}/pace", {"factor": 0.1})
    assert answer.status_code == 200 and answer.json()["id"] == run_id
    assert world.runs[run_id].pace == 0.1
    before = world.runs[run_id].total_results
    world.clock.advance(100)
    world.advance()
    slowed = world.runs[run_id].total_results - before
    # Usually 3 results a second (1 a second, 3 at a time): a tenth is about 30 in 100 s.
    assert 10 <= slowed <= 60
    for body, fragment in (({"factor": 0}, "above 0"), ({"factor": -1}, "above 0"),
                           ({"factor": 1000}, "at most 100"), ({}, "'factor' is required"),
                           ({"factor": "slow"}, "must be a number"),
                           ({"pace": 0.5}, "unknown field 'pace'")):
        refused = control(http, f"runs/{run_id}/pace", body)
        assert refused.status_code == 400 and fragment in refused.text, body
    assert control(http, "runs/nope/pace", {"factor": 0.5}).status_code == 404
    ended = next(r.id for r in world.runs.values() if r.status == "done")
    finished = control(http, f"runs/{ended}/pace", {"factor": 0.5})
    assert finished.status_code == 400 and "already done" in finished.text
