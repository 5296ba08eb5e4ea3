"""Profiles in the app: which account the main screen shows, ``p`` to switch, and with
``--all-profiles`` the other accounts' schedulers, whose board rows and alerts join the
shown one's.

Each profile has its own :class:`PollScheduler` (its own client, rate gate and request
budget), built by the factory ``launch.py`` hands over: the app never sees a token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from textual.app import App
from textual.message import Message
from textual.screen import ModalScreen

from lobstr_tui.monitor import Event, EventKind, Level, PollScheduler, Snapshot
from lobstr_tui.monitor.derive.merged_board import merged_board
from lobstr_tui.ui.screens.profile_screen import ProfileChoice, ProfileScreen

OpenProfile = Callable[[str], PollScheduler]
"""Builds the scheduler of a profile, by name (not started)."""
Listener = Callable[[Snapshot, list[Event]], None]
ShowProfile = Callable[[PollScheduler, str, bool], None]
"""The app's part of a switch: show ``scheduler`` (profile ``name``), starting it when
the flag says so (it was not polling yet)."""
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


class SnapshotArrived(Message):
    """A scheduler (``source``; None: the shown profile's) published a new snapshot
    (and the events since the last one)."""

    def __init__(self, snapshot: Snapshot, events: list[Event],
                 source: PollScheduler | None = None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.events = events
        self.source = source


class ProfileSwitcher:
    """The schedulers of the app's profiles, and switching between them."""

    def __init__(self, app: App[Any], scheduler: PollScheduler,
                 profiles: Profiles | None = None, *,
                 refusal: Callable[[], str | None], show: ShowProfile) -> None:
        """Every scheduler's snapshots are posted to ``app`` (:class:`SnapshotArrived`);
        ``refusal`` says why no switch can be made now (None: it can), ``show`` is the
        app's part of a switch."""
        self.app = app
        self._refusal = refusal
        self._show = show
        self.current = profiles.current if profiles else DEFAULT_NAME
        self.choices = profiles.choices if profiles else ()
        self.together = bool(profiles and profiles.together)
        self._open = profiles.open if profiles else None
        self.switched = False
        """True once another profile was shown (a token rejected then is no start-up
        error)."""
        self.running: dict[str, PollScheduler] = {self.current: scheduler}
        self._unread: dict[PollScheduler, SnapshotArrived] = {}
        """Per scheduler, its snapshot message posted and not yet handled."""
        self._retired: list[PollScheduler] = []
        if self.together and self._open is not None:
            for choice in self.choices:
                if choice.name not in self.running and choice.problem is None:
                    self.running[choice.name] = self._open(choice.name)
        for each in self.running.values():
            each.listener = self.listener_for(each)

    def listener_for(self, scheduler: PollScheduler) -> Listener:
        """What ``scheduler`` calls with each snapshot: it is posted to the app."""

        def listen(snapshot: Snapshot, events: list[Event]) -> None:
            waiting = self._unread.get(scheduler)
            if waiting is not None:
                # Not rendered yet: the newer snapshot replaces it; no event is lost.
                waiting.snapshot = snapshot
                waiting.events.extend(events)
                return
            message = SnapshotArrived(snapshot, list(events), scheduler)
            self._unread[scheduler] = message
            self.app.post_message(message)

        return listen

    def taken(self, message: SnapshotArrived) -> None:
        """The app handles ``message``: a newer snapshot makes a message of its own."""
        if message.source is not None and self._unread.get(message.source) is message:
            del self._unread[message.source]

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
        old = self.running[self.current]
        if self.together:
            new = self.running[name]
            # Back to the essentials and the board rows: no selected run to keep fresh.
            old.show_board(False)
            old.select_squid(None)
        else:
            new = self._open(name)
            new.listener = self.listener_for(new)
            old.listener = None
            del self.running[self.current]
            self.running[name] = new
            self._retired.append(old)
            app.run_worker(self._retire(old), name="retire-profile", group="profiles",
                           description="closing the previous profile", exit_on_error=False)
        self.current, self.switched = name, True
        if squid_id is not None:
            new.select_squid(squid_id)
            new.select_run(run_id)
        self._show(new, name, not self.together)

    async def _retire(self, old: PollScheduler) -> None:
        await old.stop()
        await old.client.aclose()
        if old in self._retired:
            self._retired.remove(old)

    def board_shown(self, shown: bool) -> None:
        """The board came on screen (or left): the shown profile's scheduler reads its
        selected run as one of the rows meanwhile."""
        self.running[self.current].show_board(shown)

    # -- what other profiles say ---------------------------------------------------------

    def arrived_elsewhere(self, source: PollScheduler, snapshot: Snapshot,
                          events: Sequence[Event]) -> list[Event] | None:
        """A snapshot of a profile not shown (``--all-profiles``): what of it goes to the
        log and the alert channels (its alerts, a rejected token), named for its
        profile; None when ``source`` is no longer watched (closed by a switch)."""
        if source not in self.running.values():
            return None
        return named(snapshot, [e for e in events if e.alert is not None or (
            e.kind is EventKind.CONNECTION and e.level is Level.ERROR)], every=True)

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
