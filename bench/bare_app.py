"""The floor for start-up: a bare Textual app that shows one line of text (the first
squid's name), started the same way as lobstr-tui (``python -m bench.bare_app``)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static


class Bare(App[None]):
    """One line of text."""

    def compose(self) -> ComposeResult:
        yield Static("Google Maps FR restaurants")


if __name__ == "__main__":
    Bare().run()
