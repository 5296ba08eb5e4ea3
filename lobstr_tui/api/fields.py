"""Tolerant readers for the field shapes the lobstr.io API mixes.

Each reader accepts every documented quirk and raises :class:`ParseError` (and nothing
else) for anything it cannot make sense of, naming the field and the value it had.

Text is untrusted: :func:`text` returns it cleaned (:func:`~lobstr_tui.api.text.clean`),
and identifiers, which go into URLs and never on screen as free text, are refused when
they hold a control or format character (:func:`reference`). Impossible numbers
(a negative duration, a percentage over 100) are returned as sent: the models name them
in their ``oddities`` instead of hiding them or the item that holds them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lobstr_tui.api.errors import ParseError
from lobstr_tui.api.text import bounded, clean, fit

_TIMEDELTA = re.compile(
    r"^(?:(?P<days>-?\d+) days?,\s*)?(?P<h>\d+):(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$"
)
_WORDS = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>d|days?|h|hours?|hrs?|m|mins?|minutes?|s|secs?|seconds?)\b",
    re.I,
)
_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
UNKNOWN_ETA_TEXTS = frozenset({"", "∞", "inf", "infinity", "unknown", "n/a", "-"})


def shown(value: Any) -> str:
    """A value as a short, clean phrase for a message: ``'yesterday-ish'``, ``a list``."""
    if isinstance(value, str):
        return "'" + bounded(value, 40) + "'"
    if value is None or isinstance(value, bool):
        return "null" if value is None else str(value).lower()
    if isinstance(value, (int, float)):
        return fit(str(value), 40)
    if isinstance(value, Mapping):
        return "an object"
    return "a list" if isinstance(value, list) else f"a {type(value).__name__}"


def bad(key: str, problem: str, value: Any) -> ParseError:
    """The error for field ``key`` holding ``value``: ``key: problem: 'value'``."""
    text_value = shown(value)
    return ParseError(f"{key}: {problem}: {text_value}", field=key, shown=text_value)


def require_any(data: Mapping[str, Any], what: str, keys: tuple[str, ...]) -> None:
    """Refuse a body that has none of ``keys`` (non-null): ``{"data": null}`` or ``{}``
    where an object was documented is not an object with every field missing."""
    if not any(data.get(key) is not None for key in keys):
        raise ParseError(f"{what}: none of its documented fields ({', '.join(keys[:4])}, "
                         "...) is in the answer")


def mapping(data: Any, what: str) -> Mapping[str, Any]:
    """Return ``data`` if it is a JSON object, else raise ParseError naming ``what``."""
    if not isinstance(data, Mapping):
        raise ParseError(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


def _raw_text(data: Mapping[str, Any], key: str, default: str) -> str:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise bad(key, "expected text", value)


def text(data: Mapping[str, Any], key: str, default: str = "") -> str:
    """A string field, cleaned for display; numbers are turned into text, null gives
    ``default``."""
    return clean(_raw_text(data, key, default))


def opt_text(data: Mapping[str, Any], key: str) -> str | None:
    """A nullable string field; empty strings become None."""
    value = text(data, key)
    return value or None


def reference(data: Mapping[str, Any], key: str) -> str:
    """An identifier (of this object or another), ``""`` when absent. One with a
    control or format character cannot be shown or sent safely: a ParseError."""
    value = _raw_text(data, key, "").strip()
    if not value.isprintable():
        raise bad(key, "not a usable id", value)
    return value


def required_id(data: Mapping[str, Any], key: str = "id") -> str:
    """An identifier that must be present (see :func:`reference`)."""
    value = reference(data, key)
    if not value:
        raise ParseError(f"{key}: missing", field=key, shown="missing")
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
        raise bad(key, "expected a number", value)
    if isinstance(value, (int, float)):
        try:
            result = float(value)
        except OverflowError:
            raise bad(key, "not a finite number", value) from None
    elif isinstance(value, str):
        try:
            result = float(value.strip().replace(",", ""))
        except ValueError:
            raise bad(key, "not a number", value) from None
    else:
        raise bad(key, "expected a number", value)
    if not math.isfinite(result):
        raise bad(key, "not a finite number", value)
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
    raise bad(key, "expected true/false", value)


def timestamp(data: Mapping[str, Any], key: str) -> datetime | None:
    """An ISO 8601 timestamp, with or without ``Z``/offset; naive ones are UTC."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad(key, "expected a timestamp", value)
    raw = value.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise bad(key, "not a timestamp", value) from None
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
    """A duration in seconds from float seconds, ``0`` or a timedelta string (a negative
    number is returned as sent: the model reports it as an oddity)."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        seconds = parse_duration_text(value)
        if seconds is None:
            raise bad(key, "not a duration", value)
        return seconds
    return to_float(value, key)


def percent(data: Mapping[str, Any], key: str = "percent_done") -> float | None:
    """A percentage from ``"75%"``, ``"0.0%"`` or a number, as sent (never clamped: 130
    stays 130, and the model reports it as an oddity)."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.strip().rstrip("%").strip()
        if not value:
            return None
    return to_float(value, key)


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
        raise bad(key, "expected text or a number", value)
    if isinstance(value, (int, float)):
        return Eta(to_float(value, key), str(value))
    if not isinstance(value, str):
        raise bad(key, "expected text or a number", value)
    if value.strip().lower() in UNKNOWN_ETA_TEXTS:
        return Eta(None, clean(value))
    return Eta(parse_duration_text(value), clean(value))


def cleaned(value: Any) -> Any:
    """A JSON value with every string in it (keys too) cleaned for display."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, Mapping):
        return {clean(str(k)): cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cleaned(v) for v in value]
    return value


def json_object(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A nested object field with its text cleaned; null gives an empty dict."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise bad(key, "expected an object", value)
    result: dict[str, Any] = cleaned(value)
    return result


def json_list(data: Mapping[str, Any], key: str) -> list[Any]:
    """A list field; null gives an empty list."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(key, "expected a list", value)
    return value


def negatives(**values: float | int | None) -> tuple[str, ...]:
    """``("duration -4.0",)`` for each value below zero (for a model's ``oddities``)."""
    return tuple(f"{name} {value}" for name, value in values.items()
                 if value is not None and value < 0)
