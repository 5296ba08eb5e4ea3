"""Control endpoints: steer the simulated world over HTTP, outside the API's paths.

All are ``POST /_sim/...`` with a JSON object body, need the simulator's token like the
API does, and answer the changed object; a bad body is a 400 with a message, an unknown
id a 404. They never count against the API's rate limits, never meet injected faults
or quirks, and are not written to the server's request log (that log is the API
traffic a client caused). Each one calls the :class:`World` method of the same job:

=================================  ===================================================
``runs/{id}/pause``                ``{"reason": "cookies_expired", "desc": "...",
                                   "resume_after": 60}`` (desc, resume_after optional)
``runs/{id}/resume``               no body
``runs/{id}/error``                ``{"message": "..."}``
``runs/{id}/finish``               ``{"reason": "tasks_done"}`` (optional)
``runs/{id}/pace``                 ``{"factor": 0.1}`` (collect at a tenth of the pace)
``balance``                        ``{"available": 500, "consumed": 480}`` (either)
``slots``                          ``{"total": 5}``
``clock``                          ``{"advance": 600}`` (manual clocks only; 400 else)
``squids``                         ``{"name": "...", "crawler": "...", "tasks": 5}``
=================================  ===================================================
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from lobstr_tui.sim import errors as e
from lobstr_tui.sim import views as v
from lobstr_tui.sim.routes import Reply, Router
from lobstr_tui.sim.world import World

CONTROL_ROOT = "/_sim/"

Body = dict[str, Any]
Handler = Callable[[re.Match[str], Body, str], Any]


def _check_fields(body: Body, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        expected = ", ".join(allowed) if allowed else "no fields"
        raise e.detail_error(400, f"unknown field {unknown[0]!r} (expected: {expected})")


def _given(body: Body, key: str, *, required: bool) -> Any:
    value = body.get(key)
    if value is None and required:
        raise e.detail_error(400, f"{key!r} is required")
    return value


def _text(body: Body, key: str, *, required: bool = False) -> str | None:
    value = _given(body, key, required=required)
    if value is not None and not isinstance(value, str):
        raise e.detail_error(400, f"{key!r} must be a string")
    return value


def _number(body: Body, key: str, *, required: bool = False) -> float | None:
    value = _given(body, key, required=required)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(
            value):
        raise e.detail_error(400, f"{key!r} must be a number")
    return float(value)


def _whole(body: Body, key: str, *, required: bool = False) -> int | None:
    value = _number(body, key, required=required)
    if value is None:
        return None
    if not value.is_integer():
        raise e.detail_error(400, f"{key!r} must be a whole number")
    return int(value)


def decode_body(raw: bytes) -> Body:
    """The request's JSON object (an empty body is ``{}``), or a 400 saying why not."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise e.detail_error(400, "the body must be UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise e.detail_error(400, f"the body is not valid JSON ({exc.msg} at "
                                  f"character {exc.pos})") from None
    if not isinstance(data, dict):
        raise e.detail_error(400, "the body must be a JSON object, e.g. "
                                  '{"reason": "cookies_expired"}')
    return data


class ControlRouter:
    """Maps ``POST /_sim/...`` to :class:`World` steering methods."""

    def __init__(self, world: World, api: Router) -> None:
        self.world = world
        self.api = api
        run = r"^runs/(?P<id>[^/]+)/"
        self.routes: list[tuple[re.Pattern[str], Handler]] = [
            (re.compile(run + r"pause$"), self._pause),
            (re.compile(run + r"resume$"), self._resume),
            (re.compile(run + r"error$"), self._error),
            (re.compile(run + r"finish$"), self._finish),
            (re.compile(run + r"pace$"), self._pace),
            (re.compile(r"^balance$"), self._balance),
            (re.compile(r"^slots$"), self._slots),
            (re.compile(r"^clock$"), self._clock),
            (re.compile(r"^squids$"), self._squids),
        ]

    def handle(self, method: str, path: str, raw_body: bytes, base_url: str) -> Reply:
        """Answer one authenticated control request (``path`` starts with /_sim/)."""
        rest = path[len(CONTROL_ROOT):].strip("/")
        for pattern, handler in self.routes:
            match = pattern.match(rest)
            if match is None:
                continue
            if method != "POST":
                return Reply(405, {"detail": f"use POST for {CONTROL_ROOT}{rest}"})
            try:
                body = decode_body(raw_body)
                with self.world.locked():
                    return Reply(200, handler(match, body, base_url))
            except e.SimError as error:
                return Reply(error.status, error.body)
        return Reply(404, {"detail": f"no control endpoint {CONTROL_ROOT}{rest} (see the "
                                     "simulator section of the README)"})

    # -- runs --------------------------------------------------------------------------

    def _run_body(self, run_id: str) -> Any:
        return v.run_body(self.world, self.world.runs[run_id], string_duration=True)

    def _pause(self, match: re.Match[str], body: Body, base_url: str) -> Any:
        _check_fields(body, ("reason", "desc", "resume_after"))
        run = self.world.pause_run(match["id"], _text(body, "reason", required=True) or "",
                                   _text(body, "desc"), _number(body, "resume_after"))
        return self._run_body(run.id)

    def _resume(self, match: re.Match[str], body: Body, base_url: str) -> Any:
        _check_fields(body, ())
        return self._run_body(self.world.resume_run(match["id"]).id)

    def _error(self, match: re.Match[str], body: Body, base_url: str) -> Any:
        _check_fields(body, ("message",))
        run = self.world.fail_run(match["id"], _text(body, "message", required=True) or "")
        return self._run_body(run.id)

    def _finish(self, match: re.Match[str], body: Body, base_url: str) -> Any:
        _check_fields(body, ("reason",))
        reason = _text(body, "reason")
        run = self.world.finish_run(match["id"], "tasks_done" if reason is None else reason)
        return self._run_body(run.id)

    def _pace(self, match: re.Match[str], body: Body, base_url: str) -> Any:
        _check_fields(body, ("factor",))
        run = self.world.pace_run(match["id"], _number(body, "factor", required=True) or 0.0)
        return self._run_body(run.id)

    # -- the account, the clock, squids ------------------------------------------------

    def _balance(self, match: re.Match[str], body: Body, base_url: str) -> Any:
        _check_fields(body, ("available", "consumed"))
        self.world.set_balance(available=_number(body, "available"),
                               consumed=_number(body, "consumed"))
        return v.balance_body(self.world)

    def _slots(self, match: re.Match[str], body: Body, base_url: str) -> Any:
        _check_fields(body, ("total",))
        self.world.set_slots(_whole(body, "total", required=True) or 0)
        return v.balance_body(self.world)

    def _clock(self, match: re.Match[str], body: Body, base_url: str) -> Any:
        _check_fields(body, ("advance",))
        now = self.world.advance_clock(_number(body, "advance", required=True) or 0.0)
        return {"now": v.iso_z(now), "manual": self.world.clock.manual,
                "work_done": round(self.world.work_done, 3)}

    def _squids(self, match: re.Match[str], body: Body, base_url: str) -> Any:
        _check_fields(body, ("name", "crawler", "tasks"))
        tasks = _whole(body, "tasks")
        squid = self.world.create_squid(_text(body, "name", required=True) or "",
                                        _text(body, "crawler", required=True) or "",
                                        tasks=5 if tasks is None else tasks)
        return self.api.squid_body(squid, base_url, detail=True)
