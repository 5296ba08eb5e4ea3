"""Profiles in the app: which account the main screen shows, ``p`` to switch, and with
``--all-profiles`` the other accounts' schedulers, whose board rows and alerts join the
shown one's.

Each profile has its own :class:`PollScheduler` (its own client, rate gate and request
budget), built by the factory ``launch.py`` hands over: the app never sees a token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from textual.screen import ModalScreen

from lobstr_tui.monitor import Event, EventKind, Level, PollScheduler, Snapshot
from lobstr_tui.monitor.together import merged_board
from lobstr_tui.ui.event_log import EventLog
from lobstr_tui.ui.profile_screen import ProfileChoice, ProfileScreen
from lobstr_tui.ui.run_find import RunFind
from lobstr_tui.ui.run_story import RunStory
from lobstr_tui.ui.squid_list import SquidList

if TYPE_CHECKING:
    from lobstr_tui.ui.app import LobstrApp

OpenProfile = Callable[[str], PollScheduler]
"""Builds the scheduler of a profile, by name (not started)."""
ONLY_ONE = "only one profile: add [profiles.NAME] to config.toml"
DEFAULT_NAME = "default"


@dataclass(frozen=True)
class Profiles:
    """What the app is told of the config file's profiles: the one shown at start, every
    one (in order), how to open one, and whether all are watched at once."""

    current: str
    choices: tuple[ProfileChoice, ...]
    open: OpenProfile
    together: bool = False
    """``--all-profiles``: every profile polls all the time; the board and the alerts
    cover them all."""


class ProfileDesk:
    """The schedulers of the app's profiles, and switching between them."""

    def __init__(self, app: LobstrApp, scheduler: PollScheduler,
                 profiles: Profiles | None = None) -> None:
        self.app = app
        self.current = profiles.current if profiles else DEFAULT_NAME
        self.choices = profiles.choices if profiles else ()
        self.together = bool(profiles and profiles.together)
        self._open = profiles.open if profiles else None
        self.switched = False
        """True once another profile was shown (a token rejected then is no start-up
        error)."""
        self.running: dict[str, PollScheduler] = {self.current: scheduler}
        self._retired: list[PollScheduler] = []
        if self.together and self._open is not None:
            for choice in self.choices:
                if choice.name not in self.running and choice.problem is None:
                    self.running[choice.name] = self._open(choice.name)
        for each in self.running.values():
            each.listener = app.listener_for(each)

    @property
    def closing(self) -> tuple[PollScheduler, ...]:
        """Schedulers of profiles switched away from, still being stopped."""
        return tuple(self._retired)

    @property
    def several(self) -> bool:
        """True when there is another profile to switch to."""
        return len(self.choices) > 1 and self._open is not None

    # -- lifecycle -----------------------------------------------------------------------

    def start_others(self) -> None:
        """Start the other profiles' polling (``--all-profiles``)."""
        for name, each in self.running.items():
            if name != self.current:
                each.start()

    async def close(self) -> None:
        """Stop every scheduler and close its client (the app is closing)."""
        for each in [*self.running.values(), *self._retired]:
            each.listener = None
            await each.stop()
            await each.client.aclose()

    # -- switching -----------------------------------------------------------------------

    def choose(self) -> None:
        """``p``: ask which profile to show (or say why there is no choice)."""
        app = self.app
        if isinstance(app.screen, ModalScreen):
            return  # a dialog is open: it answers first
        if not self.several:
            app.notify(ONLY_ONE, severity="warning")
            return
        refusal = self._refusal()
        if refusal is not None:
            app.notify(refusal, severity="warning")
            return
        app.push_screen(ProfileScreen(self.choices, self.current),
                        callback=lambda name: self.switch(name) if name else None)

    def _refusal(self) -> str | None:
        if self.app.download_desk.busy:
            return "a download is under way: esc cancels it, then p switches"
        if self.app.scheduler.actions.busy:
            return "a launch or abort is under way: switch once it is answered"
        return None

    def switch(self, name: str, *, squid_id: str | None = None,
               run_id: str | None = None) -> None:
        """Show profile ``name`` (on ``squid_id`` and ``run_id`` when given): its
        scheduler replaces the shown one, the squids, runs and detail start again from
        its snapshot and the log says so."""
        app = self.app
        if name == self.current or self._open is None:
            return
        refusal = self._refusal()  # (it may have started while the picker was open)
        if refusal is not None:
            app.notify(refusal, severity="warning")
            return
        old = app.scheduler
        board_open = app.board_screen is not None
        if self.together:
            new = self.running[name]
            # Back to the essentials and the board rows: no selected run to keep fresh.
            old.show_board(False)
            old.select_squid(None)
        else:
            new = self._open(name)
            new.listener = app.listener_for(new)
            old.listener = None
            del self.running[self.current]
            self.running[name] = new
            self._retired.append(old)
            app.run_worker(self._retire(old), name="retire-profile", group="profiles",
                           description="closing the previous profile", exit_on_error=False)
        self.current, self.switched = name, True
        app.scheduler = new
        main = app.main
        new.show_tab(main.query_one(RunStory).tab)
        if board_open:
            new.show_board(True)
        if squid_id is not None:
            new.select_squid(squid_id)
            new.select_run(run_id)
        if not self.together:
            new.start()
        app.snapshot = new.snapshot
        squids = main.query_one(SquidList)
        if main.query_one(RunFind).has_class("-visible"):
            main.query_one(RunFind).action_close()
        squids.clear_filter()
        squids.forget()
        text = f"switched to profile {name}"
        main.query_one(EventLog).add([Event(app.clock(), EventKind.ACTION, text, Level.INFO)])
        app.notify(text, timeout=3)
        app.refresh_view()

    async def _retire(self, old: PollScheduler) -> None:
        await old.stop()
        await old.client.aclose()
        if old in self._retired:
            self._retired.remove(old)

    def board_shown(self, shown: bool) -> None:
        """The board came on screen (or left): the shown profile's scheduler reads its
        selected run as one of the rows meanwhile."""
        self.app.scheduler.show_board(shown)

    # -- what other profiles say ---------------------------------------------------------

    def arrived_elsewhere(self, source: PollScheduler, snapshot: Snapshot,
                          events: Sequence[Event]) -> None:
        """A snapshot of a profile not shown (``--all-profiles``): its alerts (and a
        rejected token) go to the log and the alert channels; the board is redrawn."""
        app = self.app
        if source not in self.running.values() or not app.screen_stack:
            return  # the word of a profile closed by a switch
        said = named(snapshot, [e for e in events if e.alert is not None or (
            e.kind is EventKind.CONNECTION and e.level is Level.ERROR)], every=True)
        if said and app.main.query(EventLog):
            app.main.query_one(EventLog).add(said)
            app.alert_desk.deliver(said)
        board = app.board_screen
        if board is not None:
            board.show(self.board_snapshot(app.snapshot), app.clock())

    def board_snapshot(self, shown: Snapshot) -> Snapshot:
        """What the board shows: ``shown``, with every profile's rows when all are
        watched at once."""
        if not self.together:
            return shown
        every = [shown if name == self.current else each.snapshot
                 for name, each in self.running.items()]
        return merged_board(shown, every)


def named(snapshot: Snapshot, events: Iterable[Event], *, every: bool = False
          ) -> list[Event]:
    """``events`` with each alert (``every``: each event) naming the snapshot's profile,
    when it is named: in its text, and as ``profile`` in the ``--notify-cmd`` payload."""
    profile = snapshot.profile
    if profile is None:
        return list(events)
    return [replace(e, text=f"{profile}: {e.text}",
                    payload={**e.payload, "profile": profile} if e.payload else e.payload)
            if every or e.alert is not None else e for e in events]
