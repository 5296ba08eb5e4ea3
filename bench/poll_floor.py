"""The floor for CPU while polling: the same work as the monitor's steady state with our
code removed. A Textual app that sends, with httpx, every GET the monitor sends (the
benchmark passes each one on through a named pipe as the monitor's simulator answers it,
so the rate and the mix are the monitor's), parses each JSON answer, and shows its items
as rows of a ``DataTable`` (one row per id, cells changed in place), under a ``Static``
clock repainted once a second (``live Ns``, like our top bar). Nothing else.

    FLOOR_FEED=/path/to/fifo LOBSTR_API_BASE=... LOBSTR_TOKEN=... python -m bench.poll_floor
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

COLUMNS = 6
WIDTH = 18


def cells(item: dict[str, Any]) -> list[str]:
    """The first scalar fields of an item, as short texts."""
    values = [value for value in item.values() if not isinstance(value, dict | list)]
    texts = [str(value)[:WIDTH] for value in values[:COLUMNS]]
    return texts + [""] * (COLUMNS - len(texts))


class PollFloor(App[None]):
    """A clock line and one table of whatever the answers hold."""

    def compose(self) -> ComposeResult:
        yield Static("live 0s", id="clock")
        yield DataTable(id="rows")

    def on_mount(self) -> None:
        self.started = time.monotonic()
        table = self.query_one(DataTable)
        for index in range(COLUMNS):
            table.add_column(f"f{index}", key=f"f{index}", width=WIDTH)
        self.set_interval(1.0, self.tick)
        threading.Thread(target=self.follow, daemon=True).start()

    def tick(self) -> None:
        self.query_one("#clock", Static).update(
            f"live {int(time.monotonic() - self.started)}s")

    def follow(self) -> None:
        """Send each GET read from the pipe to our own simulator; show its answer."""
        root = urlsplit(os.environ["LOBSTR_API_BASE"])
        with (httpx.Client(base_url=f"{root.scheme}://{root.netloc}", headers={
                "Authorization": f"Token {os.environ['LOBSTR_TOKEN']}"}) as http,
              open(os.environ["FLOOR_FEED"], encoding="utf-8") as feed):
            for line in feed:
                reply = http.get(line.strip())
                try:
                    body = reply.json()
                except ValueError:
                    continue
                self.call_from_thread(self.show, line.split("?")[0], body)

    def show(self, path: str, body: object) -> None:
        items = body.get("data") if isinstance(body, dict) else None
        rows = items if isinstance(items, list) else [body]
        table = self.query_one(DataTable)
        for item in rows:
            if not isinstance(item, dict):
                continue
            key = str(item.get("id") or path)
            texts = cells(item)
            if key in table.rows:
                for index, text in enumerate(texts):
                    if table.get_cell(key, f"f{index}") != text:
                        table.update_cell(key, f"f{index}", text)
            else:
                table.add_row(*texts, key=key)


if __name__ == "__main__":
    PollFloor().run()
