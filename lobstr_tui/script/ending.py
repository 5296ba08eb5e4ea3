"""How a ``wait`` ends: the verdict, its exit status, and a run's ending in words."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from lobstr_tui.api import Run, StatusKind
from lobstr_tui.api.reasons import is_failure
from lobstr_tui.exit_codes import (
    EXIT_DOWNLOAD_FAILED,
    EXIT_ENDED_BADLY,
    EXIT_INTERRUPTED,
    EXIT_LAUNCH_REFUSED,
    EXIT_OK,
    EXIT_SCRIPT_CRASH,
    EXIT_TIMEOUT,
    EXIT_TOKEN_REFUSED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)


class Verdict(StrEnum):
    """Why a wait ended; each has one exit status (:attr:`code`)."""

    OK = "ok"
    FAILED = "failed"
    USAGE = "usage"
    TIMEOUT = "timeout"
    TOKEN_REFUSED = "token_refused"
    UNREACHABLE = "unreachable"
    LAUNCH_REFUSED = "launch_refused"
    DOWNLOAD_FAILED = "download_failed"
    INTERRUPTED = "interrupted"
    CRASH = "crash"

    @property
    def code(self) -> int:
        """The exit status."""
        return _CODES[self]

    @property
    def is_error(self) -> bool:
        """True when the wait itself went wrong (said on stderr too)."""
        return self not in (Verdict.OK, Verdict.FAILED, Verdict.TIMEOUT, Verdict.INTERRUPTED)


_CODES = {
    Verdict.OK: EXIT_OK, Verdict.FAILED: EXIT_ENDED_BADLY, Verdict.USAGE: EXIT_USAGE,
    Verdict.TIMEOUT: EXIT_TIMEOUT, Verdict.TOKEN_REFUSED: EXIT_TOKEN_REFUSED,
    Verdict.UNREACHABLE: EXIT_UNREACHABLE, Verdict.LAUNCH_REFUSED: EXIT_LAUNCH_REFUSED,
    Verdict.DOWNLOAD_FAILED: EXIT_DOWNLOAD_FAILED, Verdict.INTERRUPTED: EXIT_INTERRUPTED,
    Verdict.CRASH: EXIT_SCRIPT_CRASH,
}


def has_ended(run: Run) -> bool:
    """True once the run is done, aborted or errored (or says it is done in a status
    word this version does not know)."""
    return run.status.is_terminal or (run.status.kind is StatusKind.UNKNOWN and run.is_done)


def needs_person(run: Run) -> bool:
    """True for a run someone should look at: paused, errored, or done with a failure
    reason (an abort was someone's own doing)."""
    kind = run.status.kind
    return kind in (StatusKind.PAUSED, StatusKind.ERROR) or (
        kind is StatusKind.DONE and is_failure(run.done_reason))


@dataclass(frozen=True, slots=True)
class Ending:
    """How the wait ended: the verdict, what to say, and the file saved (``--download``)."""

    verdict: Verdict
    message: str
    run: Run | None = None
    file: Path | None = None

    @property
    def code(self) -> int:
        """The exit status."""
        return self.verdict.code
