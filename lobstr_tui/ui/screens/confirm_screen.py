"""A yes/no dialog for actions that cost money or stop work: focus starts on Cancel.

When the action is already known to fail, the same dialog only explains why and offers
Close: there is nothing to confirm.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static


class ConfirmScreen(ModalScreen[bool]):
    """Ask before launching or aborting; ``y`` confirms, ``n``/``esc`` cancel. Without
    a ``confirm_label`` it only informs: ``esc`` or its Close button closes it."""

    BINDINGS = [
        Binding("y", "confirm", "Confirm", id="confirm.yes", tooltip="Confirm"),
        Binding("n", "cancel", "Cancel", id="confirm.no", tooltip="Cancel"),
        Binding("escape", "cancel", "Cancel", show=False, id="confirm.escape"),
        Binding("escape", "close", "Close", id="confirm.close",
                tooltip="Close: nothing is sent"),
    ]

    def __init__(self, title: str, lines: list[str], confirm_label: str | None,
                 *, danger: bool = False) -> None:
        super().__init__()
        self.dialog_title = title
        self.lines = lines
        self.confirm_label = confirm_label
        self.danger = danger

    @property
    def can_confirm(self) -> bool:
        """False when the dialog only explains (it offers Close alone)."""
        return self.confirm_label is not None

    def compose(self) -> ComposeResult:
        classes = "-danger" if self.danger or not self.can_confirm else ""
        # Its own footer: the keys of the screen behind do not work here.
        yield Footer(show_command_palette=False)
        with Vertical(id="confirm-dialog", classes=classes):
            yield Static(Text(self.dialog_title), id="confirm-title")
            yield Static(Text("\n".join(self.lines)), id="confirm-body")
            with Horizontal(id="confirm-buttons"):
                if self.confirm_label is None:
                    yield Button("Close (esc)", id="close", variant="default")
                    return
                yield Button("Cancel (n)", id="cancel", variant="default")
                yield Button(f"{self.confirm_label} (y)", id="confirm",
                             variant="error" if self.danger else "primary")

    def on_mount(self) -> None:
        # The question must be read whole: toasts that would lie over it go.
        self.app.clear_notifications()
        self.query_one("#cancel" if self.can_confirm else "#close", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Confirm and Cancel exist only when there is something to confirm; Close only
        when there is not."""
        if action in ("confirm", "cancel"):
            return self.can_confirm
        if action == "close":
            return not self.can_confirm
        return True

    def action_confirm(self) -> None:
        """Close the dialog with yes."""
        self.dismiss(True)

    def action_cancel(self) -> None:
        """Close the dialog with no."""
        self.dismiss(False)

    def action_close(self) -> None:
        """Close an explaining dialog (its answer is no)."""
        self.dismiss(False)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")
