"""Error answers of the simulated API, each in the body shape lobstr.io documents for it."""

from __future__ import annotations

from typing import Any


class SimError(Exception):
    """An HTTP error answer: status code, JSON body and extra headers."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def not_found_error(message: str, param: str) -> SimError:
    """The ``{"error": {"message", "type": "not_found_error", "param"}}`` shape."""
    return SimError(404, {"error": {"message": message, "type": "not_found_error",
                                    "param": param}})


def detail_error(status: int, message: str) -> SimError:
    """The Django REST ``{"detail": ...}`` shape."""
    return SimError(status, {"detail": message})


def validation_error(message: str, param: str, error_type: str = "validation_error") -> SimError:
    """The ``{"error": {"message", "type", "param"}}`` 400 shape."""
    return SimError(400, {"error": {"message": message, "type": error_type, "param": param}})


def errors_shape(status: int, message: str, error_type: str) -> SimError:
    """The ``{"errors": {"message", "type", "code"}}`` shape."""
    return SimError(status, {"errors": {"message": message, "type": error_type,
                                        "code": status}})


def flat_error(status: int, message: str, error_type: str) -> SimError:
    """The ``{"error": "...", "type": ..., "code": N}`` shape (rate limits and others)."""
    return SimError(status, {"error": message, "type": error_type, "code": status})
