"""Help: every key (read from the bindings themselves), what each status means, and
every done/pause reason."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from lobstr_tui.api import StatusKind
from lobstr_tui.api.reasons import CATALOG
from lobstr_tui.ui.screens.confirm_screen import ConfirmScreen
from lobstr_tui.ui.screens.history_screen import HistoryScreen
from lobstr_tui.ui.text import format as fmt

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

TEXTUAL_ACTIONS: dict[str, str] = {
    "app.focus_next": "next pane",
    "app.focus_previous": "previous pane",
    "command_palette": "command palette: every action by name",
    "select_cursor": "open the run under the cursor (its detail)",
    "select": "open the squid under the cursor (its runs)",
    "cursor_down": "down",
    "cursor_up": "up",
}
"""Textual's own bindings worth listing, by action, in this app's words; the keys come
from the bindings (the rest of Textual's, such as page up, are left to the footer)."""

PLACE_NAMES: dict[str, str] = {
    "SquidOptions": "squid list",
    "TasksPane": "Tasks tab",
    "StoryTable": "Tasks and Results tabs",
    "RunFind": "run id search (# in the runs table)",
    "ConfirmScreen": "dialog",
    "HelpScreen": "this help",
}
"""Names for places whose class name does not say it; others are their class name in
words (``RunsTable`` → ``runs table``)."""


@dataclass(frozen=True, slots=True)
class KeyRow:
    """One line of the key table: where, which keys, what they do."""

    place: str
    keys: str
    what: str


def bindings_of(node_type: type[DOMNode]) -> list[tuple[Binding, type]]:
    """A class's bindings as Textual merges them (its bases' first, then its own, a key
    bound again replacing the bases' binding for that key), each with the class that
    declared it."""
    keys: dict[str, list[tuple[Binding, type]]] = {}
    for base in reversed(node_type.__mro__):
        if not issubclass(base, DOMNode):
            continue
        if not base.__dict__.get("inherit_bindings", True):
            keys.clear()
        own = BindingsMap(base.__dict__.get("BINDINGS", []))
        for key, bindings in own.key_to_bindings.items():
            keys[key] = [(binding, base) for binding in bindings]
    return [pair for pairs in keys.values() for pair in pairs]


def place_name(node_type: type[DOMNode]) -> str:
    """``RunsTable`` → ``runs table``, unless :data:`PLACE_NAMES` names it."""
    name = node_type.__name__
    return PLACE_NAMES.get(name) or re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def key_label(key: str) -> str:
    """``question_mark`` → ``?``; ``ctrl+q`` and ``enter`` stay as they are."""
    *modifiers, last = key.split("+")
    return "+".join([*modifiers, "enter" if last == "enter" else format_key(last)])


Works = Callable[[str, Binding], bool]


def key_rows(places: Sequence[tuple[str, type[DOMNode]]], works: Works | None = None,
             extra: Iterable[tuple[str, Binding]] = ()) -> list[KeyRow]:
    """The key table from the bindings of each ``(place, class)`` and the ``extra``
    ``(place, binding)`` pairs: this app's bindings that ``works`` accepts, and
    Textual's that :data:`TEXTUAL_ACTIONS` words. Bindings of one place and action
    share a row (``q / ctrl+q``); a row that repeats one of the first place (the same
    keys for the same action) is left out."""
    found: list[tuple[str, Binding, bool]] = []
    for place, node_type in places:
        found += [(place, binding, not owner.__module__.startswith("textual"))
                  for binding, owner in bindings_of(node_type)]
    found += [(place, binding, True) for place, binding in extra]
    grouped: dict[str, dict[str, tuple[list[str], str]]] = {}
    for place, binding, ours in found:
        if ours:
            if works is not None and not works(place, binding):
                continue
            what = binding.tooltip or binding.description
        else:
            what = TEXTUAL_ACTIONS.get(binding.action, "")
        if not what:
            continue
        actions = grouped.setdefault(place, {})
        keys, known = actions.setdefault(binding.action, ([], what))
        if binding.tooltip and known != binding.tooltip and ours:
            actions[binding.action] = (keys, binding.tooltip)  # a tooltip says more
        if key_label(binding.key) not in keys:
            keys.append(key_label(binding.key))
    rows: list[KeyRow] = []
    first = next(iter(grouped), None)
    for place, actions in grouped.items():
        for action, (keys, what) in actions.items():
            row = KeyRow(place, " / ".join(keys), what)
            listed = grouped[first].get(action) if first and place != first else None
            if listed is None or listed[0] != keys:
                rows.append(row)
    return rows


def help_lines(rows: Sequence[KeyRow]) -> list[tuple[str, str]]:
    """The whole help, line by line: each line's lead (indent and key, status or
    reason) and its text, which wraps under itself, never under the lead."""
    lines = [("", "KEYS (read from the key bindings; the footer shows the ones that work "
                  "where you are)")]
    width = max((len(row.keys) for row in rows), default=8)
    place = None
    for row in rows:
        if row.place != place:
            place = row.place
            lines.append(("  ", place))
        lines.append((f"    {row.keys:<{width}}  ", row.what))
    lines += [("", ""), ("", "STATUSES")]
    for kind, what in STATUSES:
        lines.append((f"  {fmt.GLYPHS[kind]} {kind.value:<10} ", what))
    lines += [("", ""), ("", "REASONS (done_reason; paused runs carry one too)")]
    for entry in CATALOG.values():
        action = f" → {entry.action}" if entry.action else ""
        lines.append((f"  {entry.slug:<26} ", f"[{entry.category.value}] "
                      f"{entry.explanation}{action}"))
    lines += [("", ""), ("", "The log is built from what polling sees: lobstr.io has no log API."),
              ("", "esc or ? closes this help.")]
    return lines


def help_text(rows: Sequence[KeyRow], width: int | None = None) -> str:
    """The whole help as plain text: the key table, statuses and reasons; with a
    ``width``, long lines wrap with their continuations indented under their text (a
    lead too wide for that leaves half the width to the text; a heading's by two)."""
    out: list[str] = []
    for lead, text in help_lines(rows):
        if width is None or cell_len(lead) + cell_len(text) <= width:
            out.append(lead + text)
            continue
        indent = " " * (min(cell_len(lead), width // 2) or 2)
        out += textwrap.wrap(text, width, initial_indent=lead, subsequent_indent=indent,
                             break_on_hyphens=False) or [lead]
    return "\n".join(out)


class HelpText(Static):
    """The help's text, wrapped at its width by :func:`help_text` (Textual would wrap
    continuations back to column 0, under the keys and slugs)."""

    def __init__(self, rows: Sequence[KeyRow], **kwargs: Any) -> None:
        super().__init__(Text(help_text(rows)), **kwargs)
        self.rows = tuple(rows)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width > 0:
            self.update(Text(help_text(self.rows, event.size.width)))


class HelpScreen(ModalScreen[None]):
    """Keys, statuses and reasons; esc, q or ? closes it."""

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close",
                tooltip="close this help"),
        Binding("j", "scroll_down", "Down", show=False, id="help.down",
                tooltip="scroll down"),
        Binding("k", "scroll_up", "Up", show=False, id="help.up", tooltip="scroll up"),
    ]

    def __init__(self, rows: Sequence[KeyRow]) -> None:
        super().__init__()
        self.rows = tuple(rows)

    def compose(self) -> ComposeResult:
        yield Footer(show_command_palette=False)
        with VerticalScroll(id="help-body"):
            yield HelpText(self.rows, id="help-text")

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


def app_key_rows(app: App[Any]) -> list[KeyRow]:
    """The key table of a running app: its own bindings that work now (``check_action``
    on the main screen), then those of each kind of widget on the main screen, then the
    dialogs' and this help's."""
    main = app.screen_stack[0] if app.screen_stack else app.screen
    places: list[tuple[str, type[DOMNode]]] = [("everywhere", type(app)),
                                               ("everywhere", type(main))]
    kinds: list[type[DOMNode]] = []
    for node in main.walk_children(with_self=False):
        kind = type(node)
        if kind.__module__.startswith("lobstr_tui") and kind not in kinds:
            kinds.append(kind)
    places += [(place_name(kind), kind) for kind in kinds]
    places += [(place_name(ConfirmScreen), ConfirmScreen), (place_name(HistoryScreen),
                                                            HistoryScreen),
               (place_name(HelpScreen), HelpScreen)]

    def works(place: str, binding: Binding) -> bool:
        if place != "everywhere":
            return True
        action = binding.action.split("(", 1)[0]
        return "." in action or app.check_action(action, ()) is not False

    palette = [("everywhere", Binding(app.COMMAND_PALETTE_BINDING, "command_palette",
                                      "Palette",
                                      tooltip="command palette: every action by name"))
               ] if app.ENABLE_COMMAND_PALETTE else []
    return key_rows(places, works, palette)
