"""The ``wait`` and ``status`` commands in this process: settings as the cockpit finds
them, a crash that becomes exit 70 with a report (never a traceback, never the token)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from lobstr_tui.cli import build_status_parser, build_wait_parser
from lobstr_tui.monitor import Clocks
from lobstr_tui.script import waiter
from lobstr_tui.script.command import run_status, run_wait
from lobstr_tui.script.waiter import WaitOptions
from lobstr_tui.sim import SimServer, World
from tests.conftest import TOKEN
from tests.wait_support import wait_with


@pytest.fixture
def settings(server: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOBSTR_TOKEN", TOKEN)
    monkeypatch.setenv("LOBSTR_API_BASE", server.base_url)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("LOBSTR_PROFILE", raising=False)
    return tmp_path


def test_a_crash_exits_70_with_a_report_and_a_json_end(
        settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(self: waiter.Waiter) -> object:
        raise RuntimeError(f"something broke near {TOKEN}")

    monkeypatch.setattr(waiter.Waiter, "_wait", broken)
    out, err = io.StringIO(), io.StringIO()
    code = run_wait(build_wait_parser().parse_args(["abcdef123456", "--json"]),
                    out=out, err=err)
    assert code == 70
    end = json.loads(out.getvalue().splitlines()[-1])
    assert end["verdict"] == "crash" and end["exit_status"] == 70
    assert "RuntimeError" in err.getvalue() and "Traceback" not in err.getvalue()
    assert TOKEN not in out.getvalue() + err.getvalue()
    reports = list((settings / "state" / "lobstr-tui").iterdir())
    assert len(reports) == 1
    assert TOKEN not in reports[0].read_text(encoding="utf-8")


def test_no_token_is_a_usage_error(settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOBSTR_TOKEN")
    err = io.StringIO()
    assert run_wait(build_wait_parser().parse_args(["abcdef123456"]), out=io.StringIO(),
                    err=err) == 2
    assert "no API token found" in err.getvalue()
    err = io.StringIO()
    assert run_status(build_status_parser().parse_args([]), out=io.StringIO(),
                      err=err) == 2
    assert err.getvalue().startswith("lobstr-tui status: error:")


def test_status_on_the_demo_account_needs_the_person(settings: Path, world: World) -> None:
    out = io.StringIO()
    code = run_status(build_status_parser().parse_args(["--since", "1h"]), out=out,
                      err=io.StringIO(), clocks=Clocks(wall=world.clock.now))
    assert code == 1  # the demo has a paused run and an errored one
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["SQUID", "RUN", "STATUS"]
    flagged = [line for line in lines[1:-1] if line.startswith("!")]
    assert {"paused", "error"} <= {word for line in flagged for word in line.split()}
    assert lines[-1].endswith("2 need attention")
    assert "ended in the last 1h 00m" in lines[-1]


async def test_a_prefix_is_found_among_the_latest_squids_first(server: SimServer,
                                                               world: World) -> None:
    errored = next(run for run in world.runs.values() if run.status == "error")
    waited = await wait_with(server, WaitOptions(run_id=errored.id[:7]))
    assert waited.code == 1
    assert json.loads(waited.lines[-1])["run"]["id"] == errored.id
    lists = [entry for entry in server.log if entry.path == "runs"]
    assert 1 <= len(lists) < len(world.squids) // 2
