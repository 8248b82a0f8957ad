"""The row of steps at the top of every screen; the current one is highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.events import Resize
from textual.widgets import Static

STEPS = (
    ("data", "Data"),
    ("candidates", "Candidates"),
    ("scoring", "Scoring"),
    ("ranking", "Ranking"),
    ("finetune", "Fine-tune"),
)
HINT, SHORT_HINT = "? help · ctrl+p commands", "? help"


def step_markup(current: str, width: int | None = None) -> str:
    """The steps with the current one reversed; the app name and the key hint when there is
    room in ``width`` cells (None: always)."""
    parts = []
    for number, (mode, title) in enumerate(STEPS, start=1):
        label = f" {number} {title} "
        parts.append(f"[reverse b]{label}[/]" if mode == current else f"[dim]{label}[/]")
    steps = " › ".join(parts)
    full = f"advisor  {steps}   [dim]{HINT}[/]"
    if width is None or Text.from_markup(full).cell_len <= width:
        return full
    short = f"{steps}  [dim]{SHORT_HINT}[/]"
    if Text.from_markup(short).cell_len <= width:
        return short
    if Text.from_markup(steps).cell_len <= width:
        return steps
    # Only the current step keeps its title; the others are their number keys.
    return " › ".join(
        f"[reverse b] {n} {title} [/]" if mode == current else f"[dim]{n}[/]"
        for n, (mode, title) in enumerate(STEPS, start=1)
    )


class StepBar(Static):
    """Shows where the user is in the five-step flow; number keys jump between steps."""

    DEFAULT_CSS = """
    StepBar { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, current: str) -> None:
        super().__init__(step_markup(current))
        self.current = current

    def on_resize(self, event: Resize) -> None:
        self.update(step_markup(self.current, self.content_region.width))
