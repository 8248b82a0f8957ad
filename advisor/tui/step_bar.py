"""The row of steps at the top of every screen; the current one is highlighted."""

from __future__ import annotations

from textual.widgets import Static

STEPS = (
    ("data", "Data"),
    ("candidates", "Candidates"),
    ("scoring", "Scoring"),
    ("ranking", "Ranking"),
    ("finetune", "Fine-tune"),
)


def step_markup(current: str) -> str:
    parts = []
    for number, (mode, title) in enumerate(STEPS, start=1):
        label = f" {number} {title} "
        parts.append(f"[reverse b]{label}[/]" if mode == current else f"[dim]{label}[/]")
    return "advisor  " + " › ".join(parts) + "   [dim]? help · ctrl+p commands[/]"


class StepBar(Static):
    """Shows where the user is in the five-step flow; number keys jump between steps."""

    DEFAULT_CSS = """
    StepBar { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, current: str) -> None:
        super().__init__(step_markup(current))
        self.current = current
