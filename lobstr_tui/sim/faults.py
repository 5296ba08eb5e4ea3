"""Fault injection for the simulator, per path prefix.

A spec is rules separated by ``;``: ``PREFIX:KIND[=VALUE][@PROBABILITY][*COUNT]``.
PREFIX is a path prefix below ``/v1/`` (``runs``, ``squids``, ``runs/``...) or ``*``.
KIND is one of:

- ``latency=S``   answer normally after S seconds
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

KINDS = ("latency", "hang", "status", "ratelimit", "malformed", "wrongshape", "html", "empty",
         "drop")
_DEFAULT_VALUES = {"latency": 1.0, "hang": 60.0, "status": 500.0, "ratelimit": 5.0}


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

    def matches(self, path: str) -> bool:
        """True if the rule applies to a path below ``/v1/``."""
        return self.prefix == "*" or path.startswith(self.prefix)


def parse_rule(text: str) -> FaultRule:
    """Parse one ``PREFIX:KIND[=VALUE][@P][*N]`` rule."""
    raw = text.strip()
    if ":" not in raw:
        raise FaultSpecError(f"fault rule {raw!r}: expected PREFIX:KIND")
    prefix, rest = raw.split(":", 1)
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
    return FaultRule(prefix=prefix.strip().strip("/") if prefix.strip() != "*" else "*",
                     kind=kind, value=value, probability=probability, remaining=count)


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

    def pick(self, path: str) -> FaultRule | None:
        """The rule to apply to this request, if any (consumes one of its counts)."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(path):
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
