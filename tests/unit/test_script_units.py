"""The pieces of ``wait`` and ``status`` that need no server: durations, verdicts and
their exit statuses, the reasons that count as failures, the live line's fitting."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from lobstr_tui.api import Run, Squid, cell_width
from lobstr_tui.api.reasons import is_failure
from lobstr_tui.api.text import duration_text
from lobstr_tui.exit_codes import EXIT_CRASH, EXIT_SCRIPT_CRASH
from lobstr_tui.monitor.model.baseline import ended_well
from lobstr_tui.script.durations import parse_duration
from lobstr_tui.script.ending import Verdict, has_ended, needs_person
from lobstr_tui.script.output import fitted
from lobstr_tui.script.status import Row, write_table
from lobstr_tui.script.waiter import default_period


@pytest.mark.parametrize(("text", "seconds"), [
    ("90", 90.0), ("90s", 90.0), ("10m", 600.0), ("1h30m", 5400.0), ("2d", 172800.0),
    (" 1H 5M ", 3900.0), ("0.5m", 30.0)])
def test_durations_parse(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "10x", "m10", "-5", "0", "nan", "inf", "5m-"])
def test_bad_durations_say_why(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(("seconds", "shown"), [
    (0, "0s"), (59.4, "59s"), (65, "1m 05s"), (3600, "1h 00m"), (3 * 86400 + 7200, "3d 02h")])
def test_durations_show(seconds: float, shown: str) -> None:
    assert duration_text(seconds) == shown


def test_every_verdict_has_its_own_exit_status() -> None:
    codes = {verdict: verdict.code for verdict in Verdict}
    assert len(set(codes.values())) == len(codes)
    assert codes[Verdict.OK] == 0 and codes[Verdict.FAILED] == 1
    assert codes[Verdict.TIMEOUT] == 3 and codes[Verdict.TOKEN_REFUSED] == 4
    assert codes[Verdict.UNREACHABLE] == 5 and codes[Verdict.LAUNCH_REFUSED] == 6
    assert codes[Verdict.INTERRUPTED] == 130
    assert codes[Verdict.CRASH] == EXIT_SCRIPT_CRASH != EXIT_CRASH


def run(status: str, reason: str | None = None, *, is_done: bool | None = None) -> Run:
    body: dict[str, object] = {"id": "a" * 32, "squid": "b" * 32, "status": status,
                               "done_reason": reason}
    if is_done is not None:
        body["is_done"] = is_done
    return Run.from_api(body)


@pytest.mark.parametrize(("status", "reason", "well", "person"), [
    ("done", "tasks_done", True, False), ("done", None, True, False),
    ("done", "export_fix", True, False), ("done", "no_credits_left", False, True),
    ("done", "website_inaccessible", False, True), ("error", None, False, True),
    ("aborted", "aborted", False, False), ("FINISHED", None, True, False)])
def test_a_good_end_and_a_run_that_needs_the_person(status: str, reason: str | None,
                                                    well: bool, person: bool) -> None:
    ended = run(status, reason)
    assert has_ended(ended)
    assert ended_well(ended) is well
    assert needs_person(ended) is person


def test_paused_is_not_an_end_but_needs_the_person() -> None:
    paused = run("paused", "cookies_expired")
    assert not has_ended(paused) and needs_person(paused)


def test_an_unknown_status_ends_when_the_run_says_it_is_done() -> None:
    assert has_ended(run("archived", is_done=True)) and not ended_well(run("archived",
                                                                           is_done=True))
    assert not has_ended(run("queued", is_done=False))


def test_failure_reasons() -> None:
    assert is_failure("no_credits_left") and is_failure("account_blocked")
    assert not is_failure("tasks_done") and not is_failure(None) and not is_failure("")
    assert not is_failure("some_new_reason")  # unknown: informs, as the catalog says


def test_the_default_period_is_polite() -> None:
    assert default_period(30) == 8.0
    assert default_period(300) == 5.0
    assert default_period(10) == 24.0


def test_a_narrow_line_drops_the_least_needed_parts_first() -> None:
    parts = [(0, "run 1a2b3c running 62%"), (3, "tasks 12/24"), (1, "1,240 results"),
             (2, "12 credits"), (1, "read 3s ago")]
    assert fitted(parts, 200) == ("run 1a2b3c running 62% · tasks 12/24 · 1,240 results · "
                                  "12 credits · read 3s ago")
    assert fitted(parts, 60) == "run 1a2b3c running 62% · 1,240 results · read 3s ago"
    assert fitted(parts, 12) == "run 1a2b3c …"


def status_rows() -> list[Row]:
    squid = Squid.from_api({"id": "c" * 32, "name": "Google Maps FR restaurants, Paris 11e",
                            "crawler": "x"})
    ended = datetime(2026, 11, 2, 8, 50, tzinfo=UTC)
    errored = Run.from_api({"id": "a" * 32, "squid": squid.id, "status": "error",
                            "ended_at": ended.isoformat(), "total_results": 1240,
                            "credit_used": 1860.5,
                            "done_reason_desc": "Crawler crashed: the page layout changed"})
    done = Run.from_api({"id": "b" * 32, "squid": squid.id, "status": "done",
                         "done_reason": "tasks_done", "ended_at": ended.isoformat()})
    return [Row(squid, errored, None), Row(squid, done, None)]


def test_the_status_table_fits_a_narrow_terminal() -> None:
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    wide, narrow = io.StringIO(), io.StringIO()
    write_table(status_rows(), wide, now=now, since=3600)
    write_table(status_rows(), narrow, now=now, since=3600, width=80)
    assert len(wide.getvalue().splitlines()) == 4  # header, two runs, totals
    assert "Crawler crashed" in wide.getvalue().splitlines()[1]
    lines = narrow.getvalue().splitlines()
    assert all(cell_width(line) <= 80 for line in lines)
    assert lines[1].startswith("!") and lines[1].endswith("10m 00s ago")
    assert lines[2] == "   Crawler crashed: the page layout changed"
    assert lines[-1] == "0 active, 2 ended in the last 1h 00m; 1 needs attention"
