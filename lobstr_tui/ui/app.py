"""The lobstr-tui application: wires the poll scheduler to the widgets and the keys."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from lobstr_tui.api import Run
from lobstr_tui.monitor import ActionOutcome, Event, EventKind, Level, PollScheduler, Snapshot
from lobstr_tui.ui.confirm_screen import ConfirmScreen
from lobstr_tui.ui.credits_panel import CreditsPanel
from lobstr_tui.ui.dialog_text import abort_lines, launch_lines
from lobstr_tui.ui.event_log import EventLog
from lobstr_tui.ui.help_screen import HelpScreen
from lobstr_tui.ui.run_detail import RunDetail
from lobstr_tui.ui.runs_table import RunsTable
from lobstr_tui.ui.squid_list import SquidList
from lobstr_tui.ui.terminal_watch import TerminalWatch
from lobstr_tui.ui.top_bar import TopBar

NARROW_WIDTH = 100
SHORT_HEIGHT = 32


class SnapshotArrived(Message):
    """The scheduler published a new snapshot (and the events since the last one)."""

    def __init__(self, snapshot: Snapshot, events: list[Event]) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.events = events


class LobstrApp(App[None]):
    """The terminal cockpit: squid list, runs table, run detail, log and credits."""

    CSS_PATH = "app.tcss"
    TITLE = "lobstr-tui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit; runs keep going"),
        Binding("ctrl+q,ctrl+c", "quit", "Quit", show=False, priority=True,
                id="app.quit_ctrl"),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Keys and meanings"),
        Binding("l", "launch", "Launch", id="app.launch", tooltip="Launch a run (asks first)"),
        Binding("a", "abort", "Abort", id="app.abort", tooltip="Abort a run (asks first)"),
        Binding("r", "refresh", "Refresh", id="app.refresh", tooltip="Poll now"),
        Binding("f", "follow", "Follow log", id="app.follow", tooltip="Follow the log tail"),
        Binding("slash", "filter", "Filter", id="app.filter", tooltip="Filter squids"),
        Binding("escape", "go_back", "Back", show=False, id="app.back"),
        Binding("f12", "read_only_info", "READ-ONLY: no launch/abort", id="app.readonly"),
    ]

    def __init__(self, scheduler: PollScheduler, *, theme: str | None = None) -> None:
        """Show what ``scheduler`` publishes (it is started on mount and stopped, with
        its client closed, on exit); its read-only flag decides the actions."""
        super().__init__()
        self.scheduler = scheduler
        self.read_only = scheduler.read_only
        self.clock = scheduler.clocks.wall
        scheduler.listener = self._listen
        self.snapshot = scheduler.snapshot
        self.terminal = TerminalWatch(self)
        self.last_outcome: ActionOutcome | None = None
        if theme:
            self.theme = theme

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TopBar(id="top-bar")
        with Horizontal(id="body"):
            yield SquidList(id="squids")
            with Vertical(id="right"):
                yield RunsTable(id="runs")
                yield RunDetail(id="detail")
                with Horizontal(id="lower"):
                    yield EventLog(id="log")
                    yield CreditsPanel(id="credits")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SquidList).options.focus()
        self._fit(self.size.width, self.size.height)
        self.set_interval(1.0, self._tick, name="clock-tick")
        if not self.is_headless:
            self.terminal.start()
        self.scheduler.start()
        self._render(self.snapshot)

    def on_resize(self) -> None:
        self._fit(self.size.width, self.size.height)

    def _fit(self, width: int, height: int) -> None:
        self.screen.set_class(width < NARROW_WIDTH, "-narrow")
        self.screen.set_class(height < SHORT_HEIGHT, "-short")

    async def on_unmount(self) -> None:
        self.terminal.stop()
        await self.scheduler.stop()
        await self.scheduler.client.aclose()

    # -- data in -----------------------------------------------------------------------

    def _listen(self, snapshot: Snapshot, events: list[Event]) -> None:
        self.post_message(SnapshotArrived(snapshot, events))

    @on(SnapshotArrived)
    def _snapshot_arrived(self, message: SnapshotArrived) -> None:
        self.snapshot = message.snapshot
        if message.events and self.query(EventLog):
            self.query_one(EventLog).add(message.events)
        self._render(message.snapshot)

    def _render(self, snapshot: Snapshot) -> None:
        if not self.is_running or not self.query(TopBar):
            return  # a late snapshot while the app is closing
        now = self.clock()
        self.query_one(TopBar).show(snapshot, now)
        self.query_one(SquidList).show(snapshot)
        self.query_one(RunsTable).show(snapshot, now)
        self.query_one(RunDetail).show(snapshot, now)
        self.query_one(CreditsPanel).show(snapshot, now)

    def _tick(self) -> None:
        if not self.query(TopBar):
            return
        now = self.clock()
        self.query_one(TopBar).show(self.snapshot, now)
        if self.snapshot.active_run is not None:
            self.query_one(RunsTable).tick(self.snapshot, now)

    # -- intents out -------------------------------------------------------------------

    @on(SquidList.Selected)
    def _squid_selected(self, message: SquidList.Selected) -> None:
        self.scheduler.select_squid(message.squid_id)
        if message.opened:
            self.query_one(RunsTable).focus()

    @on(RunsTable.Highlighted)
    def _run_highlighted(self, message: RunsTable.Highlighted) -> None:
        self.scheduler.select_run(message.run_id)

    @on(RunsTable.NeedMore)
    def _need_more(self) -> None:
        self.scheduler.load_more_runs()

    # -- actions -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide launch and abort in read-only mode; show the read-only notice there."""
        if action in ("launch", "abort"):
            return not self.read_only
        if action == "read_only_info":
            return self.read_only
        return True

    def action_read_only_info(self) -> None:
        """Explain read-only mode."""
        self.notify("read-only mode: launching and aborting are disabled (--read-only)")

    def action_help(self) -> None:
        """Show keys, statuses and reasons."""
        self.push_screen(HelpScreen(read_only=self.read_only))

    def action_refresh(self) -> None:
        """Poll everything now."""
        self.scheduler.refresh()
        self.notify("refreshing…", timeout=1.5)

    def action_follow(self) -> None:
        """Toggle following the log tail."""
        following = self.query_one(EventLog).toggle_follow()
        self.notify("log follows the tail" if following else "log stays where it is",
                    timeout=1.5)

    def action_filter(self) -> None:
        """Filter the squid list by name."""
        self.query_one(SquidList).action_filter()

    def action_go_back(self) -> None:
        """Clear the filter, or go back to the squid list."""
        squids = self.query_one(SquidList)
        if not squids.clear_filter():
            squids.options.focus()

    def action_launch(self) -> None:
        """Ask, then launch a run of the selected squid."""
        squid = self.snapshot.selected_squid
        if squid is None:
            self.notify("select a squid first", severity="warning")
            return
        refusal = self.scheduler.launch_refusal(squid.id)
        if refusal is not None:
            self.notify(refusal, severity="warning")
            return
        self.push_screen(ConfirmScreen("Launch a run?", launch_lines(squid, self.snapshot),
                                       "Launch"),
                         callback=lambda yes: self._confirmed("launch", squid.id, yes))

    def abort_target(self) -> Run | None:
        """The selected run if it is active, else the selected squid's active run."""
        run = self.snapshot.selected_run
        if run is not None and run.status.is_active:
            return run
        return self.snapshot.active_run

    def action_abort(self) -> None:
        """Ask, then abort the selected (or the squid's) active run."""
        refusal = self.scheduler.abort_refusal()
        if refusal is not None:
            self.notify(refusal, severity="warning")
            return
        run = self.abort_target()
        if run is None:
            self.notify("no active run to abort for this squid", severity="warning")
            return
        self.push_screen(ConfirmScreen("Abort this run?",
                                       abort_lines(run, self.snapshot.selected_squid),
                                       "Abort", danger=True),
                         callback=lambda yes: self._confirmed("abort", run.id, yes))

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
        self.query_one(EventLog).add([Event(self.clock(), EventKind.ACTION, text,
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
        yield SystemCommand("refresh: poll everything now", "within the rate limits",
                            self.action_refresh)
        yield SystemCommand("log: follow / unfollow the tail", "f", self.action_follow)
        yield SystemCommand("filter: squids by name", "/", self.action_filter)
        yield SystemCommand("help: keys, statuses and reasons", "?", self.action_help)
