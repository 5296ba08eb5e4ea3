"""How the parts are put together: the command line, the scheduler handed to the app,
and what the app does with a failure it did not expect."""

from __future__ import annotations

import signal
import socket
from dataclasses import replace

import httpx
import pytest

from lobstr_tui.api import LobstrClient
from lobstr_tui.cli import main
from lobstr_tui.exit_codes import EXIT_USAGE
from lobstr_tui.launch import build_scheduler
from lobstr_tui.monitor import ActionOutcome, Clocks, Event, EventKind, Level, Snapshot
from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.kit.clean_exit import BLANK_SCREEN, CleanExitDriver
from lobstr_tui.ui.widgets.run_detail import RunDetail
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from lobstr_tui.ui.widgets.unreachable_banner import UnreachableBanner
from tests.conftest import TOKEN
from tests.ui_support import FAST, make_app, select_squid, wait_for


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
            return any("RuntimeError: the answer was lost" in line for line in log.texts)

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


async def test_states_steered_over_the_control_endpoints_reach_the_screen(
        server: SimServer, world: World) -> None:
    """The simulator's /_sim endpoints (as a person would use them with curl) pause,
    resume and fail a run, and take the credits down; the app shows each change."""
    app = make_app(server)
    control = server.base_url.removesuffix("v1/") + "_sim/"
    headers = {"Authorization": f"Token {TOKEN}"}
    async with app.run_test(size=(120, 40)) as pilot, httpx.AsyncClient(
            headers=headers, timeout=5.0) as http:
        target = await select_squid(pilot, app, "Google Maps FR restaurants")
        run_id = world.squids[target].run_ids[0]
        reply = await http.post(f"{control}runs/{run_id}/pause",
                                json={"reason": "too_many_requests", "desc": "slow down"})
        assert reply.status_code == 200 and reply.json()["status"] == "paused"
        await wait_for(pilot, lambda: "PAUSED" in detail_text(app), what="paused banner")
        assert "too_many_requests" in detail_text(app)
        await wait_for(pilot, lambda: "too_many_requests" in log_text(app), what="log line")
        reply = await http.post(f"{control}runs/{run_id}/resume")
        assert reply.status_code == 200 and reply.json()["status"] == "running"
        await wait_for(pilot, lambda: "resumed" in log_text(app), what="resume in the log")
        reply = await http.post(f"{control}runs/{run_id}/error",
                                json={"message": "crawler crashed"})
        assert reply.status_code == 200 and reply.json()["status"] == "error"
        await wait_for(pilot, lambda: "ERROR" in detail_text(app), what="error banner")
        reply = await http.post(f"{control}balance", json={"available": 500,
                                                            "consumed": 480})
        assert reply.status_code == 200
        await wait_for(pilot, lambda: app.snapshot.balance is not None
                       and app.snapshot.balance.remaining == 20, what="credits left: 20")
        assert world.runs[run_id].status == "error"


def detail_text(app: LobstrApp) -> str:
    detail = app.query_one(RunDetail)
    return "\n".join(str(w.render()) for w in detail.query("Static") if w.display)


def log_text(app: LobstrApp) -> str:
    log = app.query_one(EventLog)
    log.flush()
    return "\n".join(log.texts)


async def test_a_snapshot_not_yet_shown_is_replaced_by_a_newer_one(server: SimServer) -> None:
    # Two snapshots published before the app reads its messages: one render, of the
    # newer one, with the events of both in order.
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="squid list")
        scheduler = app.scheduler
        listen = app.profile_switcher.listener_for(scheduler)
        first, second = scheduler.snapshot, replace(scheduler.snapshot,
                                                    taken_at=scheduler.snapshot.taken_at)
        said = [Event(first.taken_at, EventKind.ACTION, f"note {n}", Level.INFO)
                for n in (1, 2)]
        shown: list[Snapshot] = []
        render = app.shown.render

        def seen(snap: Snapshot | None = None) -> None:
            shown.append(snap or app.snapshot)
            render(snap)

        app.shown.render = seen  # type: ignore[method-assign]
        scheduler.listener = None  # only these two reach the app now
        listen(first, [said[0]])
        listen(second, [said[1]])
        log = app.query_one(EventLog)

        def logged() -> bool:
            log.flush()
            return any("note 2" in line for line in log.texts)

        await wait_for(pilot, logged, what="both notes in the log")
        notes = [line for line in log.texts if "note 1" in line or "note 2" in line]
        assert len(notes) == 2 and "note 1" in notes[0] and "note 2" in notes[1]
        assert [snap for snap in shown if snap is first or snap is second] == [second]


async def test_leaving_the_terminal_blanks_the_alternate_screen_first(
        server: SimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's terminal driver writes the blank before Textual leaves the alternate
    screen (the tmux test shows why): fails if Textual stops leaving it there."""
    app = make_app(server)
    assert app.driver_class is CleanExitDriver
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGTSTP, signal.SIGCONT,
                                                    signal.SIGWINCH)}
    try:
        driver = CleanExitDriver(app)
        written: list[str] = []
        monkeypatch.setattr(driver, "write", written.append)
        monkeypatch.setattr(driver, "flush", lambda: None)
        driver.stop_application_mode()
    finally:
        for sig, handler in kept.items():
            signal.signal(sig, handler)
    assert "\x1b[?1049l" in written, "Textual leaves the alternate screen here"
    assert written.index(BLANK_SCREEN) < written.index("\x1b[?1049l")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_api_never_reached_is_said_in_a_banner(world: World) -> None:
    """Issue 21: an unreachable base URL opened an empty cockpit that said only
    'offline' in the header. The main screen says which URL, that nothing was read, and
    what to check; never a credential of the URL or the token (test_fault_matrix: the
    banner goes once the API answers)."""
    port = _closed_port()
    client = LobstrClient(TOKEN, f"http://someone:pa55word@127.0.0.1:{port}/v1/?k=v",
                          timeout=1.0)
    app = LobstrApp(build_scheduler(client, policy=FAST, clocks=Clocks(wall=world.clock.now),
                                    seed=1))
    async with app.run_test(size=(120, 40)) as pilot:
        banner = app.query_one(UnreachableBanner)

        def said() -> str:
            return str(banner.render()) if banner.display and banner.region.height else ""

        await wait_for(pilot, lambda: "Cannot reach" in said(), what="the banner")
        text = " ".join(said().split())
        assert f"Cannot reach http://***@127.0.0.1:{port}/v1/ (could not connect to " in text
        assert "nothing has been read from it yet; retrying" in text
        assert "Check the network, the URL (--base-url, LOBSTR_API_BASE" in text
        assert "proxy" in text
        assert "pa55word" not in text and "someone" not in text and "k=v" not in text
        assert TOKEN not in text
