"""Tolerant readers for the field shapes the lobstr.io API mixes.

Each reader accepts every documented quirk and raises :class:`ParseError` (and nothing
else) for anything it cannot make sense of.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lobstr_tui.api.errors import ParseError

_TIMEDELTA = re.compile(
    r"^(?:(?P<days>-?\d+) days?,\s*)?(?P<h>\d+):(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$"
)
_WORDS = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>d|days?|h|hours?|hrs?|m|mins?|minutes?|s|secs?|seconds?)\b",
    re.I,
)
_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
UNKNOWN_ETA_TEXTS = frozenset({"", "∞", "inf", "infinity", "unknown", "n/a", "-"})


def mapping(data: Any, what: str) -> Mapping[str, Any]:
    """Return ``data`` if it is a JSON object, else raise ParseError naming ``what``."""
    if not isinstance(data, Mapping):
        raise ParseError(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


def text(data: Mapping[str, Any], key: str, default: str = "") -> str:
    """A string field; numbers are turned into text, null gives ``default``."""
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ParseError(f"{key}: expected text, got {type(value).__name__}")


def opt_text(data: Mapping[str, Any], key: str) -> str | None:
    """A nullable string field; empty strings become None."""
    value = text(data, key)
    return value or None


def required_id(data: Mapping[str, Any], key: str = "id") -> str:
    """An identifier that must be present."""
    value = text(data, key)
    if not value:
        raise ParseError(f"{key}: missing")
    return value


def number(data: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    """A float field; numeric strings are accepted, null gives ``default``."""
    value = data.get(key)
    if value is None or value == "":
        return default
    return to_float(value, key)


def opt_number(data: Mapping[str, Any], key: str) -> float | None:
    """A nullable float field."""
    value = data.get(key)
    if value is None or value == "":
        return None
    return to_float(value, key)


def to_float(value: Any, key: str) -> float:
    """Convert a JSON number or numeric string to a finite float."""
    if isinstance(value, bool):
        raise ParseError(f"{key}: expected a number, got a boolean")
    if isinstance(value, (int, float)):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip().replace(",", ""))
        except ValueError:
            raise ParseError(f"{key}: not a number: {value[:40]!r}") from None
    else:
        raise ParseError(f"{key}: expected a number, got {type(value).__name__}")
    if not math.isfinite(result):
        raise ParseError(f"{key}: not a finite number")
    return result


def integer(data: Mapping[str, Any], key: str, default: int = 0) -> int:
    """An integer field; floats and numeric strings are rounded down."""
    value = data.get(key)
    if value is None or value == "":
        return default
    return int(to_float(value, key))


def opt_integer(data: Mapping[str, Any], key: str) -> int | None:
    """A nullable integer field."""
    value = data.get(key)
    if value is None or value == "":
        return None
    return int(to_float(value, key))


def flag(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """A boolean field; null gives ``default``; 0/1 and "true"/"false" are accepted."""
    value = data.get(key)
    if value is None:
        return default
    return _to_bool(value, key)


def opt_flag(data: Mapping[str, Any], key: str) -> bool | None:
    """A boolean that may be null (``export_done``, ``email_done``)."""
    value = data.get(key)
    if value is None:
        return None
    return _to_bool(value, key)


def _to_bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ParseError(f"{key}: expected true/false, got {value!r:.40}")


def timestamp(data: Mapping[str, Any], key: str) -> datetime | None:
    """An ISO 8601 timestamp, with or without ``Z``/offset; naive ones are UTC."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ParseError(f"{key}: expected a timestamp string, got {type(value).__name__}")
    raw = value.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ParseError(f"{key}: not a timestamp: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_duration_text(value: str) -> float | None:
    """Seconds from ``"H:MM:SS[.ffffff]"``, ``"1 day, 2:03:04"``, ``"2 minutes"``, ``"0s"``.

    Returns None for text that is none of these.
    """
    raw = value.strip()
    if not raw:
        return None
    match = _TIMEDELTA.match(raw)
    if match:
        days = int(match.group("days") or 0)
        return (days * 86400 + int(match.group("h")) * 3600 + int(match.group("m")) * 60
                + float(match.group("s")))
    try:
        return float(raw)
    except ValueError:
        pass
    total = 0.0
    found = False
    position = 0
    for word in _WORDS.finditer(raw):
        between = raw[position:word.start()].strip(" ,and")
        if between:
            return None
        found = True
        total += float(word.group("n")) * _UNIT_SECONDS[word.group("unit")[0].lower()]
        position = word.end()
    if not found or raw[position:].strip(" ,"):
        return None
    return total


def duration(data: Mapping[str, Any], key: str = "duration") -> float | None:
    """A duration in seconds from float seconds, ``0`` or a timedelta string."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        seconds = parse_duration_text(value)
        if seconds is None:
            raise ParseError(f"{key}: not a duration: {value[:40]!r}")
        return seconds
    seconds = to_float(value, key)
    if seconds < 0:
        raise ParseError(f"{key}: negative duration")
    return seconds


def percent(data: Mapping[str, Any], key: str = "percent_done") -> float | None:
    """A percentage from ``"75%"``, ``"0.0%"`` or a number; clamped to 0..100."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.strip().rstrip("%").strip()
        if not value:
            return None
    result = to_float(value, key)
    return min(100.0, max(0.0, result))


@dataclass(frozen=True, slots=True)
class Eta:
    """Estimated time left: ``seconds`` is None when lobstr.io does not know (``"∞"``)."""

    seconds: float | None
    raw: str

    @property
    def known(self) -> bool:
        """True when there is a number of seconds."""
        return self.seconds is not None


def eta(data: Mapping[str, Any], key: str = "eta") -> Eta:
    """Read an ETA; unknown and unreadable text is an unknown Eta, never an error."""
    value = data.get(key)
    if value is None:
        return Eta(None, "")
    if isinstance(value, bool):
        raise ParseError(f"{key}: expected text or a number, got a boolean")
    if isinstance(value, (int, float)):
        seconds = to_float(value, key)
        return Eta(max(0.0, seconds), str(value))
    if not isinstance(value, str):
        raise ParseError(f"{key}: expected text or a number, got {type(value).__name__}")
    if value.strip().lower() in UNKNOWN_ETA_TEXTS:
        return Eta(None, value)
    return Eta(parse_duration_text(value), value)


def json_object(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A nested object field; null gives an empty dict."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ParseError(f"{key}: expected an object, got {type(value).__name__}")
    return dict(value)


def json_list(data: Mapping[str, Any], key: str) -> list[Any]:
    """A list field; null gives an empty list."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(f"{key}: expected a list, got {type(value).__name__}")
    return value
