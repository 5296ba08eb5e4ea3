"""Run statuses, normalised from every spelling the API and its clients use."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from lobstr_tui.api.text import clean


class StatusKind(Enum):
    """The run lifecycle states lobstr.io documents, plus UNKNOWN for anything else."""

    PENDING = "pending"
    RUNNING = "running"
    UPLOADING = "uploading"
    PAUSED = "paused"
    DONE = "done"
    ABORTED = "aborted"
    ERROR = "error"
    UNKNOWN = "unknown"


# Spellings seen in client mocks and older answers, mapped onto the documented states.
# Nothing else is guessed: a word lobstr.io never documented (``QUEUED``) stays UNKNOWN
# and is shown as it was sent.
_ALIASES: dict[str, StatusKind] = {
    "finished": StatusKind.DONE,
    "success": StatusKind.DONE,
    "completed": StatusKind.DONE,
    "cancelled": StatusKind.ABORTED,
    "canceled": StatusKind.ABORTED,
    "failed": StatusKind.ERROR,
}

_ACTIVE = frozenset({StatusKind.PENDING, StatusKind.RUNNING, StatusKind.UPLOADING,
                     StatusKind.PAUSED})
_TERMINAL = frozenset({StatusKind.DONE, StatusKind.ABORTED, StatusKind.ERROR})


@dataclass(frozen=True, slots=True)
class RunStatus:
    """A run status as the API wrote it (``raw``) and what it means (``kind``).

    Unknown values are kept verbatim and never raise: ``kind`` is UNKNOWN and ``label``
    shows the raw text.
    """

    raw: str
    kind: StatusKind

    @classmethod
    def parse(cls, value: str) -> RunStatus:
        """Normalise a status string case-insensitively (the raw word is kept, cleaned)."""
        text = clean(value.strip())
        key = text.lower()
        try:
            kind = StatusKind(key)
        except ValueError:
            kind = _ALIASES.get(key, StatusKind.UNKNOWN)
        if kind is StatusKind.UNKNOWN and key == "unknown":
            kind = StatusKind.UNKNOWN
        return cls(raw=text, kind=kind)

    @property
    def label(self) -> str:
        """The word to show: the documented name, or the raw text if unknown."""
        if self.kind is StatusKind.UNKNOWN:
            return self.raw or "?"
        return str(self.kind.value)

    @property
    def is_active(self) -> bool:
        """True while the run occupies its squid (pending, running, uploading, paused)."""
        return self.kind in _ACTIVE

    @property
    def is_terminal(self) -> bool:
        """True once the run is done, aborted or errored."""
        return self.kind in _TERMINAL

    @property
    def phase(self) -> str:
        """The docs' phase: waiting, in progress, terminal or unknown."""
        if self.kind is StatusKind.PENDING:
            return "waiting"
        if self.kind in _ACTIVE:
            return "in progress"
        if self.kind in _TERMINAL:
            return "terminal"
        return "unknown"

    def __str__(self) -> str:
        return self.label
