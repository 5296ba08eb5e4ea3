"""What the person asks of the poll scheduler: watch a squid, show a run, open a tab,
load more, find a run, refresh, launch and abort. Each intent changes the state at
once (published) and says which reads are due now; the loop sends them."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from lobstr_tui.monitor.derive.events import Event
from lobstr_tui.monitor.model import merge, story
from lobstr_tui.monitor.model.snapshot import Snapshot, StoryTab
from lobstr_tui.monitor.polling.actions import ActionOutcome, LaunchAbort
from lobstr_tui.monitor.polling.clock import Clocks
from lobstr_tui.monitor.polling.fetch import Ledger
from lobstr_tui.monitor.polling.jobs import JobKind
from lobstr_tui.monitor.polling.rate_gate import Backoff

SETTLE_SECONDS = 0.25
"""How long the cursor must rest on a squid or a run before its reads go out."""


class Intents:
    """The intents of :class:`~lobstr_tui.monitor.polling.scheduler.PollScheduler` (its state
    and its loop's wake-up are its own)."""

    clocks: Clocks
    actions: LaunchAbort
    _state: Snapshot
    _next_due: dict[str, float]
    _ledger: Ledger
    _backoff: Backoff
    _wake: asyncio.Event

    def _publish(self, *, extra: list[Event] | None = None) -> None:
        raise NotImplementedError

    def due(self, key: str, after: float = 0.0) -> None:
        """Poll job ``key`` again ``after`` seconds from now."""
        self._next_due[key] = self.clocks.monotonic() + after if after else 0.0

    # -- intents from the UI -----------------------------------------------------------

    def select_squid(self, squid_id: str | None, *, cursor: bool = False) -> None:
        """Watch another squid: its runs are fetched at once, or once the cursor rests on
        it when a moving ``cursor`` chose it."""
        if squid_id == self._state.selected_squid_id:
            return
        self._state = merge.squid_selected(self._state, squid_id)
        if cursor:
            self._settle(squid_id, JobKind.RUNS)
        self._publish()
        self._wake.set()

    def select_run(self, run_id: str | None, *, cursor: bool = False) -> None:
        """Show another run in the detail: stats, credits and tasks are fetched at once,
        or once the cursor rests on it when a moving ``cursor`` chose it."""
        if run_id == self._state.selected_run_id:
            return
        self._state = merge.run_selected(self._state, run_id)
        if cursor:
            self._settle(run_id, JobKind.STATS, JobKind.CREDITS, JobKind.TASKS)
        if self._state.story_tab is StoryTab.RESULTS:
            self._state = story.results_opened(self._state)
        self._publish()
        self._wake.set()

    def _settle(self, target: str | None, *kinds: JobKind) -> None:
        """The first reads of what was just selected wait ``SETTLE_SECONDS``: a cursor run
        over twenty squids must not spend twenty reads of the budget (and leave the squid
        it stops on waiting for the window to slide). A read already due keeps its time."""
        if target is None:
            return
        at = self.clocks.monotonic() + SETTLE_SECONDS
        for kind in kinds:
            self._next_due.setdefault(f"{kind.value}:{target}", at)

    def show_tab(self, tab: StoryTab) -> None:
        """The run detail shows ``tab``: tasks are polled while it is Tasks; the first
        page of results is read when it is Results."""
        state = story.tab_shown(self._state, tab)
        run_id = state.selected_run_id
        if tab is StoryTab.RESULTS:
            state = story.results_opened(state)
            if run_id and state.results.loading:
                self.due(f"{JobKind.RESULTS.value}:{run_id}")
        elif tab is StoryTab.TASKS and run_id:
            self.due(f"{JobKind.TASKS.value}:{run_id}")  # fresh counts on opening
        self._change_to(state)
        self._wake.set()

    def load_more_tasks(self) -> None:
        """Read the next page of the selected run's tasks."""
        self._change_to(story.more_tasks_wanted(self._state),
                        JobKind.OLDER_TASKS, self._state.selected_run_id)

    def load_more_results(self) -> None:
        """Read the next page of the selected run's results."""
        self._change_to(story.results_wanted(self._state), JobKind.RESULTS,
                        self._state.selected_run_id)

    def jump_to_oldest(self) -> bool:
        """Read the selected squid's oldest runs directly (the last page, and the one
        before when it is short). False when every run is loaded already."""
        state = story.oldest_wanted(self._state)
        self._change_to(state, JobKind.OLDEST_RUNS, state.selected_squid_id)
        return state.runs_jumping

    def find_run(self, run_id: str) -> None:
        """Look a run up by its id; found, it is selected (with its squid)."""
        self._ledger.find_run = run_id
        self.due(f"{JobKind.FIND_RUN.value}:{run_id}")
        self._wake.set()

    def _change_to(self, state: Snapshot, kind: JobKind | None = None,
                   target: str | None = None) -> None:
        """Take a state the person asked for; ``kind`` on ``target`` is due now."""
        if state is self._state:
            return
        self._state = state
        if kind is not None and target:
            self.due(f"{kind.value}:{target}")
        self._publish()
        self._wake.set()

    def show_board(self, shown: bool) -> None:
        """The board came on screen (or left it): while it is shown the selected run is
        read as one of its rows; back on the detail its stats are read at once."""
        state = self._state
        if shown == state.board_view:
            return
        self._state = replace(state, board_view=shown)
        if not shown and state.selected_run_id:
            self.due(f"{JobKind.STATS.value}:{state.selected_run_id}")
        self._publish()
        self._wake.set()

    def refresh(self) -> None:
        """Poll everything now (still within the rate-limit rules)."""
        for key in self._next_due:
            self._next_due[key] = 0.0
        self._backoff.reset()
        self._wake.set()

    def load_more_runs(self) -> None:
        """Fetch the next page of older runs of the selected squid."""
        state = self._state
        if not state.selected_squid_id or not state.runs_has_more or state.runs_loading_more:
            return
        self._state = replace(state, runs_loading_more=True)
        self.due(f"{JobKind.OLDER_RUNS.value}:{state.selected_squid_id}")
        self._publish()
        self._wake.set()

    def launch_refusal(self, squid_id: str) -> str | None:
        """Why a launch of ``squid_id`` would be refused right now, or None."""
        return self.actions.launch_refusal(squid_id)

    def abort_refusal(self) -> str | None:
        """Why an abort would be refused right now, or None."""
        return self.actions.abort_refusal()

    def launch(self, squid_id: str) -> asyncio.Future[ActionOutcome]:
        """Start a run of a squid (see :meth:`LaunchAbort.launch`)."""
        return self.actions.launch(squid_id)

    def abort(self, run_id: str) -> asyncio.Future[ActionOutcome]:
        """Abort a run (see :meth:`LaunchAbort.abort`)."""
        return self.actions.abort(run_id)

