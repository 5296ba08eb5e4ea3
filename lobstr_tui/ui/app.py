"""The lobstr-tui application: wires the poll scheduler to the widgets and the keys."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Iterable, Sequence
from pathlib import Path

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.driver import Driver
from textual.filter import LineFilter
from textual.geometry import Size
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from lobstr_tui.monitor import ActionOutcome, Level, PollScheduler, Snapshot
from lobstr_tui.monitor.model.snapshot import StoryTab
from lobstr_tui.monitor.polling.actions import READ_ONLY_ABORT, READ_ONLY_LAUNCH
from lobstr_tui.notify import AlertSettings
from lobstr_tui.ui.keys import APP_BINDINGS, key_works, over_main
from lobstr_tui.ui.kit.crop_updates import terminal_driver
from lobstr_tui.ui.kit.no_color import ansi_no_color
from lobstr_tui.ui.palette import OursFirst, app_commands
from lobstr_tui.ui.screens.board_screen import BoardScreen
from lobstr_tui.ui.screens.help_screen import HelpScreen, app_key_rows
from lobstr_tui.ui.screens.main_screen import MIN_HEIGHT, MIN_WIDTH, NARROW_WIDTH, MainScreen
from lobstr_tui.ui.services.alerts import AlertDelivery
from lobstr_tui.ui.services.downloads import Downloads
from lobstr_tui.ui.services.history import open_history
from lobstr_tui.ui.services.profiles import Profiles, ProfileSwitcher, SnapshotArrived
from lobstr_tui.ui.services.run_actions import RunActions
from lobstr_tui.ui.services.shown import ShownProfile
from lobstr_tui.ui.services.terminal import TerminalWatch
from lobstr_tui.ui.services.toasts import ToastFold
from lobstr_tui.ui.services.why import tell_why
from lobstr_tui.ui.widgets.board_table import BoardTable
from lobstr_tui.ui.widgets.runs_table import RunsTable
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.tabs.run_story import RunStory


class LobstrApp(App[None]):
    """The terminal cockpit: squid list, runs table, run detail, log and credits."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # found from subclasses elsewhere too
    TITLE = "lobstr-tui"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {OursFirst}  # Textual's provider, in the app's order: ours first
    # Textual sets one class of each list on the screen, after every resize too, so the
    # layout after a resize is the layout of a fresh start at that size.
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (MIN_WIDTH, "-narrow"), (NARROW_WIDTH, "-medium"),
                              (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-low"), (MIN_HEIGHT, "-short"), (32, "-tall")]

    BINDINGS = APP_BINDINGS

    def __init__(self, scheduler: PollScheduler, *, theme: str | None = None,
                 alerts: AlertSettings | None = None, start_board: bool = False,
                 download_dir: Path | None = None, profiles: Profiles | None = None
                 ) -> None:
        """Show what ``scheduler`` publishes (it is started on load and stopped, with
        its client closed, on exit); its read-only flag decides the actions.
        ``profiles``: the config file's other accounts (``p`` switches; see
        :class:`~lobstr_tui.ui.services.profiles.Profiles`)."""
        super().__init__()
        self.start_board = start_board
        self.alerts = alerts or AlertSettings()
        self.alert_delivery = AlertDelivery(self, self.alerts)
        self.shown = ShownProfile(self, scheduler, self.alert_delivery)
        self.downloads = Downloads(self, download_dir or Path.cwd(),
                                   job=lambda: self.scheduler.downloads,
                                   snapshot=lambda: self.snapshot)
        self.read_only = scheduler.read_only
        self.clock = scheduler.clocks.wall
        self.profile_switcher = ProfileSwitcher(
            self, scheduler, profiles, refusal=self._no_switch_now, show=self.shown.show)
        self.shown.switcher = self.profile_switcher
        self.run_actions = RunActions(
            self, scheduler=lambda: self.scheduler, snapshot=lambda: self.snapshot,
            squid_id=lambda: self.main.highlighted_squid_id(), report=self._report_when_done)
        self.terminal = TerminalWatch(self)
        self.toasts = ToastFold(self, spill=lambda text, level: self.main.say(text, level)
                                if self.screen_stack and self.main.ready else None)
        self.last_outcome: ActionOutcome | None = None
        if theme:
            self.theme = theme

    @property
    def scheduler(self) -> PollScheduler:
        """The shown profile's scheduler."""
        return self.shown.scheduler

    @property
    def snapshot(self) -> Snapshot:
        """The shown profile's last snapshot."""
        return self.shown.snapshot

    # -- layout ------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(scheduler=lambda: self.scheduler, snapshot=lambda: self.snapshot,
                          clock=self.clock)

    def compose(self) -> ComposeResult:
        yield from MainScreen.parts()

    @property
    def board_screen(self) -> BoardScreen | None:
        """The board, when it is open."""
        return self.shown.board

    def action_board(self) -> None:
        """Open the board of every active run (``w`` again closes it)."""
        self.shown.toggle_board()

    @on(BoardTable.Open)
    def _open_from_board(self, message: BoardTable.Open) -> None:
        """Enter on a board row: back to the main screen on that squid and run."""
        self.shown.open_from_board(message.squid_id, message.run_id, message.profile)

    @property
    def main(self) -> MainScreen:
        """The main screen (squids, runs, detail), under any board, dialog or help."""
        main = self.screen_stack[0] if self.screen_stack else self.screen
        assert isinstance(main, MainScreen)  # get_default_screen's
        return main

    def on_load(self) -> None:
        # The first requests go out before the screen is built: on a real link their
        # round trip overlaps the layout. What they bring waits in the app's message
        # queue, which Textual starts reading only after on_mount.
        self.scheduler.start()

    def on_mount(self) -> None:
        self.call_after_refresh(gc.enable)  # off while starting (cli.py)
        self.call_after_refresh(self.scheduler.client.release)  # see api.early
        self.main.query_one(SquidList).options.focus()
        self._fit()
        self.set_interval(1.0, self.shown.tick, name="clock-tick")
        if not self.is_headless:
            self.terminal.start()
        self.profile_switcher.start_others()
        if self.start_board:
            self.action_board()
        self.shown.render()

    def on_resize(self, event: events.Resize) -> None:
        if not self.screen_stack:
            return
        self._fit(event.size)
        self.shown.render()

    def _fit(self, size: Size | None = None) -> None:
        self.main.fit(*(size or self.size))
        self.refresh_bindings()

    async def on_unmount(self) -> None:
        gc.unfreeze()  # what was set apart goes back to the collector with the app
        self.alert_delivery.close()
        self.terminal.stop()
        await self.profile_switcher.close()

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver: no line left after a resize, updates cropped (see ui.kit)."""
        return terminal_driver(super().get_driver_class())

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Under NO_COLOR an ANSI theme's colours are dropped, not greyed (black on
        black): see :func:`~lobstr_tui.ui.kit.no_color.ansi_no_color`."""
        filters = super().get_line_filters()
        return ansi_no_color(filters) if self.no_color and self.native_ansi_color else filters

    # -- data in -----------------------------------------------------------------------

    def _no_switch_now(self) -> str | None:
        """Why another profile cannot be shown now (None: it can)."""
        if self.downloads.busy:
            return "a download is under way: esc cancels it, then p switches"
        if self.scheduler.actions.busy:
            return "a launch or abort is under way: switch once it is answered"
        return None

    @on(Downloads.Said)
    def _download_said(self, message: Downloads.Said) -> None:
        if self.screen_stack:
            self.main.say(message.text, message.level)

    @on(SnapshotArrived)
    def _snapshot_arrived(self, message: SnapshotArrived) -> None:
        self.shown.arrived(message)

    # -- actions -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Which keys work now (footer, help): see :func:`~lobstr_tui.ui.keys.key_works`."""
        return key_works(action, read_only=self.read_only,
                         several=self.profile_switcher.several,
                         board=bool(self.screen_stack) and over_main(self.screen))

    def action_profile(self) -> None:
        """Switch to another profile of config.toml (or say there is only one)."""
        self.profile_switcher.choose()

    def action_only_profile(self) -> None:
        """``p`` with one profile: say how to add another."""
        self.profile_switcher.choose()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """A toast, at most two at once at small sizes: see :class:`ToastFold`."""
        self.toasts.notify(message, title, severity,
                           self.NOTIFICATION_TIMEOUT if timeout is None else timeout, markup)

    def action_read_only(self, kind: str) -> None:
        """Say why ``l`` or ``a`` does nothing in read-only mode."""
        self.notify(READ_ONLY_LAUNCH if kind == "launch" else READ_ONLY_ABORT, severity="warning")

    def action_help(self) -> None:
        """Show keys (read from the bindings), statuses and reasons."""
        self.push_screen(HelpScreen(app_key_rows(self)))

    def action_refresh(self) -> None:
        """Poll everything now."""
        self.scheduler.refresh()
        self.notify("refreshing…", timeout=1.5)

    def action_follow(self) -> None:
        """Toggle following the log tail."""
        self.main.toggle_follow()

    def action_tab(self, step: int) -> None:
        """Open the next (``1``) or previous (``-1``) tab of the run detail."""
        self.main.query_one(RunStory).cycle(step)

    def action_open_tab(self, name: str) -> None:
        """Open one tab of the run detail by name (the command palette's entries)."""
        self.main.query_one(RunStory).open(StoryTab(name))

    def action_why(self) -> None:
        """The whole story of why the run in view is where it is."""
        tell_why(self, self.snapshot, self.board_screen if isinstance(
            self.screen, BoardScreen) else None, self.clock())

    def action_history(self) -> None:
        """The squid's last runs as a picture (``h``; see services/history.py)."""
        open_history(self, self.shown)

    def action_download(self) -> None:
        """Download the selected run's CSV to the download folder."""
        self.downloads.start()

    def action_filter(self) -> None:
        """Filter the squid list by name."""
        self.main.query_one(SquidList).action_filter()

    def action_go_back(self) -> None:
        """From a run's detail back to the runs; else clear the filter, or go back to
        the squid list."""
        if not self.downloads.cancel():
            self.main.go_back()

    def action_launch(self) -> None:
        """Ask, then launch a run of the squid under the cursor; when the snapshot
        already shows why the launch would fail, only say why."""
        self.run_actions.launch()

    def action_abort(self) -> None:
        """Ask, then abort the selected (or the squid's) active run."""
        self.run_actions.abort()

    @work(exit_on_error=False, group="actions", description="report a launch or abort")
    async def _report_when_done(self, outcome: Awaitable[ActionOutcome]) -> None:
        self._report(await outcome)

    def _report(self, outcome: ActionOutcome) -> None:
        self.last_outcome = outcome
        self.notify(outcome.message, severity="information" if outcome.ok else "error",
                    timeout=8)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A failed worker is said on screen and in the log, never dropped silently."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        text = (f"{event.worker.description or event.worker.name} failed: "
                f"{type(error).__name__}: {error}")
        self.notify(text, severity="error", timeout=10)
        if self.screen_stack:
            self.main.say(text, Level.ERROR)

    # -- command palette ---------------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every action of the app, then Textual's own (theme, keys, screenshot)."""
        yield from app_commands(self, self.profile_switcher.current,
                                self.main.query_one(RunsTable).action_find)
        yield from super().get_system_commands(screen)
