"""The squid list pane: status glyph + word, live progress, a `/` filter."""

from __future__ import annotations

from datetime import UTC, datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from lobstr_tui.api import Squid
from lobstr_tui.monitor import Progress, Snapshot
from lobstr_tui.ui.kit.fitted_prompt import FittedPrompt
from lobstr_tui.ui.kit.narrow import put_prompt
from lobstr_tui.ui.kit.refit import put_border
from lobstr_tui.ui.text import format as fmt

EMPTY_ACCOUNT = ("No squids on this account yet.\n\nCreate one at app.lobstr.io: pick a "
                 "crawler, add its tasks, save. It shows here within a minute "
                 "(r refreshes now), then l launches a run.")


def squid_prompt(squid: Squid, progress: Progress | None, width: int, age: str = "") -> str:
    """Two lines: the name, as wide as the pane allows; then the full status word with
    live progress (active runs, with ``age`` when it was read a while ago) or crawler,
    run count and schedule. A squid with impossible values has a warning mark."""
    status = fmt.status_label(squid.last_run_status)
    active = squid.last_run_status is not None and squid.last_run_status.is_active
    if active and progress is not None:
        pct = "" if progress.percent is None else f"{progress.percent:.0f}% · "
        # The age comes first, so a narrow pane never cuts it away.
        stale = f"{age.removeprefix(' · ')} · " if age else ""
        detail = (f"{stale}{pct}{fmt.count(progress.results)} results · "
                  f"{progress.tasks_done}/{progress.tasks_total} tasks")
    else:
        runs = f"{squid.total_runs} run{'s' if squid.total_runs != 1 else ''}"
        schedule = f" · {squid.schedule}" if squid.schedule else ""
        detail = f"{squid.crawler_name} · {runs}{schedule}"
    odd = "⚠ " if squid.oddities else ""
    return (f"{fmt.pad(odd + squid.name, width)}\n"
            f"{fmt.shorten(f'  {status} · {detail}', width)}")


class SquidOptions(OptionList):
    """The list itself, with vi-style keys."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="squids.down"),
        Binding("k", "cursor_up", "Up", show=False, id="squids.up"),
    ]


class SquidList(Vertical):
    """Squids of the account; highlighting one selects it."""

    class Selected(Message):
        """The user moved to another squid."""

        def __init__(self, squid_id: str, opened: bool) -> None:
            super().__init__()
            self.squid_id = squid_id
            self.opened = opened

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.border_title = "Squids (/ filter)"
        self._squids: tuple[Squid, ...] = ()
        self._progress: dict[str, Progress] = {}
        self._prompts: dict[str, str] = {}
        self._prompt_cache: dict[str, tuple[tuple[object, ...], str]] = {}
        self._shown: list[str] = []
        self._filter = ""
        self._selected: str | None = None
        self._now = datetime.now(UTC)

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter by name, esc clears", id="squid-filter")
        yield SquidOptions(id="squid-options")
        yield Static(EMPTY_ACCOUNT, id="squid-empty")

    @property
    def options(self) -> SquidOptions:
        """The option list widget."""
        return self.query_one(SquidOptions)

    def show(self, snapshot: Snapshot, now: datetime | None = None) -> None:
        """Update from a snapshot without moving the cursor."""
        self._now = now or snapshot.taken_at
        self._squids = snapshot.squids
        # An account with no squid says what to do next instead of a blank pane.
        self.set_class(snapshot.squids_loaded and not snapshot.squids, "-empty")
        self._progress = dict(snapshot.progress)
        self._selected = snapshot.selected_squid_id
        total = len(snapshot.squids)
        shown = self._rebuild()
        unreadable = len(snapshot.skipped.get("squids", ()))
        if not snapshot.squids_loaded:
            why = snapshot.errors.get("squids")
            put_border(self, subtitle="⚠ not loaded yet" if why else "loading…")
            return
        put_border(self, subtitle=(f"{shown} of {total}" if self._filter else f"{total}")
                   + (f" · ⚠ {unreadable} unreadable" if unreadable else "")
                   + fmt.stale_note(snapshot, "squids", self._now))

    def forget(self) -> None:
        """Another account is shown: the next :meth:`show` lays the list out afresh, the
        cursor on the selected squid, else the first."""
        self.options.clear_options()
        self._shown = []
        self._prompts = {}
        self._prompt_cache.clear()
        self._selected = None

    def on_resize(self) -> None:
        """Prompts are cut to the pane's width: cut them again for the new one."""
        self._rebuild()

    def _matching(self) -> list[Squid]:
        needle = self._filter.lower()
        return [s for s in self._squids if needle in s.name.lower()]

    def _rebuild(self) -> int:
        options = self.options
        width = max(12, (options.size.width or 28) - 3)
        wanted = self._matching()
        ids = [s.id for s in wanted]
        prompts = {s.id: self._prompt(s, width) for s in wanted}
        if ids != self._shown:
            highlighted = self._current_id()
            options.set_options(Option(FittedPrompt(prompts[i]), id=i) for i in ids)
            self._shown = ids
            self._prompts = prompts
            target = highlighted if highlighted in ids else self._selected
            if target in ids:
                options.highlighted = ids.index(target)
            elif ids:
                options.highlighted = 0
            return len(ids)
        for squid_id, prompt in prompts.items():
            if self._prompts.get(squid_id) != prompt:
                put_prompt(options, squid_id, FittedPrompt(prompt))
        self._prompts = prompts
        return len(ids)

    def _prompt(self, squid: Squid, width: int) -> str:
        """A squid's prompt, recomputed only when the squid or its progress changed."""
        progress = self._progress.get(squid.id)
        age = fmt.progress_age(progress.read_at if progress else None, self._now)
        key = (squid, progress, width, age)
        cached = self._prompt_cache.get(squid.id)
        if cached is not None and cached[0] == key:
            return cached[1]
        prompt = squid_prompt(squid, progress, width, age)
        self._prompt_cache[squid.id] = (key, prompt)
        return prompt

    def _current_id(self) -> str | None:
        options = self.options
        if options.highlighted is None or options.highlighted >= options.option_count:
            return None
        return options.get_option_at_index(options.highlighted).id

    def action_filter(self) -> None:
        """Show the filter box and focus it."""
        box = self.query_one(Input)
        box.add_class("-visible")
        box.focus()

    def clear_filter(self) -> bool:
        """Clear and hide the filter; True if there was one."""
        box = self.query_one(Input)
        had = bool(self._filter) or box.has_class("-visible")
        box.value = ""
        box.remove_class("-visible")
        self._filter = ""
        self._rebuild()
        self.options.focus()
        return had

    @on(Input.Changed, "#squid-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter = event.value.strip()
        shown = self._rebuild()
        put_border(self, subtitle=f"{shown} of {len(self._squids)}")

    @on(Input.Submitted, "#squid-filter")
    def _filter_done(self) -> None:
        self.options.focus()

    @on(OptionList.OptionHighlighted, "#squid-options")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_id and event.option_id != self._selected:
            self._selected = event.option_id
            self.post_message(self.Selected(event.option_id, opened=False))

    @on(OptionList.OptionSelected, "#squid-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id:
            self._selected = event.option_id
            self.post_message(self.Selected(event.option_id, opened=True))
