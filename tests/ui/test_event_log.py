"""The log reads in full: wrapped with indented continuation lines, repeats collapsed."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.cells import cell_len

from lobstr_tui.monitor import Event, EventKind, Level
from lobstr_tui.sim import SimServer
from lobstr_tui.ui.text.format import wrap_words
from lobstr_tui.ui.widgets.tabs.event_log import Entry, EventLog, wrap_entry
from tests.ui_support import make_app, wait_for

AT = datetime(2026, 11, 2, 9, 3, 4, tzinfo=UTC)
LONG = ("squid TikTok videos skincare: run 1a2b3c running → error: website_inaccessible "
        "(the website could not be reached) · lobstr.io says: \"Connection refused\"")


def test_wrapped_lines_keep_every_word_and_indent_under_the_text() -> None:
    lines = wrap_entry(Entry("12:03:04 ✖ ", LONG), 40)
    assert len(lines) > 1 and all(cell_len(line) <= 40 for line in lines)
    assert all(line.startswith(" " * 11) for line in lines[1:])
    assert " ".join(line.strip() for line in lines) == f"12:03:04 ✖ {LONG}"


def test_long_words_fold_and_wide_characters_count_two_cells() -> None:
    assert wrap_words("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]
    folded = wrap_words("漢字" * 6, 7)
    assert "".join(folded) == "漢字" * 6 and all(cell_len(line) <= 7 for line in folded)


def test_a_repeated_entry_says_how_many_times() -> None:
    assert wrap_entry(Entry("09:00:00   ", "task done", 9), 80) == ["09:00:00   task done ×9"]


async def test_log_collapses_repeats_and_rewraps_on_resize(server: SimServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        log = app.query_one(EventLog)
        await wait_for(pilot, lambda: log.scrollable_content_region.width > 0, what="log")
        same = Event(AT, EventKind.PROGRESS, "task google.com/maps/search/res done")
        log.add([same] * 5)
        log.flush()
        log.add([same] * 4)  # a later batch repeats it too
        log.add([Event(AT, EventKind.STATUS, LONG, Level.ERROR)])
        log.flush()
        # (the app's own events may come between ours: only ours are counted)
        ours = [entry for entry in log.entries if entry.text == same.text]
        assert len(ours) == 1 and ours[0].count == 9
        assert ours[0].line.endswith("task google.com/maps/search/res done ×9")
        assert sum("search/res done" in line for line in log.lines) == 1
        width = log.scrollable_content_region.width
        assert all(cell_len(line) <= width for line in log.lines)
        await pilot.resize_terminal(60, 20)  # the log is narrower there
        await wait_for(pilot, lambda: log.scrollable_content_region.width < width
                       and all(cell_len(line) < log.scrollable_content_region.width
                               for line in log.lines), what="lines rewrapped narrower")
        narrow = log.scrollable_content_region.width
        assert all(cell_len(line) <= narrow for line in log.lines)
        assert "(the website could not be reached)" in " ".join(
            line.strip() for line in log.lines)
