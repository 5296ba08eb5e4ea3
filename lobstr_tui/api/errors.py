"""Typed errors for everything that can go wrong talking to lobstr.io.

Every failure the client sees becomes one of these, each with a human message taken from
the response body when there is one. None of them ever carries the API token: messages
are built from response bodies and status codes only, and ``repr`` shows the message.
A message is untrusted text: it is cleaned (:func:`~lobstr_tui.api.text.clean`) and cut
to :data:`MAX_MESSAGE_CELLS` when the error is made, so it can be shown as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from lobstr_tui.api.text import bounded, fit

MAX_MESSAGE_CELLS = 300
"""The longest error message kept (a proxy's HTML page can be megabytes)."""
# Business error names vary between the docs, the SDK and the CLI; map the spellings we
# know onto one canonical name so callers can compare against a single value.
ERROR_TYPE_ALIASES: Mapping[str, str] = {
    "NotEnoughCredits": "NotEnoughBalance",
    "SquidDoesNotExistException": "SquidDoesNotExist",
    "HTTPNotFound": "NotFound",
}

# Generic `type` values that say nothing specific; the message is then used to infer one.
_GENERIC_TYPES = frozenset({"validation_error", "not_found_error", "invalid_request_error", ""})

_MESSAGE_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"already (active|running)|in progress", re.I), "RunInProgress"),
    (re.compile(r"not enough (balance|credit)|insufficient (balance|credit)", re.I),
     "NotEnoughBalance"),
    (re.compile(r"no (active )?tasks", re.I), "NoTasksPresent"),
    (re.compile(r"not ready", re.I), "SquidNotReady"),
    (re.compile(r"slots? limit", re.I), "SlotsLimitExceeded"),
    (re.compile(r"concurrency limit", re.I), "ConcurrencyLimitExceeded"),
)


class LobstrError(Exception):
    """Base of every error raised by the lobstr.io client.

    ``message`` is safe to show to a user as is: cleaned of control characters and
    at most :data:`MAX_MESSAGE_CELLS` cells long.
    """

    def __init__(self, message: str) -> None:
        message = bounded(message, MAX_MESSAGE_CELLS)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ApiError(LobstrError):
    """The API answered with an HTTP error status.

    ``error_type`` is the canonical business error name (``RunInProgress``,
    ``NotEnoughBalance``...) when one could be found in the body or inferred from the
    message, else None.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error_type: str | None = None,
        param: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_type = error_type
        self.param = param
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code}, "
            f"error_type={self.error_type!r}, message={self.message!r})"
        )


class UnauthorizedError(ApiError):
    """401: the token is missing, invalid or expired."""


class ForbiddenError(ApiError):
    """403: the token is valid but not allowed to do this."""


class NotFoundError(ApiError):
    """404: the squid, run or export does not exist (or is not ready yet)."""


class RateLimitedError(ApiError):
    """429: too many requests; ``retry_after`` says when to try again (seconds)."""


class BusinessError(ApiError):
    """400/409/422: a validation or business rule refused the request."""


class ServerError(ApiError):
    """5xx: lobstr.io (or a proxy in front of it) failed."""


class NetworkError(LobstrError):
    """No HTTP answer: timeout, connection refused, reset or DNS failure.

    ``kind`` is one of ``timeout``, ``refused``, ``reset`` or ``other``.
    """

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class ProtocolError(LobstrError):
    """An answer arrived but is not what the API documents (not JSON, wrong shape)."""


class ParseError(ProtocolError):
    """A JSON body could not be turned into a model.

    ``field`` names the field that could not be read and ``shown`` the value it had, as
    short clean text (``'yesterday-ish'``, ``a list``), when they are known.
    """

    def __init__(self, message: str, *, field: str | None = None,
                 shown: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.shown = None if shown is None else bounded(shown, 60)

    @property
    def brief(self) -> str:
        """The shortest useful description: ``last_run_at 'yesterday-ish'``."""
        if self.field and self.shown is not None:
            return bounded(f"{self.field} {self.shown}", 80)
        return fit(self.message, 80)  # cleaned already, when the error was made


def canonical_error_type(raw_type: str | None, message: str) -> str | None:
    """Return the canonical business error name for a body's ``type`` and message."""
    if raw_type and raw_type not in _GENERIC_TYPES:
        return ERROR_TYPE_ALIASES.get(raw_type, raw_type)
    for pattern, name in _MESSAGE_HINTS:
        if pattern.search(message):
            return name
    return raw_type or None


def _html_title(text: str) -> str | None:
    match = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    if match:
        title = " ".join(match.group(1).split())
        return title or None
    return None


def describe_body(status_code: int, content: bytes) -> tuple[str, str | None, str | None]:
    """Extract ``(message, raw_type, param)`` from an error body of any documented shape.

    Shapes: ``{"detail": ...}``, ``{"error": {"message", "type", "param"}}``,
    ``{"error": "...", "type": ...}``, ``{"errors": {"message", "type"}}``, an HTML page
    from a proxy, or an empty body.
    """
    fallback = f"HTTP {status_code}"
    text = content.decode("utf-8", errors="replace").strip()
    if not text:
        return f"{fallback} with an empty body", None, None
    try:
        body: Any = json.loads(text)
    except ValueError:
        title = _html_title(text)
        if title:
            return f"{fallback}: {title}", None, None
        snippet = " ".join(re.sub(r"<[^>]+>", " ", text).split())[:120]
        return (f"{fallback}: {snippet}" if snippet else fallback), None, None
    if isinstance(body, str) and body.strip():
        return body.strip(), None, None
    if not isinstance(body, dict):
        return fallback, None, None
    message: str | None = None
    raw_type: str | None = None
    param: str | None = None
    for key in ("error", "errors"):
        value = body.get(key)
        if isinstance(value, str):
            message = value
        elif isinstance(value, dict):
            inner = value.get("message")
            if isinstance(inner, str):
                message = inner
            if isinstance(value.get("type"), str):
                raw_type = value["type"]
            if isinstance(value.get("param"), str):
                param = value["param"]
        elif isinstance(value, list) and value and isinstance(value[0], str):
            message = value[0]
        if message:
            break
    if message is None and isinstance(body.get("detail"), str):
        message = body["detail"]
    if message is None and isinstance(body.get("message"), str):
        message = body["message"]
    if raw_type is None and isinstance(body.get("type"), str):
        raw_type = body["type"]
    return (message.strip() if message and message.strip() else fallback), raw_type, param


_STATUS_CLASSES: Mapping[int, type[ApiError]] = {
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    429: RateLimitedError,
}


def error_for_response(
    status_code: int, content: bytes, *, retry_after: float | None = None
) -> ApiError:
    """Build the typed error for an HTTP error response."""
    message, raw_type, param = describe_body(status_code, content)
    cls: type[ApiError]
    if status_code in _STATUS_CLASSES:
        cls = _STATUS_CLASSES[status_code]
    elif status_code >= 500:
        cls = ServerError
    else:
        cls = BusinessError
    return cls(
        message,
        status_code=status_code,
        error_type=canonical_error_type(raw_type, message),
        param=param,
        retry_after=retry_after,
    )
