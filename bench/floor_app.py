"""The floor for start-up with data: the same work as lobstr-tui's first frame with our
code removed. A Textual app that imports httpx, reads the first page of squids from the
API named by ``LOBSTR_API_BASE`` with ``LOBSTR_TOKEN``, and lists their names in an
``OptionList`` (``python -m bench.floor_app``, started the same way as lobstr-tui)."""

from __future__ import annotations

import os

import httpx
from textual.app import App, ComposeResult
from textual.widgets import OptionList


class Floor(App[None]):
    """One list of squid names, filled by one request."""

    def compose(self) -> ComposeResult:
        yield OptionList()

    async def on_mount(self) -> None:
        async with httpx.AsyncClient(
                base_url=os.environ["LOBSTR_API_BASE"].rstrip("/") + "/",
                headers={"Authorization": f"Token {os.environ['LOBSTR_TOKEN']}"}) as http:
            reply = await http.get("squids", params={"page": 1, "limit": 50})
        names = [squid["name"] for squid in reply.json()["data"]]
        self.query_one(OptionList).add_options(names)


if __name__ == "__main__":
    Floor().run()
