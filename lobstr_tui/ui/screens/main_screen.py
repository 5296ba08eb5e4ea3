"""The main screen: squids, runs, the selected run's detail and tabs, the download bar. It
shows each snapshot and hands its widgets' intents (select, load more, find, open a
tab) to the shown profile's scheduler."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static
from textual.widgets.option_list import OptionDoesNotExist

from lobstr_tui.monitor import Event, EventKind, Level, PollScheduler, Snapshot
from lobstr_tui.monitor.model.snapshot import StoryTab
from lobstr_tui.ui.kit.fit_footer import FitFooter
from lobstr_tui.ui.widgets.download_bar import DownloadBar
from lobstr_tui.ui.widgets.run_detail import RunDetail
from lobstr_tui.ui.widgets.run_find import RunFind
from lobstr_tui.ui.widgets.runs_table import RunsTable
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from lobstr_tui.ui.widgets.tabs.results_pane import ResultsPane
from lobstr_tui.ui.widgets.tabs.run_story import RunStory
from lobstr_tui.ui.widgets.tabs.tasks_pane import TasksPane
from lobstr_tui.ui.widgets.top_bar import TopBar
from lobstr_tui.ui.widgets.unreachable_banner import UnreachableBanner

MIN_WIDTH = 60
MIN_HEIGHT = 20
NARROW_WIDTH = 100


class MainScreen(Screen[None]):
    """The app's default screen. Textual starts it before the app composes, and the app
    queries it as soon as it has composed: so its widgets come from the app's
    ``compose`` (:meth:`parts`), as they do on a plain default screen."""

    def __init__(self, *, scheduler: Callable[[], PollScheduler],
                 snapshot: Callable[[], Snapshot], clock: Callable[[], datetime]) -> None:
        """``scheduler``: the shown profile's (it changes with a switch of profile);
        ``snapshot``: the app's current one; ``clock``: the wall clock."""
        super().__init__(id="_default")
        self._scheduler = scheduler
        self._snapshot = snapshot
        self._clock = clock

    @staticmethod
    def parts() -> ComposeResult:
        """The widgets of the main screen, in order."""
        yield Static(id="too-small")
        yield TopBar(id="top-bar")
        yield UnreachableBanner(id="unreachable")
        with Horizontal(id="body"):
            yield SquidList(id="squids")
            with Vertical(id="right"):
                yield RunFind(id="run-find")
                yield RunsTable(id="runs")
                yield RunDetail(id="detail")
                yield RunStory(id="lower")
        yield DownloadBar(id="download")
        yield FitFooter()

    # -- showing -------------------------------------------------------------------------

    def fit(self, width: int, height: int) -> None:
        """Fit the screen to a terminal of ``width`` x ``height``: what too small says
        (the footer fits itself: :class:`FitFooter`)."""
        self.query_one("#too-small", Static).update(
            f"The terminal is {width}x{height}: lobstr-tui needs at least "
            f"{MIN_WIDTH}x{MIN_HEIGHT}. Make the window larger (q quits).")

    @property
    def ready(self) -> bool:
        """True once the widgets are mounted (and until they are removed)."""
        return bool(self.query(TopBar))

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Show a snapshot as of ``now`` in every widget."""
        self.query_one(TopBar).show(snapshot, now)
        self.query_one(UnreachableBanner).show(snapshot.connection,
                                               self._scheduler().client.base_url)
        self.query_one(SquidList).show(snapshot, now)
        self.query_one(RunsTable).show(snapshot, now)
        self.query_one(RunDetail).show(snapshot, now)
        self.query_one(RunStory).show(snapshot, now)
        self.query_one(DownloadBar).show_status(snapshot.export)

    def tick(self, snapshot: Snapshot, now: datetime) -> None:
        """A second went by: ages in the top bar, and the active run's row."""
        self.query_one(TopBar).show(snapshot, now)
        if snapshot.active_run is not None:
            self.query_one(RunsTable).tick(snapshot, now)

    def add_events(self, events: list[Event]) -> bool:
        """Events to the log; False when there is no log (yet, or any more)."""
        if not self.query(EventLog):
            return False
        self.query_one(EventLog).add(events)
        return True

    def toggle_follow(self) -> None:
        """Follow the log's tail, or stop following it, and say which."""
        following = self.query_one(EventLog).toggle_follow()
        self.notify("log follows the tail" if following else "log stays where it is",
                    timeout=1.5)

    def say(self, text: str, level: Level = Level.INFO) -> None:
        """One line of the app's own in the log."""
        self.query_one(EventLog).add([Event(self._clock(), EventKind.ACTION, text, level)])

    def restart(self) -> None:
        """Another profile is shown: the run id search closes, the squid filter clears
        and the squid list lays itself out afresh from the next snapshot."""
        squids = self.query_one(SquidList)
        if self.query_one(RunFind).has_class("-visible"):
            self.query_one(RunFind).action_close()
        squids.clear_filter()
        squids.forget()

    def highlighted_squid_id(self) -> str | None:
        """The id of the squid under the squid list's cursor: None when the list shows
        none (a filter that matches nothing hides the one selected before)."""
        options = self.query_one(SquidList).options
        index = options.highlighted
        if index is None or not 0 <= index < options.option_count:
            return None
        return options.get_option_at_index(index).id

    def open_squid(self, squid_id: str) -> None:
        """Put the squid list's cursor on ``squid_id`` (it stays selected if filtered
        out) and the focus on the runs."""
        options = self.query_one(SquidList).options
        with contextlib.suppress(OptionDoesNotExist):  # filtered out: still selected
            options.highlighted = options.get_option_index(squid_id)
        self.query_one(RunsTable).focus()

    def go_back(self) -> None:
        """From a run's detail back to the runs; else clear the filter, or go back to
        the squid list."""
        if self.query_one(RunStory).has_focus_within:
            self.query_one(RunsTable).focus()
            return
        squids = self.query_one(SquidList)
        if not squids.clear_filter():
            squids.options.focus()

    # -- intents out ---------------------------------------------------------------------

    @on(SquidList.Selected)
    def _squid_selected(self, message: SquidList.Selected) -> None:
        self._scheduler().select_squid(message.squid_id, cursor=not message.opened)
        if message.opened:
            self.query_one(RunsTable).focus()

    @on(RunsTable.Highlighted)
    def _run_highlighted(self, message: RunsTable.Highlighted) -> None:
        self._scheduler().select_run(message.run_id, cursor=True)

    @on(RunsTable.NeedMore)
    def _need_more(self) -> None:
        self._scheduler().load_more_runs()

    @on(RunsTable.WantOldest)
    def _want_oldest(self) -> None:
        self._scheduler().jump_to_oldest()

    @on(RunsTable.RowSelected, "#runs")
    def _run_opened(self, event: RunsTable.RowSelected) -> None:
        """Enter on a run opens its detail: the run is selected, the detail scrolled
        into view and the focus moves to the log below it (esc comes back)."""
        event.stop()
        if event.row_key.value is None:
            return
        self._scheduler().select_run(str(event.row_key.value))
        self.query_one(RunDetail).scroll_visible(animate=False)
        self.query_one(RunStory).focus_content()

    @on(RunsTable.WantFind)
    def _want_find(self) -> None:
        self.query_one(RunFind).open()

    @on(RunFind.Changed)
    def _find_typed(self, event: RunFind.Changed) -> None:
        event.stop()
        self.query_one(RunsTable).find(self.query_one(RunFind).needle)

    @on(RunFind.Submitted)
    def _find_submitted(self, event: RunFind.Submitted) -> None:
        event.stop()
        field = self.query_one(RunFind)
        table = self.query_one(RunsTable)
        if table.find(field.needle):
            field.action_close()
            return
        if field.whole_id:
            table.follow(field.needle)
            self._scheduler().find_run(field.needle)
            self.notify(f"looking up run {field.needle[:6]}… on lobstr.io", timeout=3)
            field.action_close()
            return
        self.notify("no loaded run starts with that: type the whole run id "
                    "(32 characters) to look it up on lobstr.io", severity="warning")

    @on(RunFind.Closed)
    def _find_closed(self) -> None:
        self.query_one(RunsTable).focus()

    @on(RunStory.Shown)
    def _tab_shown(self, message: RunStory.Shown) -> None:
        self._scheduler().show_tab(message.tab)
        self.query_one(RunStory).show(self._snapshot(), self._clock())

    @on(TasksPane.NeedMore)
    def _more_tasks(self) -> None:
        self._scheduler().load_more_tasks()

    @on(ResultsPane.NeedMore)
    def _more_results(self) -> None:
        self._scheduler().load_more_results()

    @property
    def story_tab(self) -> StoryTab:
        """The run detail's tab on screen."""
        return self.query_one(RunStory).tab
