"""How the parts are put together: the command line, the scheduler handed to the app,
and what the app does with a failure it did not expect."""

from __future__ import annotations

import pytest

from lobstr_tui.cli import main
from lobstr_tui.exit_codes import EXIT_USAGE
from lobstr_tui.monitor import ActionOutcome
from lobstr_tui.sim import SimServer
from lobstr_tui.ui.event_log import EventLog
from tests.ui_support import make_app, wait_for


def test_speed_needs_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--speed", "10"])
    assert stop.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--speed only applies to --demo" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["0", "-1", "fast"])
def test_speed_must_be_a_positive_number(value: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--demo", "--speed", value])
    assert stop.value.code == EXIT_USAGE
    assert "--speed" in capsys.readouterr().err


async def test_a_failed_worker_is_said_on_screen_and_in_the_log(server: SimServer) -> None:
    app = make_app(server)

    async def broken() -> ActionOutcome:
        raise RuntimeError("the answer was lost")

    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="squid list")
        app._report_when_done(broken())
        log = app.query_one(EventLog)

        def logged() -> bool:
            log.flush()
            return any("RuntimeError: the answer was lost" in line for line in log.lines)

        await wait_for(pilot, logged, what="the failure in the log")
        assert any("the answer was lost" in str(n.message) and n.severity == "error"
                   for n in app._notifications), "and as an error toast"
        assert app.is_running, "the app keeps running"


async def test_quitting_stops_polling_and_closes_the_client(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="squid list")
        await pilot.press("q")
    assert app.scheduler.client._http.is_closed
    loop = app.scheduler._loop_task
    assert loop is not None and loop.done() and not app.scheduler._in_flight
    assert not any(e.method == "POST" for e in list(server.log)), "quitting touches no run"
