"""Verification in the ranking screen: its options, its progress line and its report.

``advisor.verify`` fine-tunes the top candidates with one fixed protocol and scores how well
the advisor, the prior alone and each probe predicted the real accuracy; this module turns
its progress events and its report into text for the screen.
"""

from __future__ import annotations

import math

from rich.markup import escape
from rich.table import Table

VERIFY_FIELDS = (
    ("top", "candidates to fine-tune (the top K of the ranking)", "int", None),
    ("epochs", "epochs per candidate", "int", None),
    ("budget", "examples per fine-tune (stratified subsample)", "int", None),
)
VERIFY_DEFAULTS = {"top": 3, "epochs": 3, "budget": 1000}
MEASURE_TITLES = (("weighted_tau", "τw"), ("kendall_tau", "Kendall τ"), ("pearson", "Pearson"),
                  ("rel_at_1", "Rel@1"), ("regret_points", "regret (pts)"))


def check_verify_options(options: dict) -> dict[str, str]:
    if options.get("top", VERIFY_DEFAULTS["top"]) < 2:
        return {"top": "top K must be at least 2: correlations need two fine-tuned candidates"}
    return {}


def progress_text(event: dict, current: str | None) -> str | None:
    """One status line for a verify/fine-tune progress event (None: nothing to show)."""
    kind = event.get("kind")
    if kind == "finetune_start":
        return (f"verifying: fine-tuning [b]{escape(str(event.get('candidate')))}[/] "
                f"({int(event.get('done', 0)) + 1}/{event.get('total')}) · escape cancels")
    if kind == "step" and current and event.get("steps"):
        loss = (event.get("metrics") or {}).get("loss")
        tail = f" · loss {loss:.3f}" if isinstance(loss, float) else ""
        return (f"verifying: [b]{escape(current)}[/] · epoch {event.get('epoch')} · "
                f"step {event.get('step')}/{event.get('steps')}{tail} · escape cancels")
    return None


def _num(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def report_table(report) -> Table:
    """How well each method's scores predicted the fine-tuned accuracy (advisor first)."""
    table = Table(title="predicted vs fine-tuned accuracy", title_justify="left", expand=False,
                  box=None, padding=(0, 1))
    table.add_column("method")
    for _, title in MEASURE_TITLES:
        table.add_column(title, justify="right")
    table.add_column("picks")
    for method, measures in report.measures.items():
        style = "bold" if method == "advisor" else None
        table.add_row(method, *(_num(measures.get(key), 2 if key == "regret_points" else 3)
                                for key, _ in MEASURE_TITLES),
                      str(measures.get("chosen") or "—"), style=style)
    return table


def report_caption(report) -> str:
    best = max(report.candidates, key=lambda r: r["test_accuracy"])
    cached = sum(1 for r in report.candidates if r.get("cached"))
    lines = [f"[b]verified[/] {len(report.candidates)} candidates · best fine-tuned "
             f"{escape(str(best['candidate']))} ({100 * best['test_accuracy']:.1f} %) · "
             f"fine-tuning {report.finetune_seconds:.0f} s"
             + (f" ({cached} from cache)" if cached else "")]
    for candidate, problem in report.failures.items():
        lines.append(f"[red]failed[/] {escape(candidate)}: {escape(problem)}")
    lines.append(f"[dim]{escape(report.protocol)}[/]")
    if report.json_path:
        lines.append(f"[dim]report {escape(str(report.json_path))}"
                     + (f" · plot {escape(str(report.plot_path))}" if report.plot_path else "") + "[/]")
    return "\n".join(lines)


def accuracies(report) -> dict[str, float]:
    return {str(r["candidate"]): float(r["test_accuracy"]) for r in report.candidates}
