"""A small modal form of positive numbers (cost budgets, verification options).

Fields are ``(name, label, kind, placeholder)`` with kind "int" or "float"; an empty field
means "not set" and is left out of the result. Problems are shown inline, naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

Field = tuple[str, str, str, str | None]


def parse_numbers(values: dict[str, str], fields: Sequence[Field]) -> tuple[dict, dict[str, str]]:
    """Text field values -> (numbers, {field: problem}). Empty means not set."""
    numbers, problems = {}, {}
    for name, label, kind, *_ in fields:
        text = values.get(name, "").strip()
        if not text:
            continue
        try:
            value = int(text) if kind == "int" else float(text)
        except ValueError:
            problems[name] = (
                f"{label} must be {'a whole number' if kind == 'int' else 'a number'}, got {text!r}"
            )
            continue
        if not value > 0 or value == float("inf"):
            problems[name] = f"{label} must be a positive number, got {text}"
            continue
        numbers[name] = value
    return numbers, problems


class NumberDialog(ModalScreen[dict | None]):
    """Returns the parsed numbers on enter, or None when dismissed with escape."""

    # priority: one escape closes the dialog even while its field has focus (docs/tui.md)
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", priority=True)]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        values: dict | None = None,
        check: Callable[[dict], dict[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = tuple(fields)
        self.values = dict(values or {})
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="number-box"):
            yield Label(self.title_text)
            for name, label, _, placeholder in self.fields:
                yield Label(label, classes="field-label")
                value = self.values.get(name)
                yield Input(
                    "" if value is None else f"{value:g}",
                    placeholder=placeholder or "",
                    id=f"nd-{name}",
                    classes="nd-field",
                )
            yield Label("enter applies · escape cancels", classes="hint")
            yield Label("", id="nd-error", classes="inline-error", markup=False)

    @on(Input.Submitted, ".nd-field")
    def _submitted(self) -> None:
        texts = {name: self.query_one(f"#nd-{name}", Input).value for name, *_ in self.fields}
        numbers, problems = parse_numbers(texts, self.fields)
        if not problems and self.check is not None:
            problems = self.check(numbers)
        for name, *_ in self.fields:
            self.query_one(f"#nd-{name}", Input).set_class(name in problems, "-invalid")
        if problems:
            self.query_one("#nd-error", Label).update("\n".join(problems.values()))
            return
        self.dismiss(numbers)
