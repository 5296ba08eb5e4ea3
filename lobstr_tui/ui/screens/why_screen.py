"""Why a run is where it is, in full (``e`` on the runs table, the board or the banner):
every word lobstr.io gave, what it means and what to do, when, and the ids; scrolls at
any size down to 60x20."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


class WhyScreen(ModalScreen[None]):
    """The whole story of one run's status; ``esc``, ``q`` or ``e`` close it."""

    BINDINGS = [
        Binding("escape,q,e", "close", "Close", id="why.close", tooltip="Close"),
    ]

    def __init__(self, title: str, lines: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        yield Footer(show_command_palette=False)
        with VerticalScroll(id="why-dialog"):
            yield Static(Text(self.title_text), id="why-title")
            story = Table.grid(padding=(0, 2))
            story.add_column(style="bold", no_wrap=True)
            story.add_column(overflow="fold")
            for label, text in self.lines:
                story.add_row(label, Text(text))
            yield Static(story, id="why-body")

    def on_mount(self) -> None:
        self.app.clear_notifications()  # read whole: no toast lies over it
        self.query_one("#why-dialog").focus()

    def action_close(self) -> None:
        """Back to where ``e`` was pressed."""
        self.dismiss(None)

    def text(self) -> str:
        """Everything the screen says, as plain lines (for tests and screen readers)."""
        return "\n".join([self.title_text, *(f"{label}: {text}" for label, text in self.lines)])
