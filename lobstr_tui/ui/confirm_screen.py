"""A yes/no dialog for actions that cost money or stop work: focus starts on Cancel."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Ask before launching or aborting; ``y`` confirms, ``n``/``esc`` cancel."""

    BINDINGS = [
        Binding("y", "confirm", "Confirm", id="confirm.yes", tooltip="Confirm"),
        Binding("n", "cancel", "Cancel", id="confirm.no", tooltip="Cancel"),
        Binding("escape", "cancel", "Cancel", show=False, id="confirm.escape"),
    ]

    def __init__(self, title: str, lines: list[str], confirm_label: str,
                 *, danger: bool = False) -> None:
        super().__init__()
        self.dialog_title = title
        self.lines = lines
        self.confirm_label = confirm_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="-danger" if self.danger else ""):
            yield Static(Text(self.dialog_title), id="confirm-title")
            yield Static(Text("\n".join(self.lines)), id="confirm-body")
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel (n)", id="cancel", variant="default")
                yield Button(f"{self.confirm_label} (y)", id="confirm",
                             variant="error" if self.danger else "primary")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def action_confirm(self) -> None:
        """Close the dialog with yes."""
        self.dismiss(True)

    def action_cancel(self) -> None:
        """Close the dialog with no."""
        self.dismiss(False)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")
