"""Immutable models of one run and what hangs off it, parsed tolerantly from API bodies.

The run (:class:`Run`), its live progress (:class:`RunStats`), where its credits went
(:class:`RunCredits`), its tasks (:class:`RunTask`), its scraped rows
(:class:`ResultRow`) and its export (:class:`DownloadInfo`). Squids and the account are
in :mod:`lobstr_tui.api.account_models`; the list page is in :mod:`lobstr_tui.api.paging`.

Every ``from_api`` accepts the quirks listed in ``lobstr-api.md`` (mixed timestamp
formats, string percentages, ``"∞"`` ETAs, float or string durations, nulls, extra
fields) and raises :class:`~lobstr_tui.api.errors.ParseError` for anything else.

Every free-text field is cleaned at this boundary (:mod:`lobstr_tui.api.text`): what a
model holds can be put on a terminal. Impossible numbers are kept as sent and named in
the model's ``oddities`` (``("duration -4.0",)``), so that a screen can mark them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lobstr_tui.api import fields as f
from lobstr_tui.api.errors import ParseError
from lobstr_tui.api.fields import Eta
from lobstr_tui.api.reasons import DoneReason, explain
from lobstr_tui.api.status import RunStatus


@dataclass(frozen=True, slots=True)
class Run:
    """One execution of a squid."""

    id: str
    squid: str
    status: RunStatus
    is_done: bool
    created_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    duration: float | None
    credit_used: float
    origin: str
    total_results: int
    total_unique_results: int
    export_done: bool | None
    done_reason: str | None
    done_reason_desc: str | None
    next_launch_at: datetime | None = None
    force_launch: bool = False
    export_count: int = 0
    email_done: bool | None = None

    @classmethod
    def from_api(cls, data: Any, *, default_id: str | None = None) -> Run:
        """Parse a run body. ``default_id`` fills in a missing id (short abort answers)."""
        d = f.mapping(data, "run")
        run_id = f.reference(d, "id") or default_id
        if not run_id:
            raise ParseError("run id: missing", field="id", shown="missing")
        if d.get("status") is None:
            raise ParseError("run status: missing", field="status", shown="missing")
        status_text = f.text(d, "status")
        status = RunStatus.parse(status_text)
        return cls(
            id=run_id,
            squid=f.reference(d, "squid"),
            status=status,
            is_done=f.flag(d, "is_done", status.is_terminal),
            created_at=f.timestamp(d, "created_at"),
            started_at=f.timestamp(d, "started_at"),
            ended_at=f.timestamp(d, "ended_at"),
            duration=f.duration(d),
            credit_used=f.number(d, "credit_used"),
            origin=f.text(d, "origin"),
            total_results=f.integer(d, "total_results"),
            total_unique_results=f.integer(d, "total_unique_results"),
            export_done=f.opt_flag(d, "export_done"),
            done_reason=f.opt_text(d, "done_reason"),
            done_reason_desc=f.opt_text(d, "done_reason_desc"),
            next_launch_at=f.timestamp(d, "next_launch_at"),
            force_launch=f.flag(d, "force_launch"),
            export_count=f.integer(d, "export_count"),
            email_done=f.opt_flag(d, "email_done"),
        )

    @property
    def reason(self) -> DoneReason | None:
        """The catalog entry for ``done_reason``, if there is one."""
        return explain(self.done_reason) if self.done_reason else None

    @property
    def oddities(self) -> tuple[str, ...]:
        """Impossible values, as received: ``("duration -4.0",)``."""
        return f.negatives(duration=self.duration, credit_used=self.credit_used,
                           total_results=self.total_results,
                           total_unique_results=self.total_unique_results,
                           export_count=self.export_count)


_STATS_KEYS = ("id", "percent_done", "total_tasks", "total_tasks_done", "total_results",
               "results_done", "is_done", "duration", "eta", "started_at")
_CREDITS_KEYS = ("total_credits", "breakdown", "run_id", "total_results")


@dataclass(frozen=True, slots=True)
class RunStats:
    """Live progress of a run (``runs/{id}/stats``); it has no status of its own."""

    id: str
    is_done: bool
    started_at: datetime | None
    ended_at: datetime | None
    updated_at: datetime | None
    duration: float | None
    percent_done: float | None
    eta: Eta
    total_tasks: int
    total_tasks_done: int
    total_tasks_left: int
    total_results: int
    results_total: int | None
    results_done: int | None
    current_task: str | None
    total_requests: int | None

    @classmethod
    def from_api(cls, data: Any) -> RunStats:
        """Parse a stats body."""
        d = f.mapping(data, "run stats")
        f.require_any(d, "run stats", _STATS_KEYS)
        return cls(
            id=f.reference(d, "id"),
            is_done=f.flag(d, "is_done"),
            started_at=f.timestamp(d, "started_at"),
            ended_at=f.timestamp(d, "ended_at"),
            updated_at=f.timestamp(d, "updated_at"),
            duration=f.duration(d),
            percent_done=f.percent(d),
            eta=f.eta(d),
            total_tasks=f.integer(d, "total_tasks"),
            total_tasks_done=f.integer(d, "total_tasks_done"),
            total_tasks_left=f.integer(d, "total_tasks_left"),
            total_results=f.integer(d, "total_results"),
            results_total=f.opt_integer(d, "results_total") or None,
            results_done=f.opt_integer(d, "results_done"),
            current_task=f.opt_text(d, "current_task"),
            total_requests=f.opt_integer(d, "total_requests"),
        )

    @property
    def percent_clamped(self) -> float | None:
        """``percent_done`` held to 0..100, for drawing a bar (show the real value too)."""
        return None if self.percent_done is None else min(100.0, max(0.0, self.percent_done))

    @property
    def oddities(self) -> tuple[str, ...]:
        """Impossible values, as received: ``("percent_done 130.0",)``."""
        odd = list(f.negatives(
            duration=self.duration, eta=self.eta.seconds, total_tasks=self.total_tasks,
            total_tasks_done=self.total_tasks_done, total_tasks_left=self.total_tasks_left,
            total_results=self.total_results, results_total=self.results_total,
            results_done=self.results_done, total_requests=self.total_requests))
        if self.percent_done is not None and not 0.0 <= self.percent_done <= 100.0:
            odd.insert(0, f"percent_done {self.percent_done}")
        if 0 <= self.total_tasks < self.total_tasks_done:
            odd.append(f"total_tasks_done {self.total_tasks_done} > total_tasks "
                       f"{self.total_tasks}")
        return tuple(odd)


@dataclass(frozen=True, slots=True)
class CreditLine:
    """Credits spent by one function (``base`` is the core scraping)."""

    function: str
    credits: float
    attempts: int


@dataclass(frozen=True, slots=True)
class FilterCredit:
    """Credits spent by one filter."""

    name: str
    display: str
    rate: float
    credits: float


@dataclass(frozen=True, slots=True)
class RunCredits:
    """Where a run's credits went (``runs/{id}/credits``)."""

    run_id: str
    total_credits: float
    total_results: int
    breakdown: tuple[CreditLine, ...]
    rates: dict[str, float] = field(default_factory=dict, compare=False)
    base_function_label: str | None = None
    filter_breakdown: tuple[FilterCredit, ...] = ()

    @classmethod
    def from_api(cls, data: Any) -> RunCredits:
        """Parse a credits body."""
        d = f.mapping(data, "run credits")
        f.require_any(d, "run credits", _CREDITS_KEYS)
        lines = []
        for item in f.json_list(d, "breakdown"):
            entry = f.mapping(item, "credit breakdown entry")
            lines.append(CreditLine(
                function=f.text(entry, "function", "?"),
                credits=f.number(entry, "credits"),
                attempts=f.integer(entry, "attempts"),
            ))
        filters = []
        for item in f.json_list(d, "filter_breakdown"):
            entry = f.mapping(item, "filter breakdown entry")
            filters.append(FilterCredit(
                name=f.text(entry, "name"),
                display=f.text(entry, "display"),
                rate=f.number(entry, "rate"),
                credits=f.number(entry, "credits"),
            ))
        rates_raw = f.json_object(d, "rates")
        rates = {str(k): f.to_float(v, f"rates.{k}") for k, v in rates_raw.items()
                 if v is not None}
        lines.sort(key=lambda line: line.credits, reverse=True)
        return cls(
            run_id=f.reference(d, "run_id"),
            total_credits=f.number(d, "total_credits"),
            total_results=f.integer(d, "total_results"),
            breakdown=tuple(lines),
            rates=rates,
            base_function_label=f.opt_text(d, "base_function_label"),
            filter_breakdown=tuple(filters),
        )

    @property
    def average_per_result(self) -> float | None:
        """Credits per collected result, or None before the first result."""
        if self.total_results <= 0:
            return None
        return self.total_credits / self.total_results

    @property
    def oddities(self) -> tuple[str, ...]:
        """Impossible values, as received: ``("total_credits -5.0",)``."""
        return f.negatives(total_credits=self.total_credits,
                           total_results=self.total_results,
                           **{f"credits of {line.function}": line.credits
                              for line in self.breakdown})

    def share(self, line: CreditLine) -> float:
        """The fraction (0..1) of the total that one line accounts for."""
        if self.total_credits <= 0:
            return 0.0
        return line.credits / self.total_credits


@dataclass(frozen=True, slots=True)
class RunTask:
    """One task as processed by one run (``runtasks``)."""

    id: str
    task: str
    run: str
    status: str
    params: dict[str, Any]
    started_at: datetime | None
    ended_at: datetime | None
    total_results: int
    last_result: int
    total_pages: int
    last_page: int
    done_reason: str | None
    done_reason_desc: str | None
    last_collection_at: datetime | None

    @classmethod
    def from_api(cls, data: Any) -> RunTask:
        """Parse a run task body."""
        d = f.mapping(data, "run task")
        return cls(
            id=f.required_id(d),
            task=f.reference(d, "task"),
            run=f.reference(d, "run"),
            status=f.text(d, "status").strip().lower(),
            params=f.json_object(d, "params"),
            started_at=f.timestamp(d, "started_at"),
            ended_at=f.timestamp(d, "ended_at"),
            total_results=f.integer(d, "total_results"),
            last_result=f.integer(d, "last_result"),
            total_pages=f.integer(d, "total_pages"),
            last_page=f.integer(d, "last_page"),
            done_reason=f.opt_text(d, "done_reason"),
            done_reason_desc=f.opt_text(d, "done_reason_desc"),
            last_collection_at=f.timestamp(d, "last_collection_at"),
        )

    @property
    def label(self) -> str:
        """A short human name: the task's URL or its first parameter."""
        url = self.params.get("url")
        if isinstance(url, str) and url:
            return url
        if self.params:
            key, value = next(iter(self.params.items()))
            return f"{key}={value}"
        return self.task or self.id


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One scraped row; ``values`` holds the crawler-specific columns."""

    id: str
    run: str
    squid: str
    scraping_time: datetime | None
    values: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_api(cls, data: Any) -> ResultRow:
        """Parse a result row."""
        d = f.mapping(data, "result")
        fixed = {"id", "object", "squid", "run", "scraping_time"}
        return cls(
            id=f.reference(d, "id"),
            run=f.reference(d, "run"),
            squid=f.reference(d, "squid"),
            scraping_time=f.timestamp(d, "scraping_time"),
            values=f.cleaned({k: v for k, v in d.items() if k not in fixed}),
        )


@dataclass(frozen=True, slots=True)
class DownloadInfo:
    """A run's export: a signed URL, or still being built (``processing``)."""

    url: str | None
    processing: bool
    progress: float | None

    @classmethod
    def from_api(cls, data: Any) -> DownloadInfo:
        """Parse a ``runs/{id}/download`` body."""
        d = f.mapping(data, "download")
        url = f.opt_text(d, "s3") or f.opt_text(d, "url")
        status = f.text(d, "status").lower()
        if url is None and status != "processing":
            raise ParseError("download: neither a URL nor a processing status")
        return cls(url=url, processing=url is None, progress=f.opt_number(d, "progress"))
