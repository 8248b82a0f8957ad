"""A text field that escape leaves (docs/tui.md, "Escape, focus and fields")."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class FormInput(Input):
    """A form field: escape leaves it (the rule of docs/tui.md), so the screen's keys work."""

    BINDINGS = [Binding("escape", "leave", "Leave field")]

    def action_leave(self) -> None:
        self.screen.set_focus(None)
