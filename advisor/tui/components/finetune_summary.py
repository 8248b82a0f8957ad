"""The fine-tune step's text: early-stopping status while it trains, the final summary and
the headline test figure of the notification once it is done."""

from __future__ import annotations

import math

from rich.markup import escape


def headline_score(result) -> str:
    """The task's headline test figure: accuracy, R² or mean AP."""
    name = {"regression": "R²", "multilabel": "mAP"}.get(getattr(result, "task", ""), "accuracy")
    score = getattr(result, "test_score", result.test_accuracy)
    return f"{name} {score:.3f}"


def early_stop_status(history: list[dict], patience: int, metric: str = "val_accuracy") -> str:
    """ "best epoch 3 (val_accuracy 0.91) · no gain for 1/3 epochs" from the epoch history."""
    scored = [(row.get("epoch"), row[metric]) for row in history if row.get(metric) is not None]
    if not scored:
        return "early stopping: waiting for the first validation"
    higher = metric != "val_loss"
    best_epoch, best = scored[0]
    stale = 0
    for epoch, value in scored[1:]:
        if (value > best) if higher else (value < best):
            best_epoch, best, stale = epoch, value, 0
        else:
            stale += 1
    text = f"best epoch {best_epoch} ({metric} {best:.4f}) · no gain for {stale}/{patience} epochs"
    if stale >= patience:
        text += " · early stop"
    return text


def _num(value, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def summary_markup(result) -> str:
    """Final report: test accuracy, per-class accuracy, where the model was saved."""
    run_dir = escape(str(result.run_dir))
    if getattr(result, "cancelled", False):
        return "\n".join(
            [
                "[yellow b]Cancelled[/]: training stopped and a resumable checkpoint was kept; "
                "press r to resume.",
                f"best epoch so far {result.best_epoch} (val {_num(result.best_val_metric)})",
                f"[b]run folder[/] {run_dir}",
            ]
        )
    lines = [
        f"[b]test accuracy {_num(result.test_accuracy)}[/] · macro F1 {_num(result.test_macro_f1)}"
        f" · best epoch {result.best_epoch} (val {_num(result.best_val_metric)})"
    ]
    if getattr(result, "task", "classification") != "classification":  # the task's figures
        shown = " · ".join(
            f"{k.removeprefix('test_')} {_num(v)}" for k, v in result.test_metrics.items()
        )
        lines[0] = (
            f"[b]test {shown}[/] · best epoch {result.best_epoch} "
            f"(val {_num(result.best_val_metric)})"
        )
    if getattr(result, "stopped_early", False):
        lines[0] += " · stopped early"
    if getattr(result, "frozen_backbone", False):
        lines.append("backbone frozen (head trained on fixed features)")
    per_class = result.per_class_accuracy or {}
    if per_class:
        cells = [f"{escape(str(name))} {_num(value, 2)}" for name, value in per_class.items()]
        lines.append("[b]per-class accuracy[/]  " + " · ".join(cells))
    lines.append(f"[b]model saved to[/] {escape(str(result.export_dir))}")
    lines.append(f"[dim]run folder (config, checkpoints, metrics, report) {run_dir}[/]")
    return "\n".join(lines)
