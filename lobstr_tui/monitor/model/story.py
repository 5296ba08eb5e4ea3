"""The run's whole story, merged into the snapshot: its tasks and its result rows read
page by page, and runs of the squid reached directly (its oldest page, a run found by
its id) with the gap of runs not loaded between them and the newest.

Pure functions of a :class:`Snapshot`, like :mod:`~lobstr_tui.monitor.model.merge`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from lobstr_tui.api import Page, ResultRow, Run, RunTask
from lobstr_tui.monitor.model import merge
from lobstr_tui.monitor.model.snapshot import ResultsPreview, RunsGap, Snapshot, StoryTab

MAX_TASKS = 5_000
"""Tasks kept for the Tasks tab (100 pages of 50): a bound for a monitor left open."""
MAX_RESULT_ROWS = 2_000
"""Result rows kept for the preview (the export has them all)."""


def tab_shown(state: Snapshot, tab: StoryTab) -> Snapshot:
    """The run detail shows ``tab``."""
    return state if state.story_tab is tab else replace(state, story_tab=tab)


def tasks_read(state: Snapshot, page: Page[RunTask], asked: int, at: datetime) -> Snapshot:
    """Page ``asked`` of the selected run's tasks. Page 1 is the truth about the first
    tasks (read again while the run moves); later pages add what was not known. A page
    that is not the one asked for, brings nothing new or is the last ends the paging."""
    items = merge.unique_by_id(page.items)
    if asked == 1:
        fresh = {task.id for task in items}
        tasks = items + tuple(t for t in state.tasks if t.id not in fresh)
        ended = not page.has_next
    else:
        known = {task.id for task in state.tasks}
        new = tuple(task for task in items if task.id not in known)
        tasks = state.tasks + new
        ended = state.tasks_exhausted or merge.paging_ended(page, asked, bool(new))
    state = merge.with_skipped(merge.stored(state, "tasks", at), "tasks", page.skipped)
    return replace(state, tasks=tasks[:MAX_TASKS],
                   tasks_total=max(page.total_results, len(tasks)),
                   tasks_pages=max(state.tasks_pages, asked), tasks_loading_more=False,
                   tasks_exhausted=ended or len(tasks) >= MAX_TASKS)


def more_tasks_wanted(state: Snapshot) -> Snapshot:
    """The user scrolled to the last task loaded: the next page is wanted."""
    if not state.tasks_has_more or state.tasks_loading_more:
        return state
    return replace(state, tasks_loading_more=True)


def results_opened(state: Snapshot) -> Snapshot:
    """The Results tab opens on the selected run: its first page is read if it never
    was, or read again if the run is still collecting (its count moves)."""
    run = state.selected_run
    results = state.results
    if run is None or results.loading:
        return state
    if results.run_id != run.id or run.status.is_active:
        return replace(state, results=ResultsPreview(run_id=run.id, loading=True))
    return state


def results_wanted(state: Snapshot) -> Snapshot:
    """The person reached the last row: the next page (the first, if none was read)."""
    run_id = state.selected_run_id
    results = state.results
    if run_id is None:
        return state
    if results.run_id != run_id:
        return replace(state, results=ResultsPreview(run_id=run_id, loading=True))
    if results.loading or not results.has_more:
        return state
    return replace(state, results=replace(results, loading=True))


def results_read(state: Snapshot, run_id: str, page: Page[ResultRow], asked: int,
                 at: datetime) -> Snapshot:
    """Page ``asked`` of a run's result rows (ignored if another run is shown now)."""
    results = state.results
    if results.run_id != run_id:
        return state
    known = {row.id for row in results.rows}
    new = tuple(row for row in merge.unique_by_id(page.items) if row.id not in known)
    rows = (results.rows + new)[:MAX_RESULT_ROWS]
    ended = merge.paging_ended(page, asked, bool(new) or asked == 1) or (
        len(rows) >= MAX_RESULT_ROWS)
    state = merge.with_skipped(merge.stored(state, "results", at), "results", page.skipped)
    return replace(state, results=ResultsPreview(
        run_id=run_id, rows=rows, total=max(page.total_results, len(rows)),
        pages=max(results.pages, asked), loading=False, exhausted=ended))


def results_delayed(state: Snapshot, run_id: str, until: datetime | None) -> Snapshot:
    """A results page was refused (429): it is read again at ``until`` (None: the
    failure was not a rate limit; the page is not retried until asked again)."""
    results = state.results
    if results.run_id != run_id:
        return state
    return replace(state, results=replace(results, wait_until=until,
                                          loading=until is not None))


def results_page_wanted(state: Snapshot) -> int:
    """The number of the results page to read next."""
    return state.results.pages + 1 if state.results.run_id == state.selected_run_id else 1


# -- runs reached directly -------------------------------------------------------------


def oldest_wanted(state: Snapshot) -> Snapshot:
    """End on the runs table: the oldest runs are wanted (a no-op when every run is
    loaded, or a jump is under way)."""
    if not state.runs_has_more or state.runs_jumping:
        return state
    return replace(state, runs_jumping=True)


def tail_page_wanted(state: Snapshot, page_size: int) -> int:
    """The runs page a jump reads next: the last one, then the one before it while
    the block read so far is short (and does not reach the loaded pages)."""
    gap = state.runs_gap
    if gap is not None and gap.page > 0:
        return gap.page - 1
    return max(1, -(-state.runs_total // page_size))


def tail_read(state: Snapshot, squid_id: str, page: Page[Run], asked: int,
              page_size: int) -> Snapshot:
    """A page of the oldest runs, merged below the loaded ones with the gap between.
    The jump goes on (``runs_jumping``) with the page before while the block read so
    far fills less than half a page and pages remain between it and the loaded ones."""
    if state.selected_squid_id != squid_id:
        return state
    state = merge.runs_merged(state, squid_id, page.items, total=page.total_results)
    state = _gap_after(state, page.items[0].id if page.items else None, asked)
    short = len(state.runs) - _head_count(state) < page_size // 2
    return replace(state, runs_jumping=state.runs_gap is not None and short
                   and page.page == asked and asked > 2)


def run_found(state: Snapshot, run: Run) -> Snapshot:
    """A run found by its id, merged into the selected squid's runs (a gap above it,
    unless it is among the runs already loaded)."""
    squid_id = state.selected_squid_id
    if squid_id is None or run.squid not in ("", squid_id):
        return state
    known = any(r.id == run.id for r in state.runs)
    state = merge.runs_merged(state, squid_id, [run])
    if known or state.runs_gap is not None or not state.runs_has_more:
        return state
    return _gap_after(state, run.id, 0)


def older_read(state: Snapshot, page: Page[Run], asked: int) -> Snapshot:
    """After page ``asked`` of the newest-first pages: the gap closes when the pages
    reach the block below it (its page, or its first run)."""
    gap = state.runs_gap
    if gap is None:
        return state
    ids = {run.id for run in page.items}
    if (gap.page > 0 and asked + 1 >= gap.page) or gap.before in ids or not page.items:
        exhausted = gap.page > 0  # the block below reached the last page
        return replace(state, runs_gap=None, runs_exhausted=exhausted,
                       runs_pages=max(state.runs_pages, asked))
    return state


def _gap_after(state: Snapshot, before: str | None, page: int) -> Snapshot:
    if before is None:
        return state
    gap = state.runs_gap
    if gap is not None and gap.page > 0 and page > 0 and page >= gap.page:
        return state  # a page below the block already read: the gap starts where it did
    head = state.runs_pages
    if page and page <= head + 1:
        return replace(state, runs_gap=None, runs_exhausted=True, runs_pages=max(head, page))
    return replace(state, runs_gap=RunsGap(before=before, page=page))


def _head_count(state: Snapshot) -> int:
    """Runs above the gap (all of them when there is none)."""
    gap = state.runs_gap
    if gap is None:
        return len(state.runs)
    for index, run in enumerate(state.runs):
        if run.id == gap.before:
            return index
    return len(state.runs)
