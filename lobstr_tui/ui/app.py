"""The lobstr-tui application: wires the poll scheduler to the widgets and the keys."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from lobstr_tui.api import LobstrClient, Run
from lobstr_tui.monitor import (
    ActionOutcome,
    Event,
    PollPolicy,
    PollScheduler,
    Snapshot,
    short_id,
)
from lobstr_tui.ui import format as fmt
from lobstr_tui.ui.confirm_screen import ConfirmScreen
from lobstr_tui.ui.credits_panel import CreditsPanel
from lobstr_tui.ui.event_log import EventLog
from lobstr_tui.ui.help_screen import HelpScreen
from lobstr_tui.ui.run_detail import RunDetail
from lobstr_tui.ui.runs_table import RunsTable
from lobstr_tui.ui.squid_list import SquidList
from lobstr_tui.ui.top_bar import TopBar

NARROW_WIDTH = 100
RELAUNCH_GUARD_SECONDS = 10.0
TTY_CHECK_SECONDS = 2.0
TTY_LOST_EXIT = 1
HARD_EXIT_SECONDS = 3.0
SHORT_HEIGHT = 32

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


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

    def __init__(self, client: LobstrClient, *, read_only: bool = False,
                 poll_seconds: float = 5.0, theme: str | None = None,
                 clock: Clock = _utc_now, policy: PollPolicy | None = None,
                 seed: int | None = None) -> None:
        super().__init__()
        self.client = client
        self.read_only = read_only
        self.clock = clock
        base = policy or PollPolicy()
        self.policy = PollPolicy(**{**base.__dict__, "stats_every": poll_seconds})
        self.scheduler = PollScheduler(client, policy=self.policy, clock=clock,
                                       listener=self._listen, read_only=read_only, seed=seed)
        self.snapshot = self.scheduler.snapshot
        self._in_flight: set[str] = set()
        self._signals: list[signal.Signals] = []
        self._recent_launches: dict[str, tuple[float, str]] = {}
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
            self._watch_terminal()
        self.scheduler.start()
        self._render(self.snapshot)

    def _watch_terminal(self) -> None:
        """End cleanly on SIGTERM/SIGHUP and when the terminal goes away (dropped SSH,
        killed tmux session) instead of spinning on a dead TTY. Runs are never touched."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._leave, 0)
                self._signals.append(sig)
        self.set_interval(TTY_CHECK_SECONDS, self._check_terminal, name="tty-watchdog")

    def _check_terminal(self) -> None:
        stream = sys.__stderr__
        try:
            if stream is None or not os.isatty(stream.fileno()):
                raise OSError("no terminal")
            os.get_terminal_size(stream.fileno())
        except (OSError, ValueError):
            self._leave(TTY_LOST_EXIT)

    def _leave(self, code: int) -> None:
        """Exit now; if Textual's own shutdown hangs on a dead terminal (it can, writing
        to a closed pty), end the process anyway. Runs on the server are never touched."""
        fallback = threading.Timer(HARD_EXIT_SECONDS, os._exit, args=(code,))
        fallback.daemon = True
        fallback.start()
        self.exit(return_code=code)

    def on_resize(self) -> None:
        self._fit(self.size.width, self.size.height)

    def _fit(self, width: int, height: int) -> None:
        self.screen.set_class(width < NARROW_WIDTH, "-narrow")
        self.screen.set_class(height < SHORT_HEIGHT, "-short")

    async def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        await self.scheduler.stop()
        await self.client.aclose()

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
        if self.read_only:
            self.notify("read-only mode: launching is disabled", severity="warning")
            return
        if "launch" in self._in_flight or self.snapshot.launching:
            return
        squid = self.snapshot.selected_squid
        if squid is None:
            self.notify("select a squid first", severity="warning")
            return
        recent = self._recent_launches.get(squid.id)
        if recent is not None and time.monotonic() - recent[0] < RELAUNCH_GUARD_SECONDS:
            # A repeated key press right after a launch: never a second paid run.
            self.notify(f"run {short_id(recent[1])} was just launched for this squid",
                        severity="warning")
            return
        balance = self.snapshot.balance
        ready = "yes" if squid.is_ready else "NO: set its parameters in lobstr.io"
        tasks = {True: "tasks waiting to run", False: "no pending tasks",
                 None: "unknown"}[squid.to_complete]
        lines = [
            f"squid      {squid.name}",
            f"crawler    {squid.crawler_name or fmt.DASH}",
            f"ready      {ready}",
            f"tasks      {tasks}",
            f"credits    {fmt.credits(balance.remaining) if balance else 'unknown'} left",
            f"slots      {balance.used_slots}/{balance.total_available_slots} in use"
            if balance else "slots      unknown",
        ]
        active = self.snapshot.active_run
        if active is not None:
            lines.append(f"note       run {short_id(active.id)} is {active.status.label}: "
                         "lobstr.io allows one active run per squid")
        lines.append("A run costs credits for every result it collects.")
        self.push_screen(ConfirmScreen("Launch a run?", lines, "Launch"),
                         callback=lambda yes: self._confirmed_launch(squid.id, yes))

    def _confirmed_launch(self, squid_id: str, yes: bool | None) -> None:
        if yes:
            self._act("launch", squid_id)

    def abort_target(self) -> Run | None:
        """The selected run if it is active, else the selected squid's active run."""
        run = self.snapshot.selected_run
        if run is not None and run.status.is_active:
            return run
        return self.snapshot.active_run

    def action_abort(self) -> None:
        """Ask, then abort the selected (or the squid's) active run."""
        if self.read_only:
            self.notify("read-only mode: aborting is disabled", severity="warning")
            return
        if "abort" in self._in_flight or self.snapshot.aborting:
            return
        run = self.abort_target()
        if run is None:
            self.notify("no active run to abort for this squid", severity="warning")
            return
        squid = self.snapshot.selected_squid
        lines = [
            f"run        {run.id}",
            f"squid      {squid.name if squid else run.squid}",
            f"status     {fmt.status_label(run.status)}",
            f"results    {fmt.count(run.total_results)} so far",
            f"credits    {fmt.credits(run.credit_used)} used so far",
            "Partial results are still exported. This cannot be undone.",
        ]
        self.push_screen(ConfirmScreen("Abort this run?", lines, "Abort", danger=True),
                         callback=lambda yes: self._confirmed_abort(run.id, yes))

    def _confirmed_abort(self, run_id: str, yes: bool | None) -> None:
        if yes:
            self._act("abort", run_id)

    def _act(self, kind: str, target: str) -> None:
        """Start a confirmed launch or abort, unless one of that kind is in flight."""
        if kind in self._in_flight:
            return
        self._in_flight.add(kind)
        self._perform(kind, target)

    @work(exit_on_error=False, description="launch or abort a run")
    async def _perform(self, kind: str, target: str) -> None:
        action = self.scheduler.launch if kind == "launch" else self.scheduler.abort
        try:
            outcome = await action(target)
        finally:
            self._in_flight.discard(kind)
        if kind == "launch" and outcome.ok and outcome.run_id:
            self._recent_launches[target] = (time.monotonic(), outcome.run_id)
        self._report(outcome)

    def _report(self, outcome: ActionOutcome) -> None:
        self.last_outcome = outcome
        self.notify(outcome.message, severity="information" if outcome.ok else "error",
                    timeout=8)

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
