"""Verification in the ranking screen: its options, its progress line and its report.

``advisor.verify`` fine-tunes the top candidates with one fixed protocol and scores how well
the advisor, the prior alone and each probe predicted the real accuracy; this module turns
its progress events and its report into text for the screen.
"""

from __future__ import annotations

import math

from rich.markup import escape

from advisor.ranking.display import short_names
from advisor.tui.components.fit_table import FitColumn, FitTable

VERIFY_FIELDS = (
    ("top", "candidates to fine-tune (the top K of the ranking)", "int", None),
    ("epochs", "epochs per candidate", "int", None),
    ("budget", "examples per fine-tune (stratified subsample)", "int", None),
)
VERIFY_DEFAULTS = {"top": 3, "epochs": 3, "budget": 1000}
MEASURE_TITLES = (
    ("weighted_tau", "τw"),
    ("kendall_tau", "Kendall τ"),
    ("pearson", "Pearson"),
    ("rel_at_1", "Rel@1"),
    ("regret_points", "regret (pts)"),
)


def check_verify_options(options: dict) -> dict[str, str]:
    if options.get("top", VERIFY_DEFAULTS["top"]) < 2:
        return {"top": "top K must be at least 2: correlations need two fine-tuned candidates"}
    return {}


def progress_text(
    event, current: str | None, options: dict | None = None, n_examples: int | None = None
) -> str | None:
    """One status line for a typed verify/fine-tune progress event (None: nothing to show).

    ``options`` (top, epochs, budget) and ``n_examples`` (the data's size) say how much work
    each fine-tune is: "epoch 2/3 · 1000 examples"."""
    from advisor import events as ev

    options = {**VERIFY_DEFAULTS, **(options or {})}
    budget = options.get("budget")
    examples = min(budget, n_examples) if budget and n_examples else (budget or n_examples)
    size = f" · {examples:,} examples" if examples else ""
    if isinstance(event, ev.VerifyStarted):
        return (
            f"verifying: fine-tuning [b]{escape(event.candidate)}[/] "
            f"({event.position + 1}/{event.candidates}){size} · escape cancels"
        )
    if isinstance(event, ev.TrainingStep) and current and event.steps:
        tail = f" · loss {event.loss:.3f}" if math.isfinite(event.loss) else ""
        return (
            f"verifying: [b]{escape(current)}[/] · epoch {event.epoch}/{event.epochs} · "
            f"step {event.step}/{event.steps}{size}{tail} · escape cancels"
        )
    return None


def _num(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


# Columns kept first in a narrow pane: method, weighted tau, the pick, its regret, ...
MEASURE_PRIORITY = {
    "weighted_tau": 1,
    "regret_points": 3,
    "rel_at_1": 4,
    "kendall_tau": 5,
    "pearson": 6,
}


def report_table(report) -> FitTable:
    """How well each method's scores predicted the fine-tuned accuracy (advisor first); the
    columns that fit the pane, and each method's pick by its short name."""
    names = short_names(str(r["candidate"]) for r in report.candidates)
    columns = (
        [FitColumn("method", 0)]
        + [FitColumn(title, MEASURE_PRIORITY.get(key, 9), "right") for key, title in MEASURE_TITLES]
        + [FitColumn("picks", 2)]
    )
    table = FitTable("predicted vs fine-tuned accuracy", columns)
    for method, measures in report.measures.items():
        chosen = str(measures.get("chosen") or "")  # "a | b" when the method ties them
        picks = " | ".join(names.get(c, c) for c in chosen.split(" | ")) if chosen else "—"
        table.rows.append(
            [
                method,
                *(
                    _num(measures.get(key), 2 if key == "regret_points" else 3)
                    for key, _ in MEASURE_TITLES
                ),
                picks,
            ]
        )
        table.styles.append("bold" if method == "advisor" else None)
    return table


def report_caption(report) -> str:
    best = max(report.candidates, key=_score)
    cached = sum(1 for r in report.candidates if r.get("cached"))
    name = {"r2": "R² ", "map": "mAP "}.get(best.get("score_name"), "")  # the task's own figure
    lines = [
        f"[b]verified[/] {len(report.candidates)} candidates · best fine-tuned "
        f"{escape(str(best['candidate']))} ({name}{100 * _score(best):.1f} %) · "
        f"fine-tuning {report.finetune_seconds:.0f} s"
        + (f" ({cached} from cache)" if cached else "")
    ]
    for candidate, problem in report.failures.items():
        lines.append(f"[red]failed[/] {escape(candidate)}: {escape(problem)}")
    lines.append(f"[dim]{escape(report.protocol)}[/]")
    if report.json_path:
        lines.append(
            f"[dim]report {escape(str(report.json_path))}"
            + (f" · plot {escape(str(report.plot_path))}" if report.plot_path else "")
            + "[/]"
        )
    return "\n".join(lines)


def accuracies(report) -> dict[str, float]:
    """Fine-tuned test score per candidate (accuracy; R² or mean AP for the other tasks)."""
    return {str(r["candidate"]): _score(r) for r in report.candidates}


def _score(row: dict) -> float:
    return float(row.get("test_score", row["test_accuracy"]))
