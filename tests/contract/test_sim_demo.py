"""The demo lives: on a manual clock, watched over loopback HTTP, every status change
happens within 10 minutes at speed 1 and within 1 minute at speed 10."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import httpx
import pytest

from lobstr_tui.sim import SimServer, World
from tests.conftest import TOKEN, manual_world

Seen = tuple[str, str | None]  # (status, done_reason)


@dataclass
class Watch:
    """Every run's status changes as an API client saw them, with the time they were seen."""

    at_start: dict[str, Seen]
    history: dict[str, list[tuple[float, Seen]]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    def changes(self) -> list[tuple[float, str, Seen, Seen]]:
        """(time, run id, before, after) for every change seen."""
        found = []
        for run_id, steps in self.history.items():
            for (_, before), (at, after) in pairwise(steps):
                found.append((at, run_id, before, after))
        return sorted(found)


def watch_demo(world: World, *, seconds: int, step: int) -> Watch:
    """Advance the world in steps, reading every squid's runs over HTTP at each step."""
    # No rate limits: this reads far more often than a client may (not what is tested).
    with SimServer(world, token=TOKEN, rate_limits={}) as server, httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Token {TOKEN}"},
            timeout=5) as http:
        watch = Watch(at_start={r.id: (r.status, r.done_reason) for r in world.runs.values()})
        for elapsed in range(0, seconds + 1, step):
            if elapsed:
                world.clock.advance(step)
            squids = http.get("squids", params={"limit": 100}).json()["data"]
            for squid in squids:
                runs = http.get("runs", params={"squid": squid["id"], "limit": 3}).json()
                for run in runs["data"]:
                    watch.origins[run["id"]] = run["origin"]
                    steps = watch.history.setdefault(run["id"], [])
                    now: Seen = (run["status"], run["done_reason"])
                    if not steps or steps[-1][1] != now:
                        steps.append((float(elapsed), now))
        return watch


def assert_every_transition(watch: Watch) -> None:
    changes = watch.changes()
    new_runs = [run_id for run_id in watch.history if run_id not in watch.at_start]
    assert any(watch.origins[run_id] == "schedule" for run_id in new_runs), (
        "a scheduled squid launched by itself")
    assert any(before == ("paused", "cookies_expired") and after[0] == "running"
               for _, _, before, after in changes), "the paused run resumed"
    assert any(before[0] == "running" and after[0] == "paused"
               and after[1] not in (None, "cookies_expired")
               for _, _, before, after in changes), "another run paused for another reason"
    assert any(after[0] == "error" and before[0] != "error"
               for _, _, before, after in changes), "a run errored"
    assert any(after == ("done", "tasks_done") and before[0] != "done"
               for _, _, before, after in changes), "a run finished"


def test_demo_shows_every_transition_within_ten_minutes_at_speed_1() -> None:
    watch = watch_demo(manual_world(), seconds=600, step=5)
    assert_every_transition(watch)
    early = [change for change in watch.changes() if change[0] <= 85]
    assert early == [], "the first minute and a half is the demo as it always was"


def test_demo_shows_every_transition_within_one_minute_at_speed_10() -> None:
    watch = watch_demo(manual_world(speed=10), seconds=60, step=1)
    assert_every_transition(watch)


@pytest.mark.parametrize("speed", [1, 10])
def test_the_start_instant_is_the_old_demo(speed: int) -> None:
    world = manual_world(speed=speed)
    statuses = sorted(r.status for r in world.runs.values() if r.is_active)
    assert len(world.squids) == 12 and statuses == ["paused", "running"]
    paused = next(r for r in world.runs.values() if r.status == "paused")
    assert paused.done_reason == "cookies_expired" and paused.pause_left is None
    assert {r.status for r in world.runs.values()} == {"done", "aborted", "error", "running",
                                                       "paused"}
