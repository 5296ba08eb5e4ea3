"""The board in the real app: every active run across squids, paused first, Enter opens
that squid and run; alerts arrive as toasts and log lines."""

from __future__ import annotations

from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.screens.board_screen import BoardScreen
from lobstr_tui.ui.widgets.board_table import BoardTable
from lobstr_tui.ui.widgets.recent_panel import RecentPanel
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from tests.ui_support import make_app, squid_id, wait_for


def board_rows(app: object) -> list[dict[str, str]]:
    table = app.screen.query_one(BoardTable)  # type: ignore[attr-defined]
    return [dict(zip(table.column_keys, (c.plain for c in table.get_row_at(i)), strict=True))
            for i in range(table.row_count)]


async def test_board_lists_every_active_run_and_enter_opens_it(server: SimServer,
                                                                world: World) -> None:
    active = {r.id for r in world.runs.values() if r.status in ("running", "paused",
                                                               "pending", "uploading")}
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.snapshot.squids_loaded, what="squids")
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen), what="board")
        await wait_for(pilot, lambda: active <= {row.run.id for row in app.snapshot.board}
                       and len(board_rows(app)) == len(app.snapshot.board), limit=15,
                       what="every active run on the board")
        rows = board_rows(app)
        statuses = [row["status"] for row in rows]
        assert statuses[0].endswith("paused"), "rows that need the person come first"
        # A run errored in the last day stays on the board (it needs the person), after
        # the paused ones; running rows come after both.
        needs = [s.endswith(("paused", "error")) for s in statuses]
        assert needs == sorted(needs, reverse=True)
        assert {"squid", "status", "percent"} <= set(app.screen.query_one(
            BoardTable).column_keys)
        first = app.snapshot.board[0]
        assert rows[0]["squid"] == first.squid_name, "the cell shows the full squid name"
        assert "since" in str(app.screen.query_one(RecentPanel).border_subtitle)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, BoardScreen),
                       what="back to the main screen")
        await wait_for(pilot, lambda: app.snapshot.selected_squid_id == first.squid_id
                       and app.snapshot.selected_run_id == first.run.id,
                       what="the squid of the row selected")
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen), what="again")
        await pilot.press("w")
        await wait_for(pilot, lambda: not isinstance(app.screen, BoardScreen), what="closed")


async def test_board_at_80x24_keeps_squid_status_and_percent(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen) and board_rows(app),
                       limit=15, what="board rows")
        keys = app.screen.query_one(BoardTable).column_keys
        assert {"squid", "status", "percent"} <= set(keys)


async def test_a_pause_seen_while_running_is_a_toast_and_a_log_line(
        server: SimServer, world: World) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.snapshot.squids_loaded and app.snapshot.board,
                       limit=15, what="the board data")
        target = squid_id(world, "Google Maps FR restaurants")
        run_id = world.squids[target].run_ids[0]
        world.pause_run(run_id, "cookies_expired", "session expired")
        await wait_for(pilot, lambda: "run.paused" in app.alert_delivery.delivered,
                       limit=15, what="the pause alert")
        log = app.query_one(EventLog)
        log.flush()
        assert any("running → paused: cookies_expired" in t for t in log.texts)
        toasts = [n.message for n in app._notifications]
        assert any("cookies_expired" in message for message in toasts)
        assert "\a" in app.alert_delivery.written, "the bell was rung (written even headless)"


async def test_board_flag_starts_on_the_board(server: SimServer) -> None:
    app = make_app(server)
    app.start_board = True  # what --board passes (LobstrApp(start_board=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, BoardScreen), what="board")
        await wait_for(pilot, lambda: bool(board_rows(app)), limit=15, what="board rows")
        assert app.is_running
        # While the board is on screen, the selected run is one of its rows.
        assert app.snapshot.board_view
        await wait_for(pilot, lambda: app.snapshot.selected_run_id is not None,
                       what="a selected run")
        run_id = app.snapshot.selected_run_id

        def stats_reads(since: int) -> int:
            return sum(1 for e in list(server.log)[since:]
                       if e.path.endswith(f"runs/{run_id}/stats"))

        # The test policy reads the selected run every 0.2 s on the detail; on the board
        # it is a row like the others, read at most every 10 s.
        shown = len(server.log)
        await wait_for(pilot, lambda: len(server.log) >= shown + 40, what="other polls")
        assert stats_reads(shown) <= 2
        closed = len(server.log)
        await pilot.press("w")
        await wait_for(pilot, lambda: not isinstance(app.screen, BoardScreen), what="main")
        assert not app.snapshot.board_view
        # Back on the detail, the selected run's stats are read at once, then often.
        await wait_for(pilot, lambda: stats_reads(closed) >= 3,
                       what="the selected run's stats read again")


def test_sparkline_bars_rise_from_zero() -> None:
    from lobstr_tui.ui.text import format as fmt

    assert fmt.spark([122.0, 122.5, 121.8], 10) == "███", "a steady rate is a flat line"
    assert fmt.spark([0.0, 50.0, 100.0], 10) == "▁▅█"
    assert fmt.spark([0.0, 0.0], 10) == "▁▁"
    assert fmt.spark(list(range(40)), 5) == fmt.spark(list(range(35, 40)), 5)
