"""Immutable models of the account and its squids, parsed tolerantly from API bodies.

A squid (:class:`Squid`, list item or detail), the account's credits and slots
(:class:`Balance`) and the token's user (:class:`Me`). A run and what hangs off it are
in :mod:`lobstr_tui.api.run_models`; the list page is in :mod:`lobstr_tui.api.paging`.

Every ``from_api`` accepts the quirks listed in ``lobstr-api.md`` (mixed timestamp
formats, nulls, extra fields) and raises :class:`~lobstr_tui.api.errors.ParseError` for
anything else. Every free-text field is cleaned at this boundary
(:mod:`lobstr_tui.api.text`); impossible numbers are kept as sent and named in the
model's ``oddities`` (``("total_runs -2",)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lobstr_tui.api import fields as f
from lobstr_tui.api.status import RunStatus
from lobstr_tui.api.text import clean

_BALANCE_KEYS = ("available", "consumed", "used_slots", "total_available_slots", "name")
_ME_KEYS = ("email", "first_name", "last_name", "plan", "id")


def _status(data: Mapping[str, Any], key: str) -> RunStatus | None:
    value = f.opt_text(data, key)
    return RunStatus.parse(value) if value else None


@dataclass(frozen=True, slots=True)
class Squid:
    """A squid: one crawler's configuration with its tasks and run history summary."""

    id: str
    name: str
    crawler: str
    crawler_name: str
    is_active: bool
    is_ready: bool
    concurrency: int
    to_complete: bool | None
    last_run_status: RunStatus | None
    last_run_at: datetime | None
    total_runs: int
    next_launch_at: datetime | None
    schedule: str | None
    created_at: datetime | None
    params: dict[str, Any] = field(default_factory=dict, compare=False)
    # Detail-only fields (GET squids/{id}); None on list items.
    last_run: str | None = None
    last_run_done_reason: str | None = None
    last_run_is_done: bool | None = None
    message: str | None = None

    @classmethod
    def from_api(cls, data: Any) -> Squid:
        """Parse a squid list item or squid detail body."""
        d = f.mapping(data, "squid")
        to_complete = d.get("to_complete")
        schedule = d.get("schedule")
        return cls(
            id=f.required_id(d),
            name=f.text(d, "name"),
            crawler=f.text(d, "crawler"),
            crawler_name=f.text(d, "crawler_name"),
            is_active=f.flag(d, "is_active", True),
            is_ready=f.flag(d, "is_ready", True),
            concurrency=f.integer(d, "concurrency", 1),
            to_complete=None if to_complete is None else bool(to_complete),
            last_run_status=_status(d, "last_run_status"),
            last_run_at=f.timestamp(d, "last_run_at"),
            total_runs=f.integer(d, "total_runs"),
            next_launch_at=f.timestamp(d, "next_launch_at"),
            schedule=None if schedule is None else clean(str(schedule)),
            created_at=f.timestamp(d, "created_at"),
            params=f.json_object(d, "params"),
            last_run=f.reference(d, "last_run") or None,
            last_run_done_reason=f.opt_text(d, "last_run_done_reason"),
            last_run_is_done=f.opt_flag(d, "last_run_is_done"),
            message=f.opt_text(d, "message"),
        )

    @property
    def oddities(self) -> tuple[str, ...]:
        """Impossible values, as received: ``("total_runs -2",)``."""
        return f.negatives(concurrency=self.concurrency, total_runs=self.total_runs)


@dataclass(frozen=True, slots=True)
class Balance:
    """Credits and slots of the account (``user/balance``)."""

    name: str
    available: float
    consumed: float
    bonus_credit: float
    rollover_credit: float
    interval: str
    used_slots: int
    total_available_slots: int
    has_unpaid_bill: bool
    reset_time: datetime | None
    rollover_credit_expires_at: datetime | None = None

    @classmethod
    def from_api(cls, data: Any) -> Balance:
        """Parse a balance body."""
        d = f.mapping(data, "balance")
        f.require_any(d, "balance", _BALANCE_KEYS)
        return cls(
            name=f.text(d, "name"),
            available=f.number(d, "available"),
            consumed=f.number(d, "consumed"),
            bonus_credit=f.number(d, "bonus_credit"),
            rollover_credit=f.number(d, "rollover_credit"),
            interval=f.text(d, "interval"),
            used_slots=f.integer(d, "used_slots"),
            total_available_slots=f.integer(d, "total_available_slots"),
            has_unpaid_bill=f.flag(d, "has_unpaid_bill"),
            reset_time=f.timestamp(d, "reset_time"),
            rollover_credit_expires_at=f.timestamp(d, "rollover_credit_expires_at"),
        )

    @property
    def remaining(self) -> float:
        """Credits left: ``available`` is not reduced by ``consumed`` (may be negative)."""
        return self.available - self.consumed


@dataclass(frozen=True, slots=True)
class Me:
    """The token's user (``me``), from either documented shape."""

    first_name: str
    last_name: str
    email: str
    email_verified: bool | None
    is_staff: bool
    credit_interval: str | None
    plan_names: tuple[str, ...]

    @classmethod
    def from_api(cls, data: Any) -> Me:
        """Parse a ``me`` body."""
        d = f.mapping(data, "me")
        f.require_any(d, "me", _ME_KEYS)
        names: list[str] = []
        current: list[str] = []
        for entry in f.json_list(d, "plan"):
            if isinstance(entry, str):
                names.append(clean(entry))
            elif isinstance(entry, Mapping):
                name = f.text(entry, "name")
                if name:
                    (current if entry.get("type") == "current" else names).append(name)
        return cls(
            first_name=f.text(d, "first_name"),
            last_name=f.text(d, "last_name"),
            email=f.text(d, "email"),
            email_verified=f.opt_flag(d, "email_verified"),
            is_staff=f.flag(d, "is_staff"),
            credit_interval=f.opt_text(d, "credit_interval"),
            plan_names=tuple(current + names),
        )

    @property
    def display_name(self) -> str:
        """First and last name, else the email."""
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email or "unknown user"
