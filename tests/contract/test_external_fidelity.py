"""External fidelity: the official lobstr SDK and CLI work against the simulator."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lobstrio import LobstrClient as SdkClient

from lobstr_tui.sim import SimServer, World
from tests.conftest import TOKEN, manual_world

pytestmark = pytest.mark.external

LOBSTR_CLI = Path(sys.executable).with_name("lobstr")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(manual_world(), token=TOKEN) as server:
        yield server


def _maps(world: World) -> str:
    return next(s.id for s in world.squids.values() if s.name.startswith("Google Maps"))


def test_sdk_parses_every_monitor_endpoint(sim: SimServer) -> None:
    world = sim.world
    sdk = SdkClient(token=TOKEN, base_url=sim.base_url)
    try:
        squids = list(sdk.squids.iter(limit=5))
        assert sorted(s.id for s in squids) == sorted(world.squids)
        maps = sdk.squids.get(_maps(world))
        assert maps.crawler_name == "Google Maps Search Export"
        assert maps.last_run_status == "RUNNING"
        runs = sdk.runs.list(squid=maps.id)
        run_id = world.squids[maps.id].run_ids[0]
        assert runs[0].id == run_id and runs[0].status == "running"
        run = sdk.runs.get(run_id)
        assert run.total_results == world.runs[run_id].total_results
        stats = sdk.runs.stats(run_id)
        assert stats.percent_done.endswith("%") and stats.total_tasks == len(
            world.runs[run_id].tasks)
        tasks = sdk.runs.tasks(run_id, limit=100)
        assert len(tasks) == len(world.runs[run_id].tasks)
        balance = sdk.balance()
        assert balance.total_available_slots == 20
        me = sdk.me()
        assert me.email == "ada@acme.example"
    finally:
        sdk.close()


def _cli(sim: SimServer, *args: str) -> str:
    env = {**os.environ, "LOBSTR_API_BASE": sim.base_url, "LOBSTR_TOKEN": TOKEN,
           "XDG_CONFIG_HOME": "/nonexistent-lobstr-tui-test", "COLUMNS": "200",
           "NO_COLOR": "1"}
    done = subprocess.run([str(LOBSTR_CLI), *args], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, f"lobstr {' '.join(args)} failed: {done.stderr[-500:]}"
    return done.stdout


def test_cli_squid_ls(sim: SimServer) -> None:
    out = _cli(sim, "squid", "ls")
    for squid in sim.world.squids.values():
        assert squid.id[:12] in out


def test_cli_run_ls_show_stats(sim: SimServer) -> None:
    world = sim.world
    squid_id = _maps(world)
    run_id = world.squids[squid_id].run_ids[0]
    listing = _cli(sim, "run", "ls", squid_id)
    assert run_id in listing and "running" in listing
    shown = _cli(sim, "run", "show", run_id)
    assert run_id in shown and "user" in shown
    assert str(world.runs[run_id].total_results) in shown
    stats = _cli(sim, "run", "stats", run_id)
    assert f"/{len(world.runs[run_id].tasks)}" in stats and "%" in stats
