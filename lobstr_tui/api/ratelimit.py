"""Rate-limit headers and per-request records exposed to the caller."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RATE_LIMITS_PER_MINUTE: Mapping[str, int] = {
    "squids": 120,
    "tasks": 90,
    "runtasks": 90,
    "runs": 120,
    "results": 120,
}
"""Documented per-minute limits by path prefix (``results`` is 2 per second)."""


def path_prefix(path: str) -> str:
    """The rate-limit bucket of a path: its first segment after ``v1/``."""
    parts = [p for p in path.split("?")[0].split("/") if p]
    if parts and parts[0] == "v1":
        parts = parts[1:]
    return parts[0] if parts else ""


def _header_number(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta seconds or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """What the ``X-RateLimit-*`` and ``Retry-After`` headers of one response said."""

    limit: int | None
    remaining: int | None
    reset_at: float | None
    retry_after: float | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit:
        """Read the headers (case-insensitive mapping, as httpx gives)."""
        limit = _header_number(headers, "x-ratelimit-limit")
        remaining = _header_number(headers, "x-ratelimit-remaining")
        return cls(
            limit=None if limit is None else int(limit),
            remaining=None if remaining is None else int(remaining),
            reset_at=_header_number(headers, "x-ratelimit-reset"),
            retry_after=parse_retry_after(headers.get("retry-after")),
        )

    @property
    def known(self) -> bool:
        """True when the response carried any rate-limit header."""
        return any(v is not None for v in (self.limit, self.remaining, self.reset_at,
                                           self.retry_after))


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One finished request, as reported to the client's ``on_response`` hook."""

    method: str
    path: str
    prefix: str
    status_code: int | None
    elapsed: float
    rate_limit: RateLimit
    error: str | None = None
