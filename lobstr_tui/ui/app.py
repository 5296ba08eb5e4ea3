"""The lobstr-tui application: wires the poll scheduler to the widgets and the keys."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial
from pathlib import Path

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.filter import LineFilter, Monochrome, NoColor
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.widgets.option_list import OptionDoesNotExist
from textual.worker import Worker, WorkerState

from lobstr_tui.api import Run, Squid
from lobstr_tui.exit_codes import EXIT_USAGE
from lobstr_tui.monitor import (
    ActionOutcome,
    Event,
    EventKind,
    Level,
    LinkState,
    PollScheduler,
    Snapshot,
)
from lobstr_tui.monitor.actions import READ_ONLY_ABORT, READ_ONLY_LAUNCH
from lobstr_tui.monitor.launch_check import launch_check
from lobstr_tui.monitor.snapshot import StoryTab
from lobstr_tui.notify import AlertSettings
from lobstr_tui.ui.screens.board_screen import BoardScreen
from lobstr_tui.ui.screens.confirm_screen import ConfirmScreen
from lobstr_tui.ui.screens.help_screen import HelpScreen, app_key_rows
from lobstr_tui.ui.services.alerts import AlertDelivery
from lobstr_tui.ui.services.downloads import Downloads
from lobstr_tui.ui.services.profiles import Profiles, ProfileSwitcher, named
from lobstr_tui.ui.services.terminal import TerminalWatch
from lobstr_tui.ui.text import format as fmt
from lobstr_tui.ui.text.dialog_text import abort_lines, launch_lines
from lobstr_tui.ui.widgets.board_table import BoardTable
from lobstr_tui.ui.widgets.download_bar import DownloadBar
from lobstr_tui.ui.widgets.run_detail import RunDetail
from lobstr_tui.ui.widgets.run_find import RunFind
from lobstr_tui.ui.widgets.runs_table import RunsTable
from lobstr_tui.ui.widgets.squid_list import SquidList
from lobstr_tui.ui.widgets.tabs.event_log import EventLog
from lobstr_tui.ui.widgets.tabs.results_pane import ResultsPane
from lobstr_tui.ui.widgets.tabs.run_story import TITLES, RunStory
from lobstr_tui.ui.widgets.tabs.tasks_pane import TasksPane
from lobstr_tui.ui.widgets.top_bar import TopBar

_NO_COLOR = NoColor()
MIN_WIDTH = 60
MIN_HEIGHT = 20
NARROW_WIDTH = 100


class SnapshotArrived(Message):
    """A scheduler (``source``; None: the shown profile's) published a new snapshot
    (and the events since the last one)."""

    def __init__(self, snapshot: Snapshot, events: list[Event],
                 source: PollScheduler | None = None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.events = events
        self.source = source


def settle_memory() -> None:
    """Once the first squid list is on screen: everything alive now (Textual, our
    modules, the widgets) lives as long as the app. Set it apart from the collector, so
    a full collection no longer walks it: on a large account that walk was a 90 ms
    pause in the middle of a keystroke."""
    gc.collect()
    gc.freeze()  # undone in on_unmount (many apps come and go in one test process)


class LobstrApp(App[None]):
    """The terminal cockpit: squid list, runs table, run detail, log and credits."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # found from subclasses elsewhere too
    TITLE = "lobstr-tui"
    ENABLE_COMMAND_PALETTE = True
    # Textual sets one class of each list on the screen, after every resize too, so the
    # layout after a resize is the layout of a fresh start at that size.
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (MIN_WIDTH, "-narrow"), (NARROW_WIDTH, "-medium"),
                              (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-low"), (MIN_HEIGHT, "-short"), (32, "-tall")]

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit; runs keep going"),
        Binding("ctrl+q,ctrl+c", "quit", "Quit", show=False, priority=True,
                id="app.quit_ctrl"),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Keys and meanings"),
        Binding("l", "launch", "Launch", id="app.launch", tooltip="Launch a run (asks first)"),
        Binding("a", "abort", "Abort", id="app.abort", tooltip="Abort a run (asks first)"),
        Binding("r", "refresh", "Refresh", id="app.refresh", show=False,
                tooltip="Poll now (polling goes on by itself; r asks at once)"),
        Binding("f", "follow", "Follow", id="app.follow", tooltip="Follow the log tail"),
        Binding("slash", "filter", "Filter", id="app.filter", tooltip="Filter squids"),
        Binding("d", "download", "Download", id="app.download",
                tooltip="Download the selected run's CSV (--download-dir)"),
        Binding("w", "board", "Board", id="app.board",
                tooltip="Every active run on the account (w again: back)"),
        Binding("left_square_bracket", "tab(-1)", "Tab", id="app.tab_previous",
                tooltip="Previous tab of the run detail (Log, Credits, Tasks, Results)"),
        Binding("right_square_bracket", "tab(1)", "Tab", show=False, id="app.tab_next",
                tooltip="Next tab of the run detail (Log, Credits, Tasks, Results)"),
        Binding("escape", "go_back", "Back", show=False, id="app.back",
                tooltip="Back: from a run's detail to the runs; clear the filter"),
        # In --read-only mode launch and abort are hidden (check_action); their keys
        # then reach these bindings, which say why instead of doing nothing.
        Binding("l", "read_only('launch')", "Launch", show=False, id="app.launch_read_only",
                tooltip=READ_ONLY_LAUNCH),
        Binding("a", "read_only('abort')", "Abort", show=False, id="app.abort_read_only",
                tooltip=READ_ONLY_ABORT),
        Binding("p", "profile", "Profile", show=False, id="app.profile",
                tooltip="Switch to another profile (lobstr.io account) of config.toml"),
        # With one profile p only says how to add one (no description: not in the help).
        Binding("p", "only_profile", show=False, id="app.profile_only"),
    ]

    def __init__(self, scheduler: PollScheduler, *, theme: str | None = None,
                 alerts: AlertSettings | None = None, start_board: bool = False,
                 download_dir: Path | None = None, profiles: Profiles | None = None
                 ) -> None:
        """Show what ``scheduler`` publishes (it is started on load and stopped, with
        its client closed, on exit); its read-only flag decides the actions.
        ``profiles``: the config file's other accounts (``p`` switches; see
        :class:`~lobstr_tui.ui.services.profiles.Profiles`)."""
        super().__init__()
        self.scheduler = scheduler
        self.start_board = start_board
        self.alerts = alerts or AlertSettings()
        self.alert_delivery = AlertDelivery(self, self.alerts)
        self.downloads = Downloads(self, download_dir or Path.cwd(),
                                          client=lambda: self.scheduler.client,
                                          snapshot=lambda: self.snapshot)
        self.read_only = scheduler.read_only
        self.clock = scheduler.clocks.wall
        self.profile_switcher = ProfileSwitcher(self, scheduler, profiles,
                                        listener_for=self.listener_for,
                                        refusal=self._no_switch_now, show=self._show_profile)
        self.snapshot = scheduler.snapshot
        self.terminal = TerminalWatch(self)
        self._settled = False
        self.last_outcome: ActionOutcome | None = None
        if theme:
            self.theme = theme

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")
        yield TopBar(id="top-bar")
        with Horizontal(id="body"):
            yield SquidList(id="squids")
            with Vertical(id="right"):
                yield RunFind(id="run-find")
                yield RunsTable(id="runs")
                yield RunDetail(id="detail")
                yield RunStory(id="lower")
        yield DownloadBar(id="download")
        yield Footer()

    @property
    def board_screen(self) -> BoardScreen | None:
        """The board, when it is open."""
        return next((s for s in self.screen_stack if isinstance(s, BoardScreen)), None)

    def action_board(self) -> None:
        """Open the board of every active run (``w`` again closes it)."""
        if self.board_screen is None:
            board = BoardScreen(on_shown=self.profile_switcher.board_shown,
                                profiles=self.profile_switcher.together)
            self.push_screen(board)
            self.call_after_refresh(board.show, self.profile_switcher.board_snapshot(
                self.snapshot), self.clock())
        elif isinstance(self.screen, BoardScreen):
            self.pop_screen()

    @on(BoardTable.Open)
    def _open_from_board(self, message: BoardTable.Open) -> None:
        """Enter on a board row: back to the main screen on that squid and run (and
        its profile)."""
        if isinstance(self.screen, BoardScreen):
            self.pop_screen()
        if message.profile is not None and message.profile != self.profile_switcher.current:
            self.profile_switcher.switch(message.profile, squid_id=message.squid_id,
                                     run_id=message.run_id)
            self.main.query_one(RunsTable).focus()
            return
        self.scheduler.select_squid(message.squid_id)
        self.scheduler.select_run(message.run_id)
        options = self.main.query_one(SquidList).options
        with contextlib.suppress(OptionDoesNotExist):  # filtered out: still selected
            options.highlighted = options.get_option_index(message.squid_id)
        self.main.query_one(RunsTable).focus()

    @property
    def main(self) -> Screen[object]:
        """The main screen (squids, runs, detail), under any board, dialog or help."""
        return self.screen_stack[0] if self.screen_stack else self.screen

    def on_load(self) -> None:
        # The first requests go out before the screen is built: on a real link their
        # round trip overlaps the layout. What they bring waits in the app's message
        # queue, which Textual starts reading only after on_mount.
        self.scheduler.start()

    def on_mount(self) -> None:
        self.call_after_refresh(gc.enable)  # off while starting (cli.py)
        self.main.query_one(SquidList).options.focus()
        self._fit()
        self.set_interval(1.0, self._tick, name="clock-tick")
        if not self.is_headless:
            self.terminal.start()
        self.profile_switcher.start_others()
        if self.start_board:
            self.action_board()
        self._render(self.snapshot)

    def on_resize(self, event: events.Resize) -> None:
        if not self.screen_stack:
            return
        self._fit(event.size)
        self._render(self.snapshot)

    def _fit(self, size: Size | None = None) -> None:
        width, height = size or self.size
        self.main.query_one("#too-small", Static).update(
            f"The terminal is {width}x{height}: lobstr-tui needs at least "
            f"{MIN_WIDTH}x{MIN_HEIGHT}. Make the window larger (q quits).")
        if self.main.query(Footer):
            # Under 100 columns the footer packs its keys tighter, so all of them fit.
            footer = self.main.query_one(Footer)
            footer.compact = width < NARROW_WIDTH
            footer.show_command_palette = width >= NARROW_WIDTH  # ctrl+p still works
        self.refresh_bindings()

    async def on_unmount(self) -> None:
        gc.unfreeze()  # what was set apart goes back to the collector with the app
        self.alert_delivery.close()
        self.terminal.stop()
        await self.profile_switcher.close()

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Under NO_COLOR Textual greys colour themes and drops the colours of ANSI
        themes, choosing by the theme it starts with; a --theme comes after that, and
        greying an ANSI theme turns the terminal's default colours black on black: its
        colours are dropped instead."""
        filters = super().get_line_filters()
        if not (self.no_color and self.native_ansi_color):
            return filters
        return [_NO_COLOR if isinstance(f, Monochrome) else f for f in filters]

    # -- data in -----------------------------------------------------------------------

    def listener_for(self, scheduler: PollScheduler) -> Callable[[Snapshot, list[Event]],
                                                                   None]:
        """What ``scheduler`` calls with each snapshot: it is posted to the app."""

        def listen(snapshot: Snapshot, events: list[Event]) -> None:
            self.post_message(SnapshotArrived(snapshot, events, scheduler))

        return listen

    def _no_switch_now(self) -> str | None:
        """Why another profile cannot be shown now (None: it can)."""
        if self.downloads.busy:
            return "a download is under way: esc cancels it, then p switches"
        if self.scheduler.actions.busy:
            return "a launch or abort is under way: switch once it is answered"
        return None

    def _show_profile(self, scheduler: PollScheduler, name: str, start: bool) -> None:
        """Show profile ``name``: its scheduler replaces the shown one, the squids, runs
        and detail start again from its snapshot and the log says so."""
        self.scheduler = scheduler
        main = self.main
        scheduler.show_tab(main.query_one(RunStory).tab)
        if self.board_screen is not None:
            scheduler.show_board(True)
        if start:
            scheduler.start()
        self.snapshot = scheduler.snapshot
        squids = main.query_one(SquidList)
        if main.query_one(RunFind).has_class("-visible"):
            main.query_one(RunFind).action_close()
        squids.clear_filter()
        squids.forget()
        text = f"switched to profile {name}"
        main.query_one(EventLog).add([Event(self.clock(), EventKind.ACTION, text, Level.INFO)])
        self.notify(text, timeout=3)
        self.refresh_view()

    @on(Downloads.Changed)
    def _download_changed(self, message: Downloads.Changed) -> None:
        if self.screen_stack:
            self.main.query_one(DownloadBar).show_status(message.status)

    @on(Downloads.Said)
    def _download_said(self, message: Downloads.Said) -> None:
        if self.screen_stack:
            self.main.query_one(EventLog).add([Event(self.clock(), EventKind.ACTION,
                                                     message.text, message.level)])

    @on(SnapshotArrived)
    def _snapshot_arrived(self, message: SnapshotArrived) -> None:
        if message.source is not None and message.source is not self.scheduler:
            said = self.profile_switcher.arrived_elsewhere(message.source, message.snapshot,
                                                       message.events)
            if said is None or not self.screen_stack:
                return
            if said and self.main.query(EventLog):
                self.main.query_one(EventLog).add(said)
                self.alert_delivery.deliver(said)
            if self.board_screen is not None:
                self.board_screen.show(self.profile_switcher.board_snapshot(self.snapshot),
                                       self.clock())
            return
        self.snapshot = message.snapshot
        if not self.screen_stack:
            return  # a late snapshot while the app is closing
        connection = message.snapshot.connection
        if connection.state is LinkState.UNAUTHORIZED and connection.last_ok_at is None and (
                not self.profile_switcher.switched):
            # Rejected before anything was ever fetched: a start-up error, not a screen
            # to keep (launch.py says how to fix it). A token revoked later keeps it.
            self.exit(return_code=EXIT_USAGE)
            return
        if message.snapshot.squids_loaded and not self._settled:
            self._settled = True
            self.call_after_refresh(settle_memory)
        if message.events and self.main.query(EventLog):
            events = named(message.snapshot, message.events)
            self.main.query_one(EventLog).add(events)
            self.alert_delivery.deliver(events)
        self._render(message.snapshot)

    def refresh_view(self) -> None:
        """Show the current snapshot everywhere (after a switch of profile)."""
        self._render(self.snapshot)

    def _render(self, snapshot: Snapshot) -> None:
        if not self.is_running or not self.main.query(TopBar):
            return  # a late snapshot while the app is closing
        now = self.clock()
        board = self.board_screen
        if board is not None:
            board.show(self.profile_switcher.board_snapshot(snapshot), now)
        self.main.query_one(TopBar).show(snapshot, now)
        self.main.query_one(SquidList).show(snapshot, now)
        self.main.query_one(RunsTable).show(snapshot, now)
        self.main.query_one(RunDetail).show(snapshot, now)
        self.main.query_one(RunStory).show(snapshot, now)

    def _tick(self) -> None:
        if not self.screen_stack:
            return
        if not self.main.query(TopBar):
            return
        now = self.clock()
        self.main.query_one(TopBar).show(self.snapshot, now)
        board = self.board_screen
        if board is not None and board.query(TopBar):
            board.query_one(TopBar).show(self.snapshot, now)
        if self.snapshot.active_run is not None:
            self.main.query_one(RunsTable).tick(self.snapshot, now)

    # -- intents out -------------------------------------------------------------------

    @on(SquidList.Selected)
    def _squid_selected(self, message: SquidList.Selected) -> None:
        self.scheduler.select_squid(message.squid_id, cursor=not message.opened)
        if message.opened:
            self.main.query_one(RunsTable).focus()

    @on(RunsTable.Highlighted)
    def _run_highlighted(self, message: RunsTable.Highlighted) -> None:
        self.scheduler.select_run(message.run_id, cursor=True)

    @on(RunsTable.NeedMore)
    def _need_more(self) -> None:
        self.scheduler.load_more_runs()

    @on(RunsTable.WantOldest)
    def _want_oldest(self) -> None:
        self.scheduler.jump_to_oldest()

    @on(RunsTable.WantFind)
    def _want_find(self) -> None:
        self.main.query_one(RunFind).open()

    @on(RunFind.Changed)
    def _find_typed(self, event: RunFind.Changed) -> None:
        event.stop()
        self.main.query_one(RunsTable).find(self.main.query_one(RunFind).needle)

    @on(RunFind.Submitted)
    def _find_submitted(self, event: RunFind.Submitted) -> None:
        event.stop()
        field = self.main.query_one(RunFind)
        table = self.main.query_one(RunsTable)
        if table.find(field.needle):
            field.action_close()
            return
        if field.whole_id:
            table.follow(field.needle)
            self.scheduler.find_run(field.needle)
            self.notify(f"looking up run {field.needle[:6]}… on lobstr.io", timeout=3)
            field.action_close()
            return
        self.notify("no loaded run starts with that: type the whole run id "
                    "(32 characters) to look it up on lobstr.io", severity="warning")

    @on(RunFind.Closed)
    def _find_closed(self) -> None:
        self.main.query_one(RunsTable).focus()

    @on(RunStory.Shown)
    def _tab_shown(self, message: RunStory.Shown) -> None:
        self.scheduler.show_tab(message.tab)
        self.main.query_one(RunStory).show(self.snapshot, self.clock())

    @on(TasksPane.NeedMore)
    def _more_tasks(self) -> None:
        self.scheduler.load_more_tasks()

    @on(ResultsPane.NeedMore)
    def _more_results(self) -> None:
        self.scheduler.load_more_results()

    # -- actions -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Launch and abort are left out in read-only mode (footer, help), where their
        keys answer with a toast instead."""
        if action in ("launch", "abort"):
            return not self.read_only
        if action == "read_only":
            return self.read_only
        if action in ("profile", "only_profile"):
            return self.profile_switcher.several == (action == "profile")
        return True

    def action_profile(self) -> None:
        """Switch to another profile of config.toml (or say there is only one)."""
        self.profile_switcher.choose()

    def action_only_profile(self) -> None:
        """``p`` with one profile: say how to add another."""
        self.profile_switcher.choose()

    def action_read_only(self, kind: str) -> None:
        """Say why ``l`` or ``a`` does nothing in read-only mode."""
        self.notify(READ_ONLY_LAUNCH if kind == "launch" else READ_ONLY_ABORT,
                    severity="warning")

    def action_help(self) -> None:
        """Show keys (read from the bindings), statuses and reasons."""
        self.push_screen(HelpScreen(app_key_rows(self)))

    def action_refresh(self) -> None:
        """Poll everything now."""
        self.scheduler.refresh()
        self.notify("refreshing…", timeout=1.5)

    def action_follow(self) -> None:
        """Toggle following the log tail."""
        following = self.main.query_one(EventLog).toggle_follow()
        self.notify("log follows the tail" if following else "log stays where it is",
                    timeout=1.5)

    def action_tab(self, step: int) -> None:
        """Open the next (``1``) or previous (``-1``) tab of the run detail."""
        self.main.query_one(RunStory).cycle(step)

    def action_open_tab(self, name: str) -> None:
        """Open one tab of the run detail by name (the command palette's entries)."""
        self.main.query_one(RunStory).open(StoryTab(name))

    def action_download(self) -> None:
        """Download the selected run's CSV to the download folder."""
        self.downloads.start()

    def action_filter(self) -> None:
        """Filter the squid list by name."""
        self.main.query_one(SquidList).action_filter()

    def action_go_back(self) -> None:
        """From a run's detail back to the runs; else clear the filter, or go back to
        the squid list."""
        if self.downloads.cancel():
            return
        main = self.main
        if main.query_one(RunStory).has_focus_within:
            self.main.query_one(RunsTable).focus()
            return
        squids = self.main.query_one(SquidList)
        if not squids.clear_filter():
            squids.options.focus()

    def visible_squid(self) -> Squid | None:
        """The squid under the squid list's cursor: None when the list shows none (a
        filter that matches nothing hides the one selected before)."""
        options = self.main.query_one(SquidList).options
        index = options.highlighted
        if index is None or not 0 <= index < options.option_count:
            return None
        squid_id = options.get_option_at_index(index).id
        return next((s for s in self.snapshot.squids if s.id == squid_id), None)

    def action_launch(self) -> None:
        """Ask, then launch a run of the squid under the cursor; when the snapshot
        already shows why the launch would fail, only say why."""
        squid = self.visible_squid()
        if squid is None:
            self.notify("no squid selected: the squid list shows none to launch",
                        severity="warning")
            return
        refusal = self.scheduler.launch_refusal(squid.id)
        if refusal is not None:
            self.notify(refusal, severity="warning")
            return
        check = launch_check(self.snapshot, squid)
        lines = launch_lines(check, self.snapshot)
        if check.blocked:
            self.push_screen(ConfirmScreen("Cannot launch a run", lines, None))
            return
        self.push_screen(ConfirmScreen("Launch a run?", lines, "Launch"),
                         callback=lambda yes: self._confirmed("launch", squid.id, yes))

    def abort_target(self) -> Run | None:
        """The selected run if it is active, else the active run of the squid under the
        squid list's cursor; never a run of a squid the list does not show."""
        squid = self.visible_squid()
        if squid is None or self.snapshot.runs_squid_id != squid.id:
            return None
        run = self.snapshot.selected_run
        if run is not None and run.status.is_active:
            return run
        return next((r for r in self.snapshot.runs if r.status.is_active), None)

    def action_abort(self) -> None:
        """Ask, then abort the selected (or the squid's) active run."""
        refusal = self.scheduler.abort_refusal()
        if refusal is not None:
            self.notify(refusal, severity="warning")
            return
        squid = self.visible_squid()
        run = self.abort_target()
        if run is None:
            if squid is None:
                why = "no squid selected: the squid list shows none"
            elif self.snapshot.runs_squid_id != squid.id:
                why = f"the runs of {squid.name} are still loading"
            else:
                why = f"no active run of {squid.name} to abort"
            self.notify(why, severity="warning")
            return
        self.push_screen(ConfirmScreen("Abort this run?",
                                       abort_lines(fmt.freshest(self.snapshot, run), squid),
                                       "Abort", danger=True),
                         callback=lambda yes: self._confirmed("abort", run.id, yes))

    @on(RunsTable.RowSelected, "#runs")
    def _run_opened(self, event: RunsTable.RowSelected) -> None:
        """Enter on a run opens its detail: the run is selected, the detail scrolled
        into view and the focus moves to the log below it (esc comes back)."""
        event.stop()
        if event.row_key.value is None:
            return
        self.scheduler.select_run(str(event.row_key.value))
        self.main.query_one(RunDetail).scroll_visible(animate=False)
        self.main.query_one(RunStory).focus_content()

    def _confirmed(self, kind: str, target: str, yes: bool | None) -> None:
        """A dialog was answered: hand a confirmed action to the scheduler, which sends
        it unless one of its kind is in flight (then it answers with the reason)."""
        if not yes:
            return
        action = self.scheduler.launch if kind == "launch" else self.scheduler.abort
        self._report_when_done(action(target))

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
            self.main.query_one(EventLog).add([Event(self.clock(), EventKind.ACTION, text,
                                                     Level.ERROR)])

    # -- command palette ---------------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every action of the app, plus Textual's own (theme, keys, screenshot)."""
        yield from super().get_system_commands(screen)
        if not self.read_only:
            yield SystemCommand("launch: start a run of the selected squid",
                                "asks for confirmation first", self.action_launch)
            yield SystemCommand("abort: stop the active run", "asks for confirmation first",
                                self.action_abort)
        yield SystemCommand("board: every active run on the account", "w",
                            self.action_board)
        yield SystemCommand("profile: switch to another lobstr.io account",
                            f"p · now {self.profile_switcher.current}", self.action_profile)
        yield SystemCommand("download: the selected run's CSV", "d", self.action_download)
        yield SystemCommand("refresh: poll everything now", "within the rate limits",
                            self.action_refresh)
        yield SystemCommand("log: follow / unfollow the tail", "f", self.action_follow)
        for tab in StoryTab:
            yield SystemCommand(f"tab: {TITLES[tab]} of the run detail", "[ and ] cycle",
                                partial(self.action_open_tab, tab.value))
        yield SystemCommand("filter: squids by name", "/", self.action_filter)
        yield SystemCommand("help: keys, statuses and reasons", "?", self.action_help)
