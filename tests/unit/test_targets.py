"""What the launch and abort keys are about, read from a snapshot
(lobstr_tui/monitor/derive/targets.py): no app, no server."""

from __future__ import annotations

from lobstr_tui.monitor.derive.launch_check import LaunchCheck
from lobstr_tui.monitor.derive.targets import (
    NO_SQUID_TO_ABORT,
    NO_SQUID_TO_LAUNCH,
    abort_choice,
    abort_target,
    launch_choice,
    visible_squid,
)
from tests.monitor.test_agree import SQUID, a_run, a_squid, snapshot

OTHER = "6" * 32


def test_the_visible_squid_is_the_highlighted_row_s_or_none() -> None:
    squid = a_squid("running")
    shown = snapshot(squids=(squid,))
    assert visible_squid(shown, SQUID) == squid
    assert visible_squid(shown, None) is None
    assert visible_squid(shown, OTHER) is None, "a row the snapshot no longer has"


def test_abort_targets_the_selected_active_run_else_the_squid_s_active_run() -> None:
    squid = a_squid("running")
    done, running = a_run("done", run_id="1" * 32), a_run("running", run_id="2" * 32)
    runs = {"squids": (squid,), "runs_squid_id": SQUID, "runs": (done, running)}
    assert abort_target(snapshot(**runs, selected_run_id=running.id), squid) == running
    assert abort_target(snapshot(**runs, selected_run_id=done.id), squid) == running
    assert abort_target(snapshot(**{**runs, "runs_squid_id": OTHER}), squid) is None
    assert abort_target(snapshot(**runs), None) is None


def test_what_each_key_leads_to() -> None:
    squid = a_squid("running")
    running = a_run("running")
    shown = snapshot(squids=(squid,), runs_squid_id=SQUID, runs=(running,))
    assert launch_choice(shown, None, None) == NO_SQUID_TO_LAUNCH
    assert launch_choice(shown, squid, "a launch is already under way") == (
        "a launch is already under way")
    check = launch_choice(shown, squid, None)
    assert isinstance(check, LaunchCheck) and check.squid == squid
    assert abort_choice(shown, squid, "busy") == "busy"
    assert abort_choice(shown, squid, None) == (running, squid)
    assert abort_choice(shown, None, None) == NO_SQUID_TO_ABORT
    loading = snapshot(squids=(squid,), runs_squid_id=OTHER)
    assert abort_choice(loading, squid, None) == "the runs of Google Maps FR are still loading"
    idle = snapshot(squids=(squid,), runs_squid_id=SQUID, runs=(a_run("done"),))
    assert abort_choice(idle, squid, None) == "no active run of Google Maps FR to abort"
