"""``lobstr-tui wait``: follow one run to its end and say how it ended.

The run is named by its id (or a unique prefix), or found as a squid's active run
(``--launch`` starts one when there is none). It is read every ``period`` seconds (its
stats too while it works) within the request budget; each change of status is an alert
(the same objects as ``--notify-cmd``), a pause included: it is said, with its reason
and what to do, and the wait goes on. A run that has already ended is answered at once.
After a good end, ``--download`` saves the CSV as ``d`` does in the cockpit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from lobstr_tui.api import (
    BusinessError,
    ForbiddenError,
    LobstrError,
    NotFoundError,
    Run,
    RunStats,
    RunStatus,
    Squid,
    StatusKind,
    UnauthorizedError,
)
from lobstr_tui.api.text import duration_text
from lobstr_tui.monitor.derive.events import short_id
from lobstr_tui.monitor.derive.launch_check import launch_check
from lobstr_tui.monitor.model.baseline import ended_well
from lobstr_tui.monitor.model.snapshot import Snapshot
from lobstr_tui.monitor.model.transitions import status_changed
from lobstr_tui.monitor.polling.actions import request_launch
from lobstr_tui.monitor.polling.alerts import run_alert
from lobstr_tui.monitor.polling.export import Export
from lobstr_tui.monitor.polling.tracker import RunChange
from lobstr_tui.script.ending import Ending, Verdict, has_ended
from lobstr_tui.script.lookup import NotFound, run_by_id, squid_named
from lobstr_tui.script.output import Mode, Output, end_text, pause_text
from lobstr_tui.script.polite import Polite, TimedOut, TokenRefused, Unreachable

MIN_PERIOD = 5.0
"""The default period never goes under this (polite by default)."""
PERIOD_SHARE = 0.5
"""The share of ``--budget`` a wait spends at most (a run and its stats per read)."""
DOWNLOAD_PATIENCE = 600.0


def default_period(budget: float) -> float:
    """Seconds between two reads: a run and its stats per read, within half the budget
    (8 s at the default 30 a minute), never under :data:`MIN_PERIOD`."""
    return max(MIN_PERIOD, 2 * 60.0 / (budget * PERIOD_SHARE))


@dataclass(frozen=True, slots=True)
class WaitOptions:
    """What to wait on and how."""

    run_id: str | None = None
    squid: str | None = None
    launch: bool = False
    timeout: float | None = None
    download: Path | None = None
    period: float = 8.0


class Waiter:
    """One wait: ``await Waiter(...).wait()`` returns its :class:`Ending` (never raises
    for what lobstr.io or the network do); :attr:`run` is the run as last read, for the
    caller to name when the wait is interrupted."""

    def __init__(self, polite: Polite, options: WaitOptions, output: Output) -> None:
        self.polite = polite
        self.options = options
        self.output = output
        self.run: Run | None = None
        self.stats: RunStats | None = None
        self.squid_name = ""

    async def wait(self) -> Ending:
        """Find the run, follow it, end."""
        clocks = self.polite.clocks
        if self.options.timeout is not None:
            self.polite.deadline = clocks.monotonic() + self.options.timeout
        try:
            return await self._wait()
        except TimedOut:
            return self._timed_out()
        except TokenRefused as refused:
            return Ending(Verdict.TOKEN_REFUSED, f"lobstr.io refused the token "
                          f"({refused.message}): check LOBSTR_TOKEN or the profile's "
                          "token", self.run)
        except Unreachable as down:
            still = (f"; run {short_id(self.run.id)} keeps going" if self.run is not None
                     else "")
            return Ending(Verdict.UNREACHABLE, f"{down.describe()}: giving up{still}",
                          self.run)
        except NotFound as missing:
            return Ending(Verdict.USAGE, str(missing))
        except LobstrError as error:
            # Not about the link (a 404 or a refusal of a read that worked before): the
            # run can no longer be followed.
            named = f"run {short_id(self.run.id)}" if self.run is not None else "the run"
            return Ending(Verdict.FAILED, f"{named} can no longer be read: {error.message}",
                          self.run)

    def interrupted(self) -> Ending:
        """The ending to give when the person pressed Ctrl+C."""
        return Ending(Verdict.INTERRUPTED, "interrupted" + self._still_going(), self.run)

    async def _wait(self) -> Ending:
        run = await self._target()
        if isinstance(run, Ending):
            return run
        self.run = run
        await self._name_squid(run.squid)
        if self._working(run):
            await self._read_stats(run.id)
        was: RunStatus | None = None
        was_reason: str | None = None
        while True:
            run = self.run
            if status_changed(was, run.status) or (
                    run.status.kind is StatusKind.PAUSED and run.done_reason != was_reason):
                self._changed(run, was)
            was, was_reason = run.status, run.done_reason
            if has_ended(run):
                return await self._ended(run)
            self.output.last_ok = self.polite.last_ok
            self.output.progress(run, self.stats)
            await self._pause(self.options.period)
            await self._read()

    async def _read(self) -> None:
        client = self.polite.client
        assert self.run is not None
        run_id = self.run.id
        self.run = await self.polite.call("runs", lambda: client.run(run_id))
        if self._working(self.run) or (has_ended(self.run) and self.stats is not None):
            await self._read_stats(run_id)

    async def _read_stats(self, run_id: str) -> None:
        """The run's progress; a refusal (its stats gone, not the link) keeps the last."""
        client = self.polite.client
        try:
            self.stats = await self.polite.call("runs", lambda: client.run_stats(run_id))
        except (NotFoundError, BusinessError) as error:
            self.output.note(f"the run's progress could not be read: {error.message}")

    @staticmethod
    def _working(run: Run) -> bool:
        """True while the run moves (its stats are worth reading)."""
        return run.status.kind in (StatusKind.RUNNING, StatusKind.UPLOADING)

    async def _pause(self, seconds: float) -> None:
        """Sleep until the next read; on a terminal, redraw the line every second."""
        if self.output.mode is not Mode.LIVE:
            await self.polite.sleep(seconds)
            return
        left = seconds
        while left > 0:
            step = min(1.0, left)
            await self.polite.sleep(step)
            left -= step
            self.output.refresh()

    def _changed(self, run: Run, was: RunStatus | None) -> None:
        change = RunChange(run.squid, run, was, self.polite.clocks.wall(), self.stats)
        alert = run_alert(change, self.squid_name)
        if alert is None or alert.payload is None:
            return
        text = pause_text(run) if run.status.kind is StatusKind.PAUSED else alert.text
        first = was is None and run.status.kind is not StatusKind.PAUSED
        self.output.alert(alert.payload, text, said=first or has_ended(run))

    async def _ended(self, run: Run) -> Ending:
        if not ended_well(run):
            return Ending(Verdict.FAILED, end_text(run), run)
        if self.options.download is None:
            return Ending(Verdict.OK, end_text(run), run)
        export = Export(self.polite.client, run_id=run.id, squid_name=self.squid_name,
                        run_active=False, directory=self.options.download,
                        sleep=self.polite.sleep, patience=DOWNLOAD_PATIENCE,
                        before_ask=self.polite.admitted)
        self.output.note(f"run {short_id(run.id)} ended well; downloading its CSV")
        outcome = await export.run()
        if not outcome.ok:
            return Ending(Verdict.DOWNLOAD_FAILED, f"{end_text(run)}; its CSV was not saved: "
                          f"{outcome.message}", run)
        return Ending(Verdict.OK, f"{end_text(run)}; {outcome.message}", run, outcome.path)

    def _timed_out(self) -> Ending:
        waited = duration_text(self.options.timeout or 0)
        return Ending(Verdict.TIMEOUT, f"timed out after {waited}{self._still_going()}",
                      self.run)

    def _still_going(self) -> str:
        run = self.run
        if run is None:
            return ""
        if has_ended(run):
            return (f": run {short_id(run.id)} ended ({run.status.label}) but its CSV was "
                    "not saved")
        return (f": run {short_id(run.id)} is still {run.status.label} on lobstr.io "
                "(it keeps going)")

    # -- finding the run ---------------------------------------------------------------

    async def _name_squid(self, squid_id: str) -> None:
        self.output.squid = {"id": squid_id, "name": squid_id}
        if self.squid_name:
            self.output.squid["name"] = self.squid_name
            return
        try:
            squid = await self.polite.call("squids", lambda: self.polite.client.squid(squid_id))
        except LobstrError:
            self.squid_name = f"squid {short_id(squid_id)}"
        else:
            self.squid_name = squid.name
        self.output.squid["name"] = self.squid_name

    async def _target(self) -> Run | Ending:
        if self.options.run_id is not None:
            return await run_by_id(self.polite, self.options.run_id)
        squid = await squid_named(self.polite, self.options.squid or "")
        self.squid_name = squid.name
        client = self.polite.client
        page = await self.polite.call("runs", lambda: client.runs_page(squid.id, limit=10))
        active = next((run for run in page.items if run.status.is_active), None)
        if active is not None:
            if self.options.launch:
                self.output.note(f"run {short_id(active.id)} of {squid.name!r} is already "
                                 f"{active.status.label}: waiting on it instead of launching")
            return active
        if not self.options.launch:
            latest = page.items[0] if page.items else None
            said = f" (its latest, {end_text(latest)})" if latest is not None else ""
            return Ending(Verdict.USAGE, f"squid {squid.name!r} has no active run{said}; "
                          "--launch starts one")
        return await self._launch(squid, page.items)

    async def _launch(self, squid: Squid, runs: tuple[Run, ...]) -> Run | Ending:
        client = self.polite.client
        balance = await self.polite.call("user", client.balance)
        snapshot = Snapshot(taken_at=self.polite.clocks.wall(), balance=balance,
                            squids=(squid,), runs=runs, runs_squid_id=squid.id)
        check = launch_check(snapshot, squid)
        name = f'"{squid.name}"'
        if check.blocked:
            return Ending(Verdict.LAUNCH_REFUSED,
                          f"launch refused for {name}: " + "; ".join(check.blockers))
        for warning in check.warnings:
            self.output.note(warning)
        await self.polite.admitted("runs")
        answer = await request_launch(client, squid.id, name,
                                      credits_left=balance.remaining)
        if answer.started is None:
            error = answer.error
            if isinstance(error, UnauthorizedError | ForbiddenError):
                raise TokenRefused(error)
            if isinstance(error, NotFoundError):
                raise NotFound(answer.outcome.message)
            return Ending(Verdict.LAUNCH_REFUSED, answer.outcome.message)
        self.output.note(answer.outcome.message)
        started = answer.started
        return started if started.squid else replace(started, squid=squid.id)
