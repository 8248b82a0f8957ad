"""Step 1: choose a built-in dataset or type a path; see what was loaded."""

from __future__ import annotations

import os
from pathlib import Path

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from advisor.errors import user_message
from advisor.tui.components.class_balance import ClassBalance
from advisor.tui.components.form_input import FormInput
from advisor.tui.components.path_input import (
    DataPathValidator,
    PathInput,
    PathSuggester,
    check_data_path,
)
from advisor.tui.components.step_bar import StepBar
from advisor.tui.jobs import WorkScreen
from advisor.tui.messages import DataLoaded, WorkFailed

MIN_BUDGET = 20
_TASK_HINTS = {"auto": " (read from the labels)"}


def builtin_datasets() -> dict[str, str]:
    """Built-in dataset name -> short facts ("image · 1,797 examples · 10 classes")."""
    from advisor.data import BUILTIN_DATASETS

    if isinstance(BUILTIN_DATASETS, dict):
        return {name: _describe(value) for name, value in BUILTIN_DATASETS.items()}
    return {str(name): "" for name in BUILTIN_DATASETS}


def builtin_installed(name: str) -> bool:
    """False when the built-in dataset's files are missing (loading it would explain how)."""
    from advisor.data import BUILTIN_DATASETS

    dataset = BUILTIN_DATASETS.get(name) if isinstance(BUILTIN_DATASETS, dict) else None
    available = getattr(dataset, "available", None)
    try:
        return bool(available()) if callable(available) else True
    except Exception:
        return False


def _describe(value) -> str:
    if isinstance(value, str):
        return value
    facts = [getattr(value, "modality", None)]
    size, classes = getattr(value, "size", None), getattr(value, "num_classes", None)
    facts.append(f"{size:,} ex." if size else None)
    facts.append(f"{classes} classes" if classes else None)
    return " · ".join(f for f in facts if f)


def sample_lines(data, limit: int = 5) -> list[str]:
    """A few examples to show: texts, image file names, or array shapes."""
    labels = data.labels
    names = data.class_names
    lines = []
    for i in range(min(limit, len(data))):
        label = data.label_text(i) if hasattr(data, "label_text") else names[int(labels[i])]
        if data.texts is not None:
            text = " ".join(str(data.texts[i]).split())
            lines.append(f"[{label}] {text[:70]}{'…' if len(text) > 70 else ''}")
        elif data.image_paths is not None:
            lines.append(f"[{label}] {Path(data.image_paths[i]).name}")
        elif data.image_arrays is not None:
            shape = "×".join(str(s) for s in data.image_arrays[i].shape)
            lines.append(f"[{label}] image #{i} ({shape} pixels)")
        elif data.features is not None:
            lines.append(f"[{label}] feature vector #{i} ({data.features.shape[1]} values)")
    return lines


def skipped_lines(data) -> list[str]:
    """What loading left out (unreadable files, dropped rows), in advisor.data's words."""
    from advisor.data import describe_skipped

    return describe_skipped(data)


def balance_ratio(counts: dict[str, int]) -> float:
    """Smallest over largest class count (1.0 = perfectly balanced)."""
    values = [n for n in counts.values() if n > 0]
    return min(values) / max(values) if values else 0.0


class _ChooseColumn(VerticalScroll, can_focus=False):
    """The left column: scrolls on a small terminal, but is no stop of the tab order."""


class DataScreen(WorkScreen):
    """Pick data; the summary panel shows examples, classes and class balance."""

    BINDINGS = [
        Binding("n", "app.goto('candidates')", "Next: candidates"),
        Binding("l", "load_highlighted", "Load dataset", show=False),
        Binding("slash", "focus_path", "Type a path"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._builtins: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        from advisor.data.tasks import TASK_CHOICES

        yield StepBar("data")
        with Horizontal(id="data-body"):
            with _ChooseColumn(id="data-choose"):
                yield Label("Built-in datasets", classes="section-title")
                yield OptionList(id="builtin-list")
                yield Label("…or a path (folder, .csv, .jsonl, .npz)", classes="section-title")
                yield PathInput(
                    placeholder="~/data/my-images/  (tab completes)",
                    suggester=PathSuggester(),
                    validate_on=["changed", "submitted"],
                    id="path-input",
                )
                yield Label("", id="path-error", classes="inline-error", markup=False)
                yield Label("Probe budget (examples per candidate)", classes="section-title")
                # text, not integer: "auto" ranks in rounds until the order is clear
                yield FormInput(str(self.app.session.budget), type="text", id="budget-input")
                yield Label("", id="budget-error", classes="inline-error", markup=False)
                yield Select(  # one line, so the column still fits an 80x24 terminal
                    [(f"task: {name}" + _TASK_HINTS.get(name, ""), name) for name in TASK_CHOICES],
                    value=self.app.session.task,
                    allow_blank=False,
                    compact=True,
                    id="task-select",
                )
            with Vertical(id="data-summary"):
                yield Static(
                    "No data yet: pick a built-in dataset (enter) or type a path (/).",
                    id="summary-text",
                )
                yield ClassBalance(id="class-balance")
                yield Label("Examples", classes="section-title")
                yield VerticalScroll(Static("", id="samples"), id="samples-box")
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one("#builtin-list", OptionList)
        try:
            self._builtins = builtin_datasets()
        except Exception as exc:  # advisor.data missing or broken: typed paths still work
            self.notify(
                f"built-in datasets unavailable: {user_message(exc)}",
                severity="warning",
                markup=False,
            )
        for name, description in self._builtins.items():
            text = f"[b]{name}[/]  [dim]{escape(description)}[/]" if description else name
            if not builtin_installed(name):
                text += "  [yellow](not installed)[/]"
            options.add_option(Option(text, id=name))
        if options.option_count:
            options.highlighted = 0
        path_input = self.query_one("#path-input", PathInput)
        path_input.validators = [DataPathValidator(tuple(self._builtins))]
        options.focus()
        session = self.app.session
        if session.data is not None:
            self.show_summary(session.data)
        elif self.app.initial_spec:
            self.load(self.app.initial_spec)

    # ---- choosing -------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#builtin-list")
    def _builtin_chosen(self, event: OptionList.OptionSelected) -> None:
        self.load(event.option.id)

    def action_load_highlighted(self) -> None:
        options = self.query_one("#builtin-list", OptionList)
        if options.highlighted is not None:
            self.load(options.get_option_at_index(options.highlighted).id)

    def action_focus_path(self) -> None:
        self.query_one("#path-input", PathInput).focus()

    @on(Input.Changed, "#path-input")
    def _path_changed(self, event: Input.Changed) -> None:
        error = self.query_one("#path-error", Label)
        # Only complain about a path once the user has typed something.
        if event.value and event.validation_result and not event.validation_result.is_valid:
            error.update(event.validation_result.failure_descriptions[0])
        else:
            error.update("")

    @on(Input.Submitted, "#path-input")
    def _path_submitted(self, event: Input.Submitted) -> None:
        problem = check_data_path(event.value, tuple(self._builtins))
        if problem:
            self.query_one("#path-error", Label).update(problem)
            self.notify(problem, title="Cannot load", severity="error", markup=False)
            return
        value = event.value.strip()
        self.load(value if value in self._builtins else os.path.expanduser(value))
        self.set_focus(None)  # the screen's keys (n, /, 1-5) work again

    @on(Input.Changed, "#budget-input")
    def _budget_changed(self, event: Input.Changed) -> None:
        from advisor.validation import is_auto_budget

        error = self.query_one("#budget-error", Label)
        value = event.value.strip()
        if is_auto_budget(value):
            budget = value.lower()  # anytime ranking: its own rounds, never below MIN_BUDGET
        elif value.isdigit():
            budget = int(value)
        else:
            error.update("the budget is a whole number of examples, e.g. 500, or auto")
            return
        if isinstance(budget, int) and budget < MIN_BUDGET:
            error.update(f"a budget below {MIN_BUDGET} examples gives meaningless scores")
            return
        error.update("")
        self.app.session.budget = budget
        if self.app.session.data is not None:
            self.show_summary(self.app.session.data)

    @on(Select.Changed, "#task-select")
    def _task_changed(self, event: Select.Changed) -> None:
        session = self.app.session
        if event.value == session.task:
            return
        session.task = str(event.value)
        if session.data_spec is not None:  # read the same data again as the new task
            self.load(session.data_spec)

    # ---- loading (thread worker; never touches widgets) -----------------------------------

    def load(self, spec: str) -> None:
        self.query_one("#summary-text", Static).update(f"Loading {spec} …")
        self.query_one("#path-error", Label).update("")
        self._load_in_background(spec)

    @work(thread=True, exclusive=True, group="load-data", name="load data", exit_on_error=False)
    def _load_in_background(self, spec: str) -> None:
        from advisor.data import load_data

        # An error reaches WorkScreen.on_worker_state_changed, then on_work_failed below.
        task = self.app.session.task
        options = {} if task == "auto" else {"task": task}  # auto: load_data's own default
        self.post_message(DataLoaded(load_data(spec, **options), spec))

    def on_data_loaded(self, message: DataLoaded) -> None:
        data = message.data
        if data.num_classes < 2:
            problem = (
                f"{message.spec} has a single class ({', '.join(data.class_names)}); "
                "ranking needs labelled data with at least two classes"
            )
            self.query_one("#summary-text", Static).update(
                f"[b red]Cannot use this data:[/] {escape(problem)}"
            )
            self.notify(problem, title="One class", severity="error", markup=False)
            return
        self.app.set_data(data, message.spec)
        self.show_summary(data)
        self.notify(
            f"{data.name}: {len(data)} examples, {data.num_classes} classes"
            " — press n for candidates",
            title="Data loaded",
            markup=False,
        )

    def on_work_failed(self, message: WorkFailed) -> None:
        kept = self.app.session.data
        still = f"\n[dim](still using {escape(kept.name)})[/]" if kept is not None else ""
        self.query_one("#summary-text", Static).update(
            f"[b red]Cannot {message.task}:[/] {escape(message.reason)}{still}"
        )
        self.query_one("#path-error", Label).update(message.reason)
        self.notify(message.reason, title=f"Cannot {message.task}", severity="error", markup=False)

    # ---- summary panel --------------------------------------------------------------------

    def show_summary(self, data) -> None:
        counts = data.class_counts()
        lines = [
            f"[b]{escape(data.name)}[/]  ({data.modality})   source: {escape(str(data.source))}",
            f"examples: [b]{len(data)}[/]   classes: [b]{data.num_classes}[/]   "
            f"balance (smallest/largest): [b]{balance_ratio(counts):.2f}[/]",
            f"probe budget: {_budget_words(self.app.session.budget)}",
        ]
        task = getattr(data, "task", "classification")
        if task != "classification" or getattr(data, "text_pairs", None) is not None:
            pairs = " (text pairs)" if getattr(data, "text_pairs", None) is not None else ""
            lines.insert(1, f"task: [b]{task}[/]{pairs}")
        if getattr(data, "task_reason", "") and self.app.session.task == "auto":
            lines.append(f"[dim]{escape(data.task_reason)}[/]")
        lines += [f"[yellow]{escape(line)}[/]" for line in skipped_lines(data)]
        self.query_one("#summary-text", Static).update("\n".join(lines))
        self.query_one("#class-balance", ClassBalance).show_counts(counts)
        self.query_one("#samples", Static).update(_escape_lines(sample_lines(data)))


def _escape_lines(lines: list[str]) -> str:
    return "\n".join(escape(line) for line in lines)


def _budget_words(budget) -> str:
    if isinstance(budget, str):  # "auto" / "auto:N"
        return f"[b]{budget}[/] (examples in rounds until the ranking is clear)"
    return f"[b]{budget}[/] examples per candidate"
