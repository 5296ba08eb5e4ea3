"""A footer fitted to its width: keys packed tighter under :data:`ROOMY_WIDTH` columns,
the command palette's key (``^p palette``) left out under :data:`PALETTE_WIDTH` (ctrl+p
still works), so that every key a screen shows fits on its one line."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

ROOMY_WIDTH = 120
"""From this width on the keys have Textual's roomy spacing."""
PALETTE_WIDTH = 100
"""From this width on the footer names ctrl+p (if the screen asks for it)."""


class FitFooter(Footer):
    """Textual's footer, refitted after every resize (see the module's text)."""

    def __init__(self, *, palette: bool = True) -> None:
        """``palette``: name ctrl+p when there is room (the main screens do; a dialog,
        where the palette does not open, does not)."""
        super().__init__(show_command_palette=palette)
        self._palette = palette

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        compact = width < ROOMY_WIDTH
        palette = self._palette and width >= PALETTE_WIDTH
        if (compact, palette) == (self.compact, self.show_command_palette):
            return
        self.compact = compact
        if palette != self.show_command_palette:
            self.show_command_palette = palette
            self.refresh(recompose=True)
