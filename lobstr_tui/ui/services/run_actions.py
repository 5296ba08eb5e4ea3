"""`l` and `a`: ask first (or only say why not), then hand the confirmed launch or abort
to the shown profile's scheduler; what it answers is reported by the app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.app import App

from lobstr_tui.monitor import ActionOutcome, PollScheduler, Snapshot
from lobstr_tui.monitor.derive.targets import abort_choice, launch_choice, visible_squid
from lobstr_tui.ui.screens.confirm_screen import ConfirmScreen
from lobstr_tui.ui.text.dialog_text import abort_lines, launch_lines

Report = Callable[[Awaitable[ActionOutcome]], object]
"""Reports a launch's or an abort's outcome once the scheduler has it."""


class RunActions:
    """The dialogs of a launch and an abort. It reads the shown scheduler, the app's
    snapshot and the squid under the squid list's cursor through the callables it is
    given, and hands what the scheduler answers to ``report``."""

    def __init__(self, app: App[Any], *, scheduler: Callable[[], PollScheduler],
                 snapshot: Callable[[], Snapshot], squid_id: Callable[[], str | None],
                 report: Report) -> None:
        self.app = app
        self._scheduler = scheduler
        self._snapshot = snapshot
        self._squid_id = squid_id
        self._report = report

    def launch(self) -> None:
        """Ask, then launch a run of the squid under the cursor; when the snapshot
        already shows why the launch would fail, only say why."""
        snapshot = self._snapshot()
        squid = visible_squid(snapshot, self._squid_id())
        refusal = None if squid is None else self._scheduler().launch_refusal(squid.id)
        check = launch_choice(snapshot, squid, refusal)
        if isinstance(check, str):
            self.app.notify(check, severity="warning")
            return
        lines = launch_lines(check, snapshot)
        if check.blocked:
            self.app.push_screen(ConfirmScreen("Cannot launch a run", lines, None))
            return
        self.app.push_screen(ConfirmScreen("Launch a run?", lines, "Launch"),
                             callback=lambda yes: self._confirmed("launch", check.squid.id,
                                                                  yes))

    def abort(self) -> None:
        """Ask, then abort the selected (or the squid's) active run."""
        snapshot = self._snapshot()
        refusal = self._scheduler().abort_refusal()
        choice = abort_choice(snapshot, visible_squid(snapshot, self._squid_id()), refusal)
        if isinstance(choice, str):
            self.app.notify(choice, severity="warning")
            return
        run, squid = choice
        self.app.push_screen(ConfirmScreen("Abort this run?",
                                           abort_lines(run, squid),
                                           "Abort", danger=True),
                             callback=lambda yes: self._confirmed("abort", run.id, yes))

    def _confirmed(self, kind: str, target: str, yes: bool | None) -> None:
        """A dialog was answered: hand a confirmed action to the scheduler, which sends
        it unless one of its kind is in flight (then it answers with the reason)."""
        if not yes:
            return
        scheduler = self._scheduler()
        action = scheduler.launch if kind == "launch" else scheduler.abort
        self._report(action(target))
