"""An option prompt whose lines are already cut to the list's width.

An ``OptionList`` measures the height of every option by wrapping its text, whenever
options are set or a prompt is replaced: for 2,000 squids that is most of the time a
filter keystroke takes. Our prompts are fitted before they are shown, so their height is
their number of lines; wrapping is only done for a width narrower than the prompt.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual


class FittedPrompt(Visual):
    """Plain text (no markup) of one or more lines, each at most a known width."""

    __slots__ = ("_content", "_lines", "_widest", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        rows = text.split("\n")
        self._lines = len(rows)
        self._widest = max(cell_len(row) for row in rows)
        self._content: Content | None = None

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FittedPrompt) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    @property
    def content(self) -> Content:
        """The text as Textual content, made when it is first drawn."""
        if self._content is None:
            self._content = Content(self.text)
        return self._content

    def render_strips(self, width: int, height: int | None, style: Style,
                      options: RenderOptions) -> list[Strip]:
        return self.content.render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self._widest

    def get_height(self, rules: RulesMap, width: int) -> int:
        if width >= self._widest:
            return self._lines
        return self.content.get_height(rules, width)
