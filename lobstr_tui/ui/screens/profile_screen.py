"""The profile picker (``p``): the accounts of config.toml, the one shown marked; enter
switches, esc cancels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option


@dataclass(frozen=True)
class ProfileChoice:
    """A profile the app can switch to; ``problem`` says why it cannot be opened (no
    token, ``token_env`` naming an unset variable): it is listed, but not chosen."""

    name: str
    problem: str | None = None


class ProfileScreen(ModalScreen[str | None]):
    """Pick a profile: the answer is its name, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="profile.cancel",
                tooltip="Cancel: stay on this profile"),
    ]

    def __init__(self, choices: Sequence[ProfileChoice], current: str) -> None:
        super().__init__()
        self.choices = tuple(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        yield Footer(show_command_palette=False)
        with Vertical(id="profile-dialog"):
            yield Static(Text("Switch to another profile"), id="profile-title")
            yield OptionList(*(self._option(choice) for choice in self.choices),
                             id="profile-options")

    def _option(self, choice: ProfileChoice) -> Option:
        if choice.problem is not None:
            return Option(Text(f"{choice.name}  (cannot open: {choice.problem})"),
                          id=choice.name, disabled=True)
        mark = "  (shown now)" if choice.name == self.current else ""
        return Option(Text(f"{choice.name}{mark}"), id=choice.name)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        names = [choice.name for choice in self.choices]
        if self.current in names:
            options.highlighted = names.index(self.current)
        options.focus()

    def action_cancel(self) -> None:
        """Close without switching."""
        self.dismiss(None)

    @on(OptionList.OptionSelected, "#profile-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_id)
