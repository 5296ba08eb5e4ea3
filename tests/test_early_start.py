"""Polling starts before the screen is built (issue 14: the first request's round trip
overlaps the layout). Whatever arrives before the main screen is mounted is held and
shown once it is: the squid list, the log's first events, the run's tab counts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lobstr_tui.monitor import Event, Snapshot
from lobstr_tui.monitor.snapshot import StoryTab
from lobstr_tui.sim import SimServer
from lobstr_tui.ui import app as app_module
from lobstr_tui.ui.app import LobstrApp
from lobstr_tui.ui.event_log import EventLog
from lobstr_tui.ui.run_story import TITLES
from lobstr_tui.ui.squid_list import SquidList
from tests.conftest import TOKEN, manual_world
from tests.test_story import tab_label
from tests.ui_support import make_app, wait_for

EARLY_LIMIT = 400
"""Turns of 25 ms the test app waits, while loading, for the first reads (10 s)."""


class EarlyApp(LobstrApp):
    """The app, holding its start until the scheduler (started on load) has read the
    squids, the selected run and its tasks, so that all of it arrives before the main
    screen exists."""

    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))
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


async def test_what_arrives_before_the_screen_is_mounted_is_shown_once_it_is() -> None:
    with SimServer(manual_world(), token=TOKEN) as server:
        built = make_app(server)
        app = EarlyApp(built.scheduler)
        async with app.run_test(size=(120, 40)) as pilot:
            assert app.early is not None, "the first reads arrived while loading"
            options = app.query_one(SquidList).options
            await wait_for(pilot, lambda: options.option_count == len(server.world.squids),
                           what="the squid list")
            log = app.query_one(EventLog)
            early_texts = [event.text for event in app.early_events]
            await wait_for(pilot, lambda: all(any(text in line for line in log.texts)
                                              for text in early_texts),
                           what="the first events in the log")
            label = tab_label(app, StoryTab.TASKS)
            assert label.startswith(TITLES[StoryTab.TASKS] + " ")
            assert len(label) > len(TITLES[StoryTab.TASKS]) + 1, label
