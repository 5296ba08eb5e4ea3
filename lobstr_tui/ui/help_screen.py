"""Help: every key, what each status means, and every done/pause reason."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from lobstr_tui.api import StatusKind
from lobstr_tui.api.reasons import CATALOG
from lobstr_tui.ui import format as fmt

KEYS: tuple[tuple[str, str], ...] = (
    ("q / ctrl+q", "quit (never touches runs on the server)"),
    ("?", "this help"),
    ("tab / shift+tab", "next / previous pane"),
    ("j / k, arrows", "move; enter opens"),
    ("/", "filter squids by name; esc clears"),
    ("l", "launch a run of the selected squid (asks first)"),
    ("a", "abort the selected run if active, else the squid's active run (asks first)"),
    ("y / n, esc", "in a dialog: confirm / cancel"),
    ("r", "refresh now"),
    ("f", "follow / unfollow the log tail"),
    ("ctrl+p", "command palette: every action"),
)

STATUSES: tuple[tuple[StatusKind, str], ...] = (
    (StatusKind.PENDING, "created, waiting to start"),
    (StatusKind.RUNNING, "collecting data"),
    (StatusKind.UPLOADING, "collection finished (or aborted), exporting results"),
    (StatusKind.PAUSED, "stopped for a reason; resumes by itself once it is resolved"),
    (StatusKind.DONE, "finished; results exported"),
    (StatusKind.ABORTED, "stopped by a user; partial results exported"),
    (StatusKind.ERROR, "crashed on lobstr.io's side; resumes once they fix it"),
    (StatusKind.UNKNOWN, "a status this version does not know, shown as the API wrote it"),
)


def help_text(read_only: bool) -> str:
    """The whole help as plain text."""
    lines = ["KEYS"]
    for key, what in KEYS:
        if read_only and key in ("l", "a"):
            what = "disabled (--read-only)"
        lines.append(f"  {key:<16} {what}")
    lines += ["", "STATUSES"]
    for kind, what in STATUSES:
        lines.append(f"  {fmt.GLYPHS[kind]} {kind.value:<10} {what}")
    lines += ["", "REASONS (done_reason; paused runs carry one too)"]
    for entry in CATALOG.values():
        action = f" → {entry.action}" if entry.action else ""
        lines.append(f"  {entry.slug:<26} [{entry.category.value}] {entry.explanation}{action}")
    lines += ["", "The log is built from what polling sees: lobstr.io has no log API.",
              "esc or ? closes this help."]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """Keys, statuses and reasons; esc, q or ? closes it."""

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
        Binding("j", "scroll_down", "Down", show=False, id="help.down"),
        Binding("k", "scroll_up", "Up", show=False, id="help.up"),
    ]

    def __init__(self, read_only: bool = False) -> None:
        super().__init__()
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text(help_text(self.read_only)), id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "Help"
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        """Scroll the help down."""
        self.query_one("#help-body", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        """Scroll the help up."""
        self.query_one("#help-body", VerticalScroll).scroll_up()
