"""Why a run failed, readable everywhere (issue 21): an error row's Done Reason is the
start of lobstr.io's words, the banner is never cut without ``…`` and says where the rest
is, the board's Reason takes the free width, and ``e`` opens the whole story from the
runs table, the board and the banner, down to 60x20."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lobstr_tui.api import Run
from lobstr_tui.sim import SimServer, World
from lobstr_tui.ui.kit.columns import plan
from lobstr_tui.ui.screens.why_screen import WhyScreen
from lobstr_tui.ui.text import format as fmt
from lobstr_tui.ui.widgets.board_table import LAYOUT
from lobstr_tui.ui.widgets.run_detail import BANNER_LINES, WHY_HINT
from tests.ui.test_ui import table_rows
from tests.ui_support import (
    make_app,
    on_the_board,
    press_away,
    press_for,
    select_squid,
    wait_for,
)

CRASH = "Crawler crashed: Instagram changed its page layout."


def test_a_banner_too_long_for_its_lines_is_cut_with_an_ellipsis_and_says_where() -> None:
    text = "✖ ERROR · " + "lobstr.io says: \"" + "word " * 60 + "\""
    fitted = fmt.fit_lines(text, 40, 3, more=WHY_HINT).split("\n")
    assert len(fitted) == 3 and all(fmt.cells(line) <= 40 for line in fitted)
    assert fitted[-1].endswith("…" + WHY_HINT)
    short = fmt.fit_lines("✖ ERROR · crashed", 40, 3, more=WHY_HINT)
    assert short == "✖ ERROR · crashed"  # nothing cut, nothing added


def test_an_error_without_a_slug_shows_lobstrs_words_in_its_reason_cell() -> None:
    run = Run.from_api({"id": "a" * 32, "status": "error", "done_reason": None,
                        "done_reason_desc": CRASH})
    assert fmt.run_reason(run) == CRASH
    done = Run.from_api({"id": "b" * 32, "status": "done", "done_reason": "tasks_done"})
    assert fmt.run_reason(done) == "tasks_done"
    bare = Run.from_api({"id": "c" * 32, "status": "done"})
    assert fmt.run_reason(bare) == fmt.DASH


def test_the_boards_reason_takes_the_width_left_once_the_squid_name_fits() -> None:
    at_140 = {c.key: c.width for c in plan(LAYOUT, 140)}
    assert at_140["squid"] == 28 and at_140["reason"] >= 17  # every column, names whole
    wide = {c.key: c.width for c in plan(LAYOUT, 180)}
    assert wide["squid"] == 28  # a squid name needs no more
    assert wide["reason"] == 17 + 180 - 140 + (at_140["reason"] - 17)


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_e_tells_why_an_errored_run_failed_in_full(server: SimServer, world: World,
                                                        size: tuple[int, int]) -> None:
    app = make_app(server)
    async with app.run_test(size=size) as pilot:
        target = await select_squid(pilot, app, "Instagram posts #coffee")
        run = world.runs[world.squids[target].run_ids[0]]
        assert run.status == "error"
        words = run.done_reason_desc or ""
        assert len(words) > 40  # longer than any cell or banner line at this size
        await wait_for(pilot, lambda: run.id in table_rows(app), what="the error row")
        cell = table_rows(app)[run.id].get("reason")
        if cell is not None:  # the column is there at 80 columns, not at 60
            assert cell != fmt.DASH and words.startswith(cell.rstrip("…"))
        banner = str(app.main.query_one("#run-banner").render())
        lines = banner.split("\n")
        assert len(lines) <= BANNER_LINES and lines[-1].endswith("…" + WHY_HINT)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, WhyScreen), what="the story")
        story = app.screen
        assert isinstance(story, WhyScreen)
        said = dict(story.lines)
        assert said["lobstr.io's words"] == f"\u201c{words}\u201d"
        assert said["Run"] == run.id and "error" in said["Status"]
        assert "What to do" in said
        await press_away(pilot, app, "escape", WhyScreen)


async def test_e_on_the_board_tells_the_story_of_the_row_under_the_cursor(
        server: SimServer, world: World) -> None:
    async with on_the_board(server) as (pilot, app, row):
        story = await press_for(pilot, app, "e", WhyScreen)
        assert dict(story.lines)["Run"] == row.run.id
        assert row.squid_name in dict(story.lines)["Squid"]


def test_the_story_names_when_and_what_without_a_reason() -> None:
    from lobstr_tui.ui.text.why_text import why_lines

    started = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    run = Run.from_api({"id": "d" * 32, "squid": "e" * 32, "status": "error",
                        "started_at": started.isoformat(), "done_reason_desc": CRASH})
    said = dict(why_lines(run, "Instagram posts", datetime(2026, 12, 3, 9, 30, tzinfo=UTC)))
    assert said["Reason"] == "none given by lobstr.io"
    assert said["What it means"] == "lobstr.io's crawler crashed"
    assert said["Started"].endswith("(30 minutes ago)")
    assert said["Squid"] == f"Instagram posts ({'e' * 32})"
