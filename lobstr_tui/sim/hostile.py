"""Hostile mode: answers that are odd but plausible, to test that a client survives them.

Unlike quirks (documented variants), these are what a broken proxy, a bug on the
server or a malicious name can send. Each behaviour is switched on by name, with
``SimServer(world, hostile={"escapes", "duplicates"})``; none is on by default:

============  ==================================================================
``escapes``   terminal escape sequences, C1 and bidi controls and newlines in the
              squid names, the user's name and plan, the balance's plan name,
              ``current_task``, credit function names and task URLs
``duplicates``  every list page sends its first item twice
``bad_item``  the last squid of a page has ``last_run_at: "yesterday-ish"``; the
              last run of a page has ``duration: -4.0``
``endless``   the squid list never ends: every page exists, with new squids (page 1
              holds the real ones), a ``next`` link and ``total_pages`` of a million
``null_data``  every successful GET answers ``{"data": null}``
============  ==================================================================
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection
from typing import Any

from lobstr_tui.sim.routes import Reply

ESCAPES = "escapes"
DUPLICATES = "duplicates"
BAD_ITEM = "bad_item"
ENDLESS = "endless"
NULL_DATA = "null_data"
BEHAVIOURS = (ESCAPES, DUPLICATES, BAD_ITEM, ENDLESS, NULL_DATA)

TITLE = "\x1b]2;owned\x1b\\"
"""Sets the terminal's window title if it reaches a terminal unescaped."""
CLEAR = "\x1b[2J"
"""Clears the screen if it reaches a terminal unescaped."""
HOSTILE_SUFFIX = f"{TITLE}{CLEAR}\u202e\x9b31m\nline2"
"""What ``escapes`` appends to each text it poisons."""
ENDLESS_PAGES = 1_000_000

_STATS = re.compile(r"^runs/[^/]+/stats$")
_CREDITS = re.compile(r"^runs/[^/]+/credits$")
_SQUID = re.compile(r"^squids/[^/]+$")


def poison(text: Any) -> Any:
    """``text`` with the hostile suffix (non-text values are left alone)."""
    return f"{text}{HOSTILE_SUFFIX}" if isinstance(text, str) else text


class Hostile:
    """Rewrites the simulator's successful answers with the chosen behaviours."""

    def __init__(self, behaviours: Collection[str]) -> None:
        unknown = sorted(set(behaviours) - set(BEHAVIOURS))
        if unknown:
            raise ValueError(f"unknown hostile behaviour {unknown[0]!r} "
                             f"(known: {', '.join(BEHAVIOURS)})")
        self.behaviours = frozenset(behaviours)

    def page_asked(self, path: str, query: dict[str, str]) -> tuple[dict[str, str], int]:
        """The query to route (an endless list routes every page as page 1) and the page
        the client asked for."""
        asked = int(query["page"]) if query.get("page", "").isdigit() else 1
        if ENDLESS in self.behaviours and path.strip("/") == "squids":
            return {**query, "page": "1"}, asked
        return query, asked

    def apply(self, method: str, path: str, asked: int, reply: Reply) -> Reply:
        """``reply`` to ``METHOD path`` (below /v1/), rewritten."""
        if reply.status != 200 or not isinstance(reply.body, dict) or method != "GET":
            return reply
        path = path.strip("/")
        if NULL_DATA in self.behaviours:
            return Reply(200, {"data": None}, reply.headers, reply.content_type)
        body = copy.deepcopy(reply.body)
        if isinstance(body.get("data"), list):
            self._list(path, body, asked)
        if ESCAPES in self.behaviours:
            self._escapes(path, body)
        return Reply(200, body, reply.headers, reply.content_type)

    def _list(self, path: str, body: dict[str, Any], asked: int) -> None:
        items: list[Any] = body["data"]
        if ENDLESS in self.behaviours and path == "squids":
            for item in items if asked > 1 else []:  # page 1 holds the real squids
                item["id"] = f"{asked:08x}{str(item.get('id', ''))[8:]}"
            body.update(page=asked, total_pages=ENDLESS_PAGES,
                        total_results=ENDLESS_PAGES * max(1, len(items)),
                        next=f"http://127.0.0.1/v1/squids?page={asked + 1}")
        if BAD_ITEM in self.behaviours and len(items) > 1:
            if path == "squids":
                items[-1]["last_run_at"] = "yesterday-ish"
            elif path == "runs":
                items[-1]["duration"] = -4.0
        if DUPLICATES in self.behaviours and items:
            items.append(copy.deepcopy(items[0]))

    @staticmethod
    def _escapes(path: str, body: dict[str, Any]) -> None:
        items = body.get("data") if isinstance(body.get("data"), list) else [body]
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            if path == "squids" or _SQUID.match(path):
                item["name"] = poison(item.get("name"))
                item["crawler_name"] = poison(item.get("crawler_name"))
            elif path == "runtasks" and isinstance(item.get("params"), dict):
                item["params"]["url"] = poison(item["params"].get("url"))
        if path == "me":
            body["first_name"] = poison(body.get("first_name"))
            plans = body.get("plan")
            if isinstance(plans, list):
                body["plan"] = [poison(p) if isinstance(p, str) else (
                    {**p, "name": poison(p.get("name"))} if isinstance(p, dict) else p)
                    for p in plans]
        elif path == "user/balance":
            body["name"] = poison(body.get("name"))
        elif _STATS.match(path):
            body["current_task"] = poison(body.get("current_task") or "task")
        elif _CREDITS.match(path):
            for line in body.get("breakdown") or []:
                if isinstance(line, dict):
                    line["function"] = poison(line.get("function"))
