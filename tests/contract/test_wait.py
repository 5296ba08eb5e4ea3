"""``lobstr-tui wait`` against the simulator over real HTTP, on a fake clock: every
exit status, the JSON lines, outages and 429s waited through, a run already ended."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest

from lobstr_tui.script.ending import Verdict
from lobstr_tui.script.output import PROGRESS_EVERY, Mode
from lobstr_tui.script.waiter import WaitOptions
from lobstr_tui.sim import SimServer, World
from tests.conftest import FROZEN_START, manual_world
from tests.wait_support import at, hooks, shop_squid, wait_with


@pytest.fixture
def world() -> World:
    """An account with one squid and one run just launched (about 70 s of work)."""
    built = manual_world("empty")
    squid = shop_squid(built)
    built.start_run(squid.id)
    return built


def the_run(world: World) -> str:
    return next(iter(world.runs))


def parsed(lines: list[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in lines]


def csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return len(list(csv.DictReader(handle)))


def files_in(folder: Path) -> list[Path]:
    return list(folder.iterdir())


def stamp(line: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(line["at"]).replace("Z", "+00:00"))


async def test_a_run_that_ends_well_exits_0_with_json_lines(server: SimServer,
                                                            world: World) -> None:
    waited = await wait_with(server, WaitOptions(run_id=the_run(world), period=5))
    assert waited.code == 0
    lines = parsed(waited.lines)
    names = [line["event"] for line in lines]
    assert names[0] in ("run.progress", "run.running")
    assert "run.running" in names and "run.done" in names
    assert names[-1] == "run.end" and names.count("run.end") == 1
    assert names.index("run.running") < names.index("run.done") < names.index("run.end")
    end = lines[-1]
    assert end["verdict"] == "ok" and end["exit_status"] == 0 and end["file"] is None
    assert end["run"]["status"] == "done" and end["run"]["results"] == 100  # type: ignore[index]
    assert end["squid"] == {"id": world.runs[the_run(world)].squid_id,  # type: ignore[attr-defined]
                            "name": "Shop reviews"}
    progress = [line for line in lines if line["event"] == "run.progress"]
    assert len(progress) >= 3
    gaps = [(stamp(b) - stamp(a)).total_seconds() for a, b in pairwise(progress)]
    assert min(gaps) >= PROGRESS_EVERY
    assert {"percent", "tasks", "results", "credits"} <= set(progress[-1]["run"])  # type: ignore[arg-type]
    assert waited.err == ""


async def test_an_error_exits_1(server: SimServer, world: World) -> None:
    run_id = the_run(world)
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5),
                             during=at(20, lambda: world.fail_run(run_id, "crawler crashed")))
    assert waited.code == 1 and waited.ending.verdict is Verdict.FAILED
    lines = parsed(waited.lines)
    assert [line["event"] for line in lines][-2:] == ["run.error", "run.end"]
    assert "crawler crashed" in str(lines[-1]["message"])


async def test_done_with_a_failure_reason_exits_1(server: SimServer, world: World) -> None:
    run_id = the_run(world)
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5),
                             during=at(20, lambda: world.finish_run(run_id, "no_credits_left")))
    assert waited.code == 1
    end = parsed(waited.lines)[-1]
    assert end["run"]["done_reason"] == "no_credits_left"  # type: ignore[index]
    assert "ran out of credits" in str(end["message"])


async def test_an_abort_exits_1(server: SimServer, world: World) -> None:
    run_id = the_run(world)
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5), mode=Mode.PLAIN,
                             during=at(20, lambda: world.abort_run(run_id)))
    assert waited.code == 1
    assert waited.lines[-1].startswith(f"run {run_id[:6]} aborted")


async def test_a_pause_is_said_with_its_reason_and_the_wait_goes_on(
        server: SimServer, world: World) -> None:
    run_id = the_run(world)
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5), mode=Mode.PLAIN,
                             during=hooks(
                                 at(20, lambda: world.pause_run(run_id, "cookies_expired")),
                                 at(200, lambda: world.resume_run(run_id))))
    assert waited.code == 0
    paused = [line for line in waited.lines if "paused:" in line]
    assert len(paused) == 1
    assert "cookies_expired" in paused[0] and "re-sync" in paused[0]
    assert "still waiting" in paused[0]
    assert any("resumed" in line for line in waited.lines)
    assert waited.waited > 200


async def test_the_timeout_exits_3_and_the_run_keeps_going(server: SimServer,
                                                           world: World) -> None:
    run_id = the_run(world)
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5, timeout=30),
                             mode=Mode.PLAIN)
    assert waited.code == 3
    assert 30 <= waited.waited < 31
    assert "timed out after 30s" in waited.lines[-1]
    assert "keeps going" in waited.lines[-1]
    assert world.runs[run_id].is_active


async def test_a_run_already_ended_is_answered_at_once(server: SimServer,
                                                       world: World) -> None:
    run_id = the_run(world)
    world.finish_run(run_id)
    world.clock.advance(30)
    sent = len(server.log)
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5))
    assert waited.code == 0
    assert waited.waited == 0
    assert len(server.log) - sent <= 3  # the run, its squid's name, nothing more


async def test_a_five_minute_outage_is_waited_through(server: SimServer,
                                                      world: World) -> None:
    run_id = the_run(world)
    waited = await wait_with(
        server, WaitOptions(run_id=run_id, period=5), mode=Mode.PLAIN,
        during=hooks(at(10, lambda: server.faults.add("runs:status=503")),
                     at(310, server.faults.clear)))
    assert waited.code == 0
    assert waited.waited > 310
    assert "waiting through it" in waited.err and "answers again" in waited.err
    assert waited.lines[-1].startswith(f"run {run_id[:6]} done")


@pytest.mark.parametrize(("fault", "said", "not_said"), [
    ("drop", "lobstr.io could not be reached for 2m", "answered nothing usable"),
    # Answers that came but could not be read are not "could not be reached".
    ("malformed", "lobstr.io answered nothing usable for 2m", "could not be reached"),
])
async def test_an_outage_past_the_allowance_exits_5(server: SimServer, world: World,
                                                     fault: str, said: str,
                                                     not_said: str) -> None:
    waited = await wait_with(server, WaitOptions(run_id=the_run(world), period=5),
                             allowance=120,
                             during=at(10, lambda: server.faults.add(f"*:{fault}")))
    assert waited.code == 5
    assert 120 <= waited.waited < 140
    end = parsed(waited.lines)[-1]
    assert end["verdict"] == "unreachable" and end["exit_status"] == 5
    assert said in waited.err and not_said not in waited.err
    assert "keeps going" in waited.err


async def test_429s_are_waited_through_after_their_retry_after(server: SimServer,
                                                               world: World) -> None:
    server.faults.add("runs:ratelimit=20*3")
    waited = await wait_with(server, WaitOptions(run_id=the_run(world), period=5))
    assert waited.code == 0
    first = parsed(waited.lines)[0]
    assert (stamp(first) - FROZEN_START).total_seconds() >= 60  # 3 x Retry-After: 20
    assert waited.err.count("waiting through it") == 1
    assert "answers again" in waited.err
    assert len([entry for entry in server.log if entry.status is None]) == 3


async def test_a_refused_token_exits_4(server: SimServer, world: World) -> None:
    waited = await wait_with(server, WaitOptions(run_id=the_run(world)), token="wrong")
    assert waited.code == 4
    assert "refused the token" in waited.err
    assert "wrong" not in waited.err + waited.out


async def test_a_unique_prefix_finds_the_run(server: SimServer, world: World) -> None:
    run_id = the_run(world)
    world.finish_run(run_id)
    world.clock.advance(30)
    waited = await wait_with(server, WaitOptions(run_id=run_id[:8]), mode=Mode.PLAIN)
    assert waited.code == 0
    assert waited.lines[-1].startswith(f"run {run_id[:6]} done")


@pytest.mark.parametrize(("given", "said"), [("abc", "at least 6"),
                                            ("ffffffffff", "no run's id starts with")])
async def test_a_run_that_cannot_be_found_is_a_usage_error(
        server: SimServer, world: World, given: str, said: str) -> None:
    waited = await wait_with(server, WaitOptions(run_id=given), mode=Mode.PLAIN)
    assert waited.code == 2
    assert said in waited.err


async def test_download_saves_the_csv_and_never_replaces_it(
        server: SimServer, world: World, tmp_path: Path) -> None:
    run_id = the_run(world)
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5, download=tmp_path),
                             mode=Mode.PLAIN)
    assert waited.code == 0
    saved = Path(waited.lines[-1])
    assert saved.parent == tmp_path and saved.suffix == ".csv"
    assert csv_rows(saved) == 100
    again = await wait_with(server, WaitOptions(run_id=run_id, download=tmp_path))
    assert again.code == 7
    end = parsed(again.lines)[-1]
    assert end["verdict"] == "download_failed" and end["file"] is None
    assert "already exists" in str(end["message"])


async def test_no_download_after_a_bad_end(server: SimServer, world: World,
                                           tmp_path: Path) -> None:
    run_id = the_run(world)
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5, download=tmp_path),
                             during=at(20, lambda: world.fail_run(run_id, "boom")))
    assert waited.code == 1
    assert files_in(tmp_path) == []


async def test_the_squid_s_active_run_is_waited_on(server: SimServer, world: World) -> None:
    waited = await wait_with(server, WaitOptions(squid="shop REVIEWS", period=5))
    assert waited.code == 0
    assert parsed(waited.lines)[-1]["run"]["id"] == the_run(world)  # type: ignore[index]


async def test_launch_starts_a_run_and_waits_for_it(server: SimServer, world: World) -> None:
    world.finish_run(the_run(world))
    world.clock.advance(30)
    waited = await wait_with(server, WaitOptions(squid="Shop reviews", launch=True, period=5))
    assert waited.code == 0
    assert len(world.runs) == 2
    new = parsed(waited.lines)[-1]["run"]["id"]  # type: ignore[index]
    assert new != the_run(world) and new in world.runs
    assert "launched run" in waited.err


async def test_no_active_run_without_launch_is_a_usage_error(server: SimServer,
                                                             world: World) -> None:
    world.finish_run(the_run(world))
    world.clock.advance(30)
    waited = await wait_with(server, WaitOptions(squid="Shop reviews"), mode=Mode.PLAIN)
    assert waited.code == 2
    assert "no active run" in waited.err and "--launch" in waited.err


async def test_a_refused_launch_exits_6_with_the_reason(server: SimServer,
                                                        world: World) -> None:
    world.finish_run(the_run(world))
    world.clock.advance(30)
    world.set_balance(available=100, consumed=100)
    sent = [entry for entry in server.log if entry.method == "POST"]
    waited = await wait_with(server, WaitOptions(squid="Shop reviews", launch=True))
    assert waited.code == 6
    end = parsed(waited.lines)[-1]
    assert end["verdict"] == "launch_refused"
    assert "no credits left" in str(end["message"])
    assert [entry for entry in server.log if entry.method == "POST"] == sent


async def test_a_squid_without_tasks_is_not_launched(server: SimServer,
                                                      world: World) -> None:
    world.add_squid("Empty squid", "Amazon Reviews Scraper", tasks=[])
    waited = await wait_with(server, WaitOptions(squid="Empty squid", launch=True))
    assert waited.code == 6
    assert "no tasks to run" in str(parsed(waited.lines)[-1]["message"])
    assert not [entry for entry in server.log if entry.method == "POST"]


async def test_a_launch_refused_by_lobstr_exits_6(server: SimServer, world: World) -> None:
    world.finish_run(the_run(world))
    world.clock.advance(30)
    server.faults.add("POST runs:status=409")
    waited = await wait_with(server, WaitOptions(squid="Shop reviews", launch=True))
    assert waited.code == 6
    assert str(parsed(waited.lines)[-1]["message"]).startswith(
        'launch refused for "Shop reviews": ')
    assert len(world.runs) == 1


async def test_plain_lines_hold_no_escape_or_carriage_return(server: SimServer,
                                                             world: World) -> None:
    run_id = the_run(world)
    world.squids[world.runs[run_id].squid_id].name = "evil \x1b]0;title\x07 \r squid"  # type: ignore[attr-defined]
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5), mode=Mode.PLAIN,
                             during=at(20, lambda: world.pause_run(
                                 run_id, "cookies_expired", "\x1b[31mred\x1b[0m\rdesc",
                                 resume_after=10)))
    assert waited.code == 0
    assert "\x1b" not in waited.out + waited.err and "\r" not in waited.out + waited.err
    assert len(waited.lines) >= 4


async def test_the_live_line_is_redrawn_in_place(server: SimServer, world: World) -> None:
    waited = await wait_with(server, WaitOptions(run_id=the_run(world), period=5),
                             mode=Mode.LIVE)
    assert waited.code == 0
    assert "\r\x1b[2K" in waited.out
    assert "read 3s ago" in waited.out
    final = waited.out.rsplit("\r\x1b[2K", 1)[-1]
    assert final.startswith(f"run {the_run(world)[:6]} done") and final.endswith("\n")


async def test_the_budget_is_kept(server: SimServer, world: World) -> None:
    waited = await wait_with(server, WaitOptions(run_id=the_run(world), period=2),
                             budget=10)
    assert waited.code == 0
    sent = len(server.log)
    assert sent > 10  # more than one minute's worth: the cap had to hold them back
    assert sent <= 10 * (waited.waited / 60 + 1)


async def test_progress_that_cannot_be_read_does_not_stop_the_wait(
        server: SimServer, world: World) -> None:
    run_id = the_run(world)
    server.faults.add(f"runs/{run_id}/stats:status=404*2")
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5), mode=Mode.PLAIN)
    assert waited.code == 0
    assert waited.err.count("progress could not be read") == 2


async def test_a_run_that_can_no_longer_be_read_ended_badly(server: SimServer,
                                                            world: World) -> None:
    run_id = the_run(world)
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5), mode=Mode.PLAIN,
                             during=at(20, lambda: server.faults.add(
                                 f"runs/{run_id}:status=404")))
    assert waited.code == 1
    assert waited.lines[-1].startswith(f"run {run_id[:6]} can no longer be read")


async def test_the_timeout_covers_the_download(server: SimServer, world: World,
                                               tmp_path: Path) -> None:
    run_id = the_run(world)
    server.faults.add(f"runs/{run_id}/download:status=404")
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5, timeout=150,
                                                 download=tmp_path), mode=Mode.PLAIN)
    assert waited.code == 3
    assert 150 <= waited.waited < 151
    assert "ended (done) but its CSV was not saved" in waited.lines[-1]
    assert files_in(tmp_path) == []


async def test_a_new_pause_reason_is_said_too(server: SimServer, world: World) -> None:
    run_id = the_run(world)
    waited = await wait_with(server, WaitOptions(run_id=run_id, period=5), mode=Mode.PLAIN,
                             during=hooks(
                                 at(20, lambda: world.pause_run(run_id, "cookies_expired")),
                                 at(60, lambda: world.pause_run(run_id, "logged_out")),
                                 at(100, lambda: world.resume_run(run_id))))
    assert waited.code == 0
    paused = [line for line in waited.lines if "paused:" in line]
    assert [line.split("paused: ")[1].split(":")[0] for line in paused] == [
        "cookies_expired", "logged_out"]
