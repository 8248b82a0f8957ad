"""The fine-tuning form: the recipe's main options with their defaults, validated inline."""

from __future__ import annotations

import re
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Switch

from advisor.tui.components.form_input import FormInput
from advisor.tui.number_dialog import parse_numbers

# Options that only apply to one kind of data (hidden in the form for the others).
IMAGE_ONLY = ("image_size",)

# (option, label, kind, placeholder when the model picks the default)
FIELDS = (
    ("epochs", "epochs", "int", None),
    ("lr", "learning rate", "float", "auto (per model)"),
    ("batch_size", "batch size", "int", "auto (32)"),
    ("image_size", "image size (px)", "int", "auto (model native)"),
    ("patience", "early-stop patience (epochs)", "int", None),
)


def recipe_defaults() -> dict:
    """Defaults of the library's recipe (so the form shows what will really be used)."""
    try:
        from advisor.finetuning import Recipe

        recipe = Recipe()
        return {name: getattr(recipe, name, None) for name, *_ in FIELDS} | {
            "freeze_backbone": recipe.freeze_backbone
        }
    except Exception:  # the recipe module moved: fall back to the documented defaults
        return {
            "epochs": 5,
            "lr": None,
            "batch_size": None,
            "image_size": None,
            "patience": 3,
            "freeze_backbone": False,
        }


def default_output(candidate: str, data_name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{candidate}-{data_name}").strip("-")
    return str(Path("runs") / safe)


def parse_options(values: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """Text field values -> (recipe options, {field: problem}). Empty means the default."""
    options, problems = parse_numbers(values, FIELDS)
    if options.get("image_size") is not None and options["image_size"] < 16:
        problems["image_size"] = "image size must be at least 16 pixels"
    return options, problems


class FinetuneForm(Vertical):
    """Recipe options; ``values()`` reads them, ``show_problems`` marks bad fields."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.defaults = recipe_defaults()
        self.modality: str | None = None
        self.extra: dict = {}  # recipe options of the recommended strategy (apply_strategy)

    def compose(self) -> ComposeResult:
        yield Label("", id="ft-candidate")
        strategy = Label("", id="ft-strategy", markup=False)
        strategy.display = False  # shown once a recommended strategy applies
        yield strategy
        for name, label, _, placeholder in FIELDS:
            yield Label(label, classes="field-label", id=f"ft-{name}-label")
            default = self.defaults.get(name)
            yield FormInput(
                "" if default is None else str(default),
                placeholder=placeholder or "",
                id=f"ft-{name}",
                classes="ft-field",
            )
        with Horizontal(classes="switch-row"):
            yield Switch(bool(self.defaults.get("freeze_backbone")), id="ft-freeze")
            yield Label("frozen backbone (fast)")
        with Horizontal(classes="switch-row"):
            yield Switch(False, id="ft-overwrite")
            yield Label("overwrite old run")
        yield Label("output folder", classes="field-label")
        yield FormInput("", id="ft-output")
        yield Label("", id="ft-form-error", classes="inline-error", markup=False)

    def set_candidate(self, candidate: str, data_name: str, modality: str | None = None) -> None:
        self.query_one("#ft-candidate", Label).update(f"[b]{candidate}[/] on {data_name}")
        self.query_one("#ft-output", Input).value = default_output(candidate, data_name)
        self.modality = modality
        for name in IMAGE_ONLY:  # e.g. no image size for a text model
            for widget in (self.query_one(f"#ft-{name}-label"), self.query_one(f"#ft-{name}")):
                widget.display = modality in (None, "image")

    def apply_strategy(self, advice) -> None:
        """Start from the advice's recommended strategy (advisor.strategy), or clear it."""
        label = self.query_one("#ft-strategy", Label)
        self.extra = dict(advice.recipe) if advice is not None else {}
        label.display = advice is not None
        if advice is None:
            return
        chosen = advice.estimate(advice.recommended)
        options = ", ".join(f"{k}={v!r}" for k, v in self.extra.items()) or "the default recipe"
        label.update(f"strategy: {chosen.label} ({options}), as recommended")
        self.query_one("#ft-freeze", Switch).value = False  # the strategy's options decide

    def shown_fields(self) -> list[str]:
        return [
            name
            for name, *_ in FIELDS
            if name not in IMAGE_ONLY or self.modality in (None, "image")
        ]

    def values(self) -> tuple[dict, dict[str, str]]:
        texts = {name: self.query_one(f"#ft-{name}", Input).value for name in self.shown_fields()}
        options, problems = parse_options(texts)
        options["freeze_backbone"] = self.query_one("#ft-freeze", Switch).value
        if not options["freeze_backbone"]:
            options.update(self.extra)
        output = self.query_one("#ft-output", Input).value.strip()
        if not output:
            problems["output"] = "output folder is empty; type where the run should be saved"
        options["output"] = output
        options["overwrite"] = self.query_one("#ft-overwrite", Switch).value
        return options, problems

    def show_problems(self, problems: dict[str, str]) -> None:
        for name, *_ in FIELDS:
            self.query_one(f"#ft-{name}", Input).set_class(name in problems, "-invalid")
        self.query_one("#ft-form-error", Label).update("\n".join(problems.values()))
