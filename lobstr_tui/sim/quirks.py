"""Quirks mode: at random (seeded), send the documented answer variants that the
simulator otherwise never sends, so that clients are tested against all of them.

Every variant is a valid documented answer carrying the same data (or, for ``me``, the
other documented shape of it); none is a fault. Switch it on with
``SimServer(world, quirks=True)`` or ``lobstr-tui sim --quirks``.

Each variant draws from its own generator seeded with ``(seed, variant)``, so a given
seed and the same sequence of requests give the same answers, and requests of one kind
never shift the choices made for another.
"""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from lobstr_tui.sim.routes import Reply
from lobstr_tui.sim.views import iso_z
from lobstr_tui.sim.world import World

DEFAULT_PROBABILITY = 0.3

# Variant names (also the keys of ``Quirks.sent``).
ETA_EMPTY = "eta_empty"                  # unknown ETA as "" instead of "∞"
ETA_WORDS = "eta_words"                  # "2 minutes" instead of "0:02:13.000000"
ETA_ZERO = "eta_zero"                    # "0s" on a finished run instead of "∞"
CURRENT_TASK_NULL = "current_task_null"  # null instead of "" (the SDK's mocks)
ME_AUTH_SHAPE = "me_auth_shape"          # the authentication page's shape of `me`
ABORT_STATUS_ONLY = "abort_status_only"  # {"status": "aborted"} instead of the run
THROTTLED_DETAIL = "throttled_detail"    # 429 {"detail": "Request was throttled..."}
RESULTS_WARNING = "results_warning"      # the free plan's warning on results
RUN_STATUS_UPPER = "run_status_upper"    # "RUNNING" on run bodies
SQUID_STATUS_LOWER = "squid_status_lower"  # "running" as a squid's last_run_status

VARIANTS = (ETA_EMPTY, ETA_WORDS, ETA_ZERO, CURRENT_TASK_NULL, ME_AUTH_SHAPE,
            ABORT_STATUS_ONLY, THROTTLED_DETAIL, RESULTS_WARNING, RUN_STATUS_UPPER,
            SQUID_STATUS_LOWER)

FREE_PLAN_WARNING = ("Export limit reached - only 50 results returned. Upgrade to premium "
                     "to access the full dataset: https://app.lobstr.io/dashboard/pricing.")

_STATS = re.compile(r"^runs/[^/]+/stats$")
_ABORT = re.compile(r"^runs/[^/]+/abort$")
_RUN = re.compile(r"^runs/[^/]+$")
_SQUID = re.compile(r"^squids/[^/]+$")


def eta_words(seconds: float) -> str:
    """An ETA in words, the ``"2 minutes"`` form."""
    if seconds >= 90:
        return f"{round(seconds / 60)} minutes"
    if seconds >= 60:
        return "1 minute"
    whole = max(1, round(seconds))
    return f"{whole} second{'s' if whole > 1 else ''}"


def _seconds(timedelta_text: str) -> float | None:
    match = re.match(r"^(?:(\d+) days?, )?(\d+):(\d\d):(\d\d(?:\.\d+)?)$", timedelta_text)
    if match is None:
        return None
    days, hours, minutes, secs = match.groups()
    return (int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(secs))


class Quirks:
    """Rewrites the simulator's answers into other documented variants, at random."""

    def __init__(self, seed: int, *, probability: float = DEFAULT_PROBABILITY) -> None:
        if not 0.0 <= probability <= 1.0:
            raise ValueError("the quirk probability must be between 0 and 1")
        self.seed = seed
        self.probability = probability
        self.sent: Counter[str] = Counter()
        self._rngs = {name: random.Random(f"{seed}:{name}") for name in VARIANTS}
        self._lock = threading.Lock()

    def _roll(self, variant: str) -> bool:
        with self._lock:
            chosen = self._rngs[variant].random() < self.probability
            if chosen:
                self.sent[variant] += 1
        return chosen

    def throttled(self, body: Any, headers: dict[str, str]) -> Any:
        """A 429's body: the documented flat shape, or the errors page's DRF one."""
        if not self._roll(THROTTLED_DETAIL):
            return body
        wait = headers.get("Retry-After", "1")
        return {"detail": f"Request was throttled. Expected available in {wait} "
                          f"second{'' if wait == '1' else 's'}."}

    def apply(self, world: World, method: str, path: str, reply: Reply) -> Reply:
        """``reply`` to ``METHOD path`` (below /v1/), possibly as another variant."""
        if reply.status != 200 or not isinstance(reply.body, dict):
            return reply
        path = path.strip("/")
        body = reply.body
        if method == "GET" and path == "me":
            body = self._me(world, body)
        elif method == "GET" and _STATS.match(path):
            body = self._stats(body)
        elif method == "POST" and _ABORT.match(path):
            if self._roll(ABORT_STATUS_ONLY):
                body = {"status": "aborted"}
            else:
                body = self._run_status(body)
        elif (method == "POST" and path == "runs") or (method == "GET" and _RUN.match(path)):
            body = self._run_status(body)
        elif method == "GET" and path == "runs":
            body = self._list(body, self._run_status_items)
        elif method == "GET" and path == "results":
            if self._roll(RESULTS_WARNING):
                body = {**body, "warning": FREE_PLAN_WARNING}
        elif method == "GET" and path == "squids":
            body = self._list(body, self._squid_status_items)
        elif method == "GET" and _SQUID.match(path):
            body = self._squid_status_items([body])[0]
        if body is reply.body:
            return reply
        return Reply(reply.status, body, reply.headers, reply.content_type)

    # -- the variants ------------------------------------------------------------------

    def _me(self, world: World, body: dict[str, Any]) -> dict[str, Any]:
        if not self._roll(ME_AUTH_SHAPE):
            return body
        account = world.account
        joined = (account.reset_time or world.now) - timedelta(days=400)
        return {"id": 10_000 + self.seed % 90_000, "email": account.email,
                "first_name": account.first_name, "last_name": account.last_name,
                "is_active": True, "date_joined": iso_z(joined)}

    def _stats(self, body: dict[str, Any]) -> dict[str, Any]:
        out = dict(body)
        eta = out.get("eta")
        if eta == "∞" and out.get("is_done"):
            if self._roll(ETA_ZERO):
                out["eta"] = "0s"
        elif eta == "∞":
            if self._roll(ETA_EMPTY):
                out["eta"] = ""
        elif isinstance(eta, str):
            seconds = _seconds(eta)
            if seconds is not None and self._roll(ETA_WORDS):
                out["eta"] = eta_words(seconds)
        if out.get("current_task") == "" and self._roll(CURRENT_TASK_NULL):
            out["current_task"] = None
        return out

    def _run_status(self, body: dict[str, Any]) -> dict[str, Any]:
        status = body.get("status")
        if isinstance(status, str) and self._roll(RUN_STATUS_UPPER):
            return {**body, "status": status.upper()}
        return body

    def _run_status_items(self, items: list[Any]) -> list[Any]:
        if not items or not self._roll(RUN_STATUS_UPPER):
            return items
        return [{**item, "status": str(item.get("status", "")).upper()} for item in items]

    def _squid_status_items(self, items: list[Any]) -> list[Any]:
        if not items or not self._roll(SQUID_STATUS_LOWER):
            return items
        return [{**item, "last_run_status": item["last_run_status"].lower()}
                if isinstance(item.get("last_run_status"), str) else item for item in items]

    @staticmethod
    def _list(body: dict[str, Any],
              change: Callable[[list[Any]], list[Any]]) -> dict[str, Any]:
        items = body.get("data")
        if not isinstance(items, list):
            return body
        changed = change(items)
        return body if changed is items else {**body, "data": changed}
