"""The run's whole story under its progress: Log, Credits, Tasks and Results tabs, like
lobstr.io's own run page (``[`` and ``]`` cycle; each is in the command palette)."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.message import Message
from textual.widgets import TabbedContent, TabPane, Tabs

from lobstr_tui.api import RunTask
from lobstr_tui.monitor import Snapshot
from lobstr_tui.monitor.model.snapshot import StoryTab
from lobstr_tui.ui.widgets.tabs.credits_panel import CreditsPanel
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from lobstr_tui.ui.widgets.tabs.results_pane import ResultsPane
from lobstr_tui.ui.widgets.tabs.tasks_pane import TasksPane, status_counts

TAB_ORDER = tuple(StoryTab)
TITLES = {StoryTab.LOG: "Log", StoryTab.CREDITS: "Credits", StoryTab.TASKS: "Tasks",
          StoryTab.RESULTS: "Results"}
PANE_SUFFIX = "-tab"


def pane_id(tab: StoryTab) -> str:
    """The id of a tab's pane (``log-tab``: ``#log`` is the log itself)."""
    return tab.value + PANE_SUFFIX


class RunStory(TabbedContent):
    """Four tabs; the open one is told to the monitor (tasks are polled only while the
    Tasks tab is open, results read when the Results tab opens)."""

    class Shown(Message):
        """Another tab is open."""

        def __init__(self, tab: StoryTab) -> None:
            super().__init__()
            self.tab = tab

    def __init__(self, **kwargs: object) -> None:
        super().__init__(initial=pane_id(StoryTab.LOG), **kwargs)  # type: ignore[arg-type]
        self._labels: dict[StoryTab, str] = {}
        self._counted: tuple[tuple[RunTask, ...], str] = ((), "")
        # The panes TabbedContent composes (as if yielded inside ``with TabbedContent``).
        self._tab_content = [
            TabPane(TITLES[StoryTab.LOG], EventLog(id="log"), id=pane_id(StoryTab.LOG)),
            TabPane(TITLES[StoryTab.CREDITS], CreditsPanel(id="credits"),
                    id=pane_id(StoryTab.CREDITS)),
            TabPane(TITLES[StoryTab.TASKS], TasksPane(id="tasks"), id=pane_id(StoryTab.TASKS)),
            TabPane(TITLES[StoryTab.RESULTS], ResultsPane(id="results"),
                    id=pane_id(StoryTab.RESULTS)),
        ]

    def on_mount(self) -> None:
        # The tab bar is for the eye and the mouse; [ and ] switch tabs, and tab moves
        # between panes as before.
        self.query_one(Tabs).can_focus = False

    @property
    def tab(self) -> StoryTab:
        """The open tab."""
        return StoryTab((self.active or pane_id(StoryTab.LOG)).removesuffix(PANE_SUFFIX))

    def cycle(self, step: int) -> None:
        """Open the next (``1``) or previous (``-1``) tab."""
        index = TAB_ORDER.index(self.tab)
        self.open(TAB_ORDER[(index + step) % len(TAB_ORDER)])

    def open(self, tab: StoryTab) -> None:
        """Open ``tab`` (the focus follows when it was in another tab)."""
        inside = self.has_focus_within
        self.active = pane_id(tab)
        if inside:
            self.call_after_refresh(self.focus_content)

    def focus_content(self) -> None:
        """Focus what the open tab shows (the log, the credits or a table)."""
        pane = {StoryTab.LOG: "#log", StoryTab.CREDITS: "#credits",
                StoryTab.TASKS: "#tasks-table", StoryTab.RESULTS: "#results-table"}
        self.query_one(pane[self.tab]).focus()

    @on(TabbedContent.TabActivated)
    def _activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        self.post_message(self.Shown(self.tab))

    def show(self, snapshot: Snapshot, now: datetime) -> None:
        """Tab labels with counts, and the open tab's content."""
        tasks = snapshot.tasks
        if tasks is not self._counted[0]:  # counted once per read, not per snapshot
            self._counted = (tasks, status_counts(tasks) if tasks else "")
        task_label = TITLES[StoryTab.TASKS]
        if tasks:
            task_label += " " + self._counted[1]
            left = snapshot.tasks_total - len(tasks)
            if left > 0:
                task_label += f" +{left:,}"
        results = snapshot.results
        result_label = TITLES[StoryTab.RESULTS]
        if results.run_id == snapshot.selected_run_id and results.total:
            result_label += f" {results.total:,}"
        self._label(StoryTab.TASKS, task_label)
        self._label(StoryTab.RESULTS, result_label)
        self.query_one(CreditsPanel).show(snapshot, now)
        if self.tab is StoryTab.TASKS:
            self.query_one(TasksPane).show(snapshot, now)
        elif self.tab is StoryTab.RESULTS:
            self.query_one(ResultsPane).show(snapshot, now)

    def _label(self, tab: StoryTab, label: str) -> None:
        if self._labels.get(tab) != label:
            self._labels[tab] = label
            shown = self.get_tab(pane_id(tab))
            shown.label = label
            # The tab row is as wide as its tabs, and a tab that grows can keep its old
            # width (seen within the first frames under load: Textual laid the row out
            # with the row's old width). One more layout after the next refresh settles
            # it; labels change only when the counts do.
            self.call_after_refresh(shown.refresh, layout=True)
