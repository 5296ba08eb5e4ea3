"""The profile on screen: its scheduler, the last snapshot it published, and what is
done with each new one (the log, the alerts, the main screen and the board)."""

from __future__ import annotations

from typing import Any

from textual.app import App

from lobstr_tui.exit_codes import EXIT_USAGE
from lobstr_tui.monitor import Event, LinkState, PollScheduler, Snapshot
from lobstr_tui.ui.kit.memory import settle_memory
from lobstr_tui.ui.screens.board_screen import BoardScreen
from lobstr_tui.ui.screens.history_screen import HistoryScreen
from lobstr_tui.ui.screens.main_screen import MainScreen
from lobstr_tui.ui.services.alerts import AlertDelivery
from lobstr_tui.ui.services.profiles import ProfileSwitcher, SnapshotArrived, named
from lobstr_tui.ui.widgets.runs_table import RunsTable


class ShownProfile:
    """Owns which scheduler is shown and its snapshot; the app reads both from here."""

    def __init__(self, app: App[Any], scheduler: PollScheduler,
                 alerts: AlertDelivery) -> None:
        self.app = app
        self.scheduler = scheduler
        self.snapshot = scheduler.snapshot
        self.clock = scheduler.clocks.wall
        self.alerts = alerts
        self.switcher: ProfileSwitcher | None = None
        """Set by the app once the profile switcher exists (it calls :meth:`show`)."""
        self._settled = False

    @property
    def main(self) -> MainScreen | None:
        """The main screen, once the app has one."""
        stack = self.app.screen_stack
        main = stack[0] if stack else None
        return main if isinstance(main, MainScreen) else None

    @property
    def board(self) -> BoardScreen | None:
        """The board, when it is open."""
        return next((s for s in self.app.screen_stack if isinstance(s, BoardScreen)), None)

    def board_snapshot(self, snapshot: Snapshot) -> Snapshot:
        """What the board shows: this profile's, or every profile's merged."""
        switcher = self.switcher
        return snapshot if switcher is None else switcher.board_snapshot(snapshot)

    def toggle_board(self) -> None:
        """Open the board of every active run; close it when it is in front."""
        if self.board is None:
            switcher = self.switcher
            board = BoardScreen(on_shown=switcher.board_shown if switcher else None,
                                profiles=bool(switcher and switcher.together))
            self.app.push_screen(board)
            self.app.call_after_refresh(board.show, self.board_snapshot(self.snapshot),
                                        self.clock())
        elif isinstance(self.app.screen, BoardScreen):
            self.app.pop_screen()

    def open_from_board(self, squid_id: str, run_id: str, profile: str | None) -> None:
        """Back to the main screen on a board row's squid and run (and its profile)."""
        if isinstance(self.app.screen, BoardScreen):
            self.app.pop_screen()
        main, switcher = self.main, self.switcher
        if main is None:
            return
        if switcher is not None and profile is not None and profile != switcher.current:
            switcher.switch(profile, squid_id=squid_id, run_id=run_id)
            main.query_one(RunsTable).focus()
            return
        self.scheduler.select_squid(squid_id)
        self.scheduler.select_run(run_id)
        main.open_squid(squid_id)

    def show(self, scheduler: PollScheduler, name: str, start: bool) -> None:
        """Show profile ``name``: its scheduler replaces the shown one, the squids, runs
        and detail start again from its snapshot and the log says so."""
        self.scheduler = scheduler
        main = self.main
        if main is not None:
            scheduler.show_tab(main.story_tab)
        if self.board is not None:
            scheduler.show_board(True)
        if start:
            scheduler.start()
        self.snapshot = scheduler.snapshot
        text = f"switched to profile {name}"
        if main is not None:
            main.restart()
            main.say(text)
        self.app.notify(text, timeout=3)
        self.render()

    def arrived(self, message: SnapshotArrived) -> None:
        """A snapshot from one of the profiles' schedulers."""
        switcher = self.switcher
        if switcher is not None:
            switcher.taken(message)
        if message.source is not None and message.source is not self.scheduler:
            said = switcher.arrived_elsewhere(message.source, message.snapshot,
                                              message.events) if switcher else None
            if said is None or self.main is None:
                return
            self.tell(said)
            board = self.board
            if board is not None:
                board.show(self.board_snapshot(self.snapshot), self.clock())
            return
        self.snapshot = message.snapshot
        if self.main is None:
            return  # a late snapshot while the app is closing
        connection = message.snapshot.connection
        if connection.state is LinkState.UNAUTHORIZED and connection.last_ok_at is None and (
                not (switcher and switcher.switched)):
            # Rejected before anything was ever fetched: a start-up error, not a screen
            # to keep (launch.py says how to fix it). A token revoked later keeps it.
            self.app.exit(return_code=EXIT_USAGE)
            return
        if message.snapshot.squids_loaded and not self._settled:
            self._settled = True
            self.app.call_after_refresh(settle_memory)
        if message.events:
            self.tell(named(message.snapshot, message.events))
        self.render(message.snapshot)

    def tell(self, events: list[Event]) -> None:
        """Events to the log and their alerts to the alert channels."""
        main = self.main
        if events and main is not None and main.add_events(events):
            self.alerts.deliver(events)

    def render(self, snapshot: Snapshot | None = None) -> None:
        """Show ``snapshot`` (the shown one's last, by default) everywhere."""
        main = self.main
        if not self.app.is_running or main is None or not main.ready:
            return  # a late snapshot while the app is closing
        snapshot = snapshot or self.snapshot
        now = self.clock()
        board = self.board
        if board is not None:
            board.show(self.board_snapshot(snapshot), now)
        for screen in self.app.screen_stack:
            if isinstance(screen, HistoryScreen):
                screen.show(snapshot)
        main.show(snapshot, now)

    def tick(self) -> None:
        """A second went by: the ages on screen."""
        main = self.main
        if main is None or not main.ready:
            return
        now = self.clock()
        main.tick(self.snapshot, now)
        board = self.board
        if board is not None:
            board.tick(self.snapshot, now)
