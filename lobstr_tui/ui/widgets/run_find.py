"""`#` in the runs table: type a run id (or its start) to find that run."""

from __future__ import annotations

import re

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

RUN_ID = re.compile(r"^[0-9a-f]{32}$")


class RunFind(Input):
    """Finds a loaded run as the id is typed; a whole id not loaded is looked up on
    lobstr.io on Enter. Esc closes it."""

    BINDINGS = [
        Binding("escape", "close", "Close", show=False, id="run-find.close",
                tooltip="Back to the runs"),
    ]

    class Closed(Message):
        """The find field was closed (esc, or a run was found)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(placeholder="run id or its start (Enter looks it up; esc closes)",
                         max_length=40, **kwargs)  # type: ignore[arg-type]

    @property
    def needle(self) -> str:
        """What was typed, as a run id would be written (lower-case, no spaces)."""
        return "".join(self.value.split()).lower()

    @property
    def whole_id(self) -> bool:
        """True when a whole run id (32 hex digits) was typed."""
        return bool(RUN_ID.match(self.needle))

    def open(self) -> None:
        """Show the field, empty, and type into it."""
        self.value = ""
        self.add_class("-visible")
        self.focus()

    def action_close(self) -> None:
        """Hide the field."""
        self.remove_class("-visible")
        self.post_message(self.Closed())
