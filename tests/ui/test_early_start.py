"""Polling starts on load, before the screen is built (issue 14: the first request's
round trip overlaps the layout). What arrives that early waits in the app's message
queue and is shown once the screen is mounted: the squid list, the log's first events,
and the run's tab counts, drawn at their full width.

(The Tasks tab once kept its old width when its counts came within the first frames; that
race shows only under load, and ``test_snapshots`` at 80x24 is what caught it.)"""

from __future__ import annotations

import asyncio

from rich.cells import cell_len

from lobstr_tui.monitor import Event, Snapshot
from lobstr_tui.monitor.model.snapshot import StoryTab
from lobstr_tui.sim import SimServer
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from lobstr_tui.ui.widgets.tabs.run_story import TITLES, RunStory, pane_id
from tests.conftest import TOKEN, manual_world
from tests.ui_support import make_app, wait_for

EARLY_LIMIT = 400
"""Turns of 25 ms the test app waits, while loading, for the first reads (10 s)."""


class EarlyApp(LobstrApp):
    """The app, holding its start until the scheduler (started on load) has read the
    squids, the selected run and its tasks, so that all of it arrives before the main
    screen exists."""

    early_events: list[Event]
    early: Snapshot | None = None

    async def on_load(self) -> None:
        self.early_events = []
        inner = self.scheduler.listener
        assert inner is not None

        def spy(snapshot: Snapshot, events: list[Event]) -> None:
            self.early_events.extend(events)
            inner(snapshot, events)

        self.scheduler.listener = spy
        self.scheduler.start()  # LobstrApp.on_load starts it too: once is what counts
        for _ in range(EARLY_LIMIT):
            snapshot = self.scheduler.snapshot
            if snapshot.squids_loaded and snapshot.tasks and self.early_events:
                self.early = snapshot
                return
            await asyncio.sleep(0.025)


class Watched(LobstrApp):
    """The app, noting whether polling had started when the screen was mounted."""

    polling_at_mount: bool | None = None

    def on_mount(self) -> None:  # runs before LobstrApp.on_mount
        self.polling_at_mount = self.scheduler.polling


async def test_polling_starts_before_the_screen_is_mounted() -> None:
    with SimServer(manual_world(), token=TOKEN) as server:
        app = Watched(make_app(server).scheduler)
        assert not app.scheduler.polling
        async with app.run_test(size=(80, 24)) as pilot:
            assert app.polling_at_mount is True
            options = app.query_one(SquidList).options
            await wait_for(pilot, lambda: options.option_count == len(server.world.squids),
                           what="the squid list")
        assert not app.scheduler.polling, "stopped on the way out"


async def test_what_arrives_before_the_screen_is_mounted_is_shown_in_full() -> None:
    with SimServer(manual_world(), token=TOKEN) as server:
        app = EarlyApp(make_app(server).scheduler)
        async with app.run_test(size=(80, 24)) as pilot:
            assert app.early is not None, "the first reads arrived while loading"
            options = app.query_one(SquidList).options
            await wait_for(pilot, lambda: options.option_count == len(server.world.squids),
                           what="the squid list")
            log = app.query_one(EventLog)
            early_texts = [event.text for event in app.early_events]
            await wait_for(pilot, lambda: all(any(text in line for line in log.texts)
                                              for text in early_texts),
                           what="the first events in the log")
            tab = app.query_one(RunStory).get_tab(pane_id(StoryTab.TASKS))
            title = TITLES[StoryTab.TASKS]
            await wait_for(pilot, lambda: tab.label.plain.startswith(title + " "),
                           what="the task counts in the Tasks tab's label")
            # Drawn in full: the tab as wide as its label.
            await wait_for(pilot, lambda: tab.size.width >= cell_len(tab.label.plain),
                           what=f"the Tasks tab drawn {cell_len(tab.label.plain)} wide, "
                                f"not {tab.size.width}")
