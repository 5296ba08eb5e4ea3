"""The token never shows: screens, log lines, errors, reprs, tracebacks, other hosts."""

from __future__ import annotations

import io

from rich.console import Console
from rich.traceback import Traceback

from lobstr_tui.api import LobstrClient, Token, UnauthorizedError
from lobstr_tui.launch import build_scheduler
from lobstr_tui.monitor import Clocks
from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.screens.help_screen import HelpScreen
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from tests.ui_support import FAST, select_squid, wait_for

SECRET = "SECRET-TOKEN-7Q2Z-do-not-show"


def test_token_object_masks_itself() -> None:
    token = Token(SECRET)
    shown = [repr(token), str(token), f"{token}", f"{token!r}", "%s" % token]  # noqa: UP031
    assert all(SECRET not in text for text in shown)
    assert token.reveal() == SECRET


def test_tracebacks_with_locals_do_not_show_the_token() -> None:
    def explode(token: Token) -> None:
        client_token = token
        raise RuntimeError(f"boom with {client_token}")

    try:
        explode(Token(SECRET))
    except RuntimeError:
        buffer = io.StringIO()
        Console(file=buffer, width=200).print(Traceback(show_locals=True))
    text = buffer.getvalue()
    assert "boom with ***" in text and SECRET not in text


async def test_screens_logs_errors_and_reprs_never_show_the_token(world: World) -> None:
    with SimServer(world, token=SECRET) as server:
        client = LobstrClient(Token(SECRET), server.base_url, timeout=2.0)
        app = LobstrApp(build_scheduler(client, policy=FAST, seed=1,
                                        clocks=Clocks(wall=world.clock.now)))
        captured: list[str] = [repr(client), repr(client._http.headers)]
        async with app.run_test(size=(120, 40)) as pilot:
            await select_squid(pilot, app, "Google Maps FR restaurants")
            captured.append(app.export_screenshot())
            # Every runs answer malformed until the error is on screen (three could all
            # go to board reads, which mark only their row, or be healed before a look).
            server.faults.add("GET runs/:malformed")
            await wait_for(pilot, lambda: bool(app.snapshot.errors), what="a bad answer shown")
            captured.append(app.export_screenshot())
            server.faults.clear()
            server.token = "rotated"
            await wait_for(pilot, lambda: "unauthorized" in app.export_screenshot(),
                           what="unauthorized")
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
            captured.append(app.export_screenshot())
            await pilot.press("escape")
            log = app.query_one(EventLog)
            log.flush()
            captured.extend(log.texts)
            captured.append(repr(app.snapshot))
            try:
                await client.me()
            except UnauthorizedError as error:
                captured += [str(error), repr(error)]
        assert any("Invalid token." in text for text in captured)
        leaks = [text[:80] for text in captured if SECRET in text]
        assert leaks == []


async def test_export_download_is_sent_without_the_token(world: World) -> None:
    squid = next(s for s in world.squids.values() if s.name == "Amazon reviews headphones")
    run_id = squid.run_ids[0]
    with SimServer(world, token=SECRET) as server:
        async with LobstrClient(Token(SECRET), server.base_url) as client:
            info = await client.download_info(run_id)
            assert info.url is not None
            data = await client.fetch_export(info.url)
        exports = [e for e in list(server.log) if e.prefix == "exports"]
    assert data.startswith(b"id,") and len(exports) == 1
    assert exports[0].authorization is None
    api_calls = [e for e in list(server.log) if e.prefix != "exports"]
    assert api_calls and all(e.authorization == f"Token {SECRET}" for e in api_calls)
