"""Fault injection for the simulator, per path prefix.

A spec is rules separated by ``;``: ``[METHOD ]PREFIX:KIND[=VALUE][@PROBABILITY][*COUNT]``.
PREFIX is a path prefix below ``/v1/`` (``runs``, ``squids``, ``runs/``...) or ``*``;
an optional METHOD (``GET``, ``POST``) limits the rule to that method.
KIND is one of:

- ``latency=S``   answer normally after S seconds
- ``slowreply=S`` do the work, then wait S seconds before answering (a timeout
  that still changed something, like a launch whose answer got lost)
- ``hang=S``      say nothing for S seconds, then drop the connection
- ``status=CODE`` answer CODE with the ``{"errors": ...}`` body (5xx by default 500)
- ``ratelimit=S`` answer 429 with ``Retry-After: S``
- ``malformed``   200 with a truncated JSON body
- ``wrongshape``  200 with valid JSON of the wrong shape and types
- ``html``        502 with a proxy's HTML error page
- ``empty``       502 with an empty body
- ``drop``        close the connection without an answer

Example: ``runs:latency=0.5;squids:status=503@0.3;*:ratelimit=5*3``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

KINDS = ("latency", "slowreply", "hang", "status", "ratelimit", "malformed", "wrongshape",
         "html", "empty", "drop")
_DEFAULT_VALUES = {"latency": 1.0, "slowreply": 30.0, "hang": 60.0, "status": 500.0,
                   "ratelimit": 5.0}


class FaultSpecError(ValueError):
    """A fault spec that cannot be read; the message says which part and why."""


@dataclass
class FaultRule:
    """One rule: where, what, how likely and how many more times."""

    prefix: str
    kind: str
    value: float = 0.0
    probability: float = 1.0
    remaining: int | None = None
    method: str | None = None

    def matches(self, path: str, method: str = "GET") -> bool:
        """True if the rule applies to a request (path below ``/v1/``)."""
        if self.method is not None and self.method != method.upper():
            return False
        return self.prefix == "*" or path.startswith(self.prefix)


def parse_rule(text: str) -> FaultRule:
    """Parse one ``PREFIX:KIND[=VALUE][@P][*N]`` rule."""
    raw = text.strip()
    if ":" not in raw:
        raise FaultSpecError(f"fault rule {raw!r}: expected PREFIX:KIND")
    where, rest = raw.split(":", 1)
    words = where.split()
    method = words[0].upper() if len(words) == 2 else None
    if len(words) not in (1, 2) or (method and method not in ("GET", "POST", "DELETE")):
        raise FaultSpecError(f"fault rule {raw!r}: expected [METHOD ]PREFIX before ':'")
    prefix = words[-1]
    count: int | None = None
    probability = 1.0
    try:
        if "*" in rest:
            rest, count_text = rest.rsplit("*", 1)
            count = int(count_text)
        if "@" in rest:
            rest, prob_text = rest.rsplit("@", 1)
            probability = float(prob_text)
        kind, _, value_text = rest.partition("=")
        value = float(value_text) if value_text else _DEFAULT_VALUES.get(kind, 0.0)
    except ValueError:
        raise FaultSpecError(f"fault rule {raw!r}: a number is not a number") from None
    kind = kind.strip()
    if kind not in KINDS:
        raise FaultSpecError(f"fault rule {raw!r}: unknown kind {kind!r} "
                             f"(one of {', '.join(KINDS)})")
    if not 0.0 <= probability <= 1.0:
        raise FaultSpecError(f"fault rule {raw!r}: probability must be between 0 and 1")
    if count is not None and count < 1:
        raise FaultSpecError(f"fault rule {raw!r}: count must be at least 1")
    return FaultRule(prefix=prefix.strip("/") if prefix != "*" else "*", kind=kind,
                     value=value, probability=probability, remaining=count, method=method)


def parse_spec(spec: str) -> list[FaultRule]:
    """Parse a whole spec (rules separated by ``;``)."""
    return [parse_rule(part) for part in spec.split(";") if part.strip()]


class FaultPlan:
    """The active fault rules; thread-safe; seeded so a run of faults is repeatable."""

    def __init__(self, rules: list[FaultRule] | None = None, *, seed: int = 0) -> None:
        self._rules = list(rules or [])
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.injected = 0

    def add(self, rule: FaultRule | str) -> None:
        """Add a rule (or a spec string of rules)."""
        new = parse_spec(rule) if isinstance(rule, str) else [rule]
        with self._lock:
            self._rules.extend(new)

    def clear(self) -> None:
        """Remove every rule: the API behaves again."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        """A copy of the active rules."""
        with self._lock:
            return list(self._rules)

    def pick(self, path: str, method: str = "GET") -> FaultRule | None:
        """The rule to apply to this request, if any (consumes one of its counts)."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(path, method):
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                self.injected += 1
                return rule
        return None
