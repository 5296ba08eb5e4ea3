"""Which squid's history is read next (pure): the squids of the runs that ended while
watching (and of the board), not the selected one, not in the first 20 s, again once
one of their runs ended after the read, and after 5 minutes when a read failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from lobstr_tui.api import Run
from lobstr_tui.monitor.model.baseline import Baseline
from lobstr_tui.monitor.model.board import EndedRow
from lobstr_tui.monitor.model.snapshot import Snapshot
from lobstr_tui.monitor.polling.history_job import (
    RETRY_AFTER,
    SETTLE_FIRST,
    history_merged,
    history_wanted,
    with_baseline,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def ended(squid: str, n: int, at: datetime) -> EndedRow:
    run = Run.from_api({"id": f"{n:032x}", "squid": squid, "status": "done",
                        "total_results": 10})
    return EndedRow(squid, squid, run, at, "done", "tasks_done", 10)


def state(after: float, *recent: EndedRow, baselines: tuple[Baseline, ...] = (),
          selected: str | None = None) -> Snapshot:
    return Snapshot(taken_at=T0 + timedelta(seconds=after), board_since=T0,
                    recent=recent, selected_squid_id=selected,
                    baselines=MappingProxyType({b.squid_id: b for b in baselines}))


def test_the_next_squid_to_read() -> None:
    a, b = ended("a" * 32, 1, T0), ended("b" * 32, 2, T0)
    assert history_wanted(state(SETTLE_FIRST - 1, a, b)) is None, "first answers first"
    assert history_wanted(state(SETTLE_FIRST, a, b)) == "a" * 32
    assert history_wanted(state(SETTLE_FIRST, a, b, selected="a" * 32)) == "b" * 32
    read = Baseline("a" * 32, (a.run,), T0 + timedelta(seconds=30))
    assert history_wanted(state(60, a, b, baselines=(read,))) == "b" * 32
    both = (read, Baseline("b" * 32, (b.run,), T0 + timedelta(seconds=30)))
    assert history_wanted(state(60, a, b, baselines=both)) is None
    later = ended("a" * 32, 3, T0 + timedelta(seconds=40))
    assert history_wanted(state(60, later, a, b, baselines=both)) == "a" * 32, (
        "a run of it ended after the read")


def test_a_failed_read_is_tried_again_after_five_minutes() -> None:
    a = ended("a" * 32, 1, T0)
    failed = Baseline("a" * 32, (), T0 + timedelta(seconds=30), error="HTTP 404")
    assert history_wanted(state(30 + RETRY_AFTER - 1, a, baselines=(failed,))) is None
    assert history_wanted(state(30 + RETRY_AFTER, a, baselines=(failed,))) == "a" * 32


def test_a_baseline_with_the_same_runs_leaves_the_snapshot_as_it_was() -> None:
    a = ended("a" * 32, 1, T0)
    first = with_baseline(state(30), Baseline("a" * 32, (a.run,), T0))
    again = with_baseline(first, Baseline("a" * 32, (a.run,), T0 + timedelta(seconds=9)))
    assert again is first, "nothing to draw again"
    grown = with_baseline(first, Baseline("a" * 32, (a.run, a.run), T0))
    assert grown is not first and len(grown.baselines["a" * 32].runs) == 2


def test_a_read_that_brings_the_same_runs_still_counts_its_time() -> None:
    # A run seen ended on the board but not yet finished on the runs list must not be
    # asked for again at every board turn.
    a = ended("a" * 32, 1, T0 + timedelta(seconds=40))
    known = Baseline("a" * 32, (), T0 + timedelta(seconds=30))
    before = state(60, a, baselines=(known,))
    assert history_wanted(before) == "a" * 32
    after = history_merged("a" * 32, [], None)(before, T0 + timedelta(seconds=50))
    assert after.baselines["a" * 32].read_at == T0 + timedelta(seconds=50)
    assert history_wanted(after) is None
