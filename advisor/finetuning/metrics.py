"""Classification metrics and the per-epoch metrics files (metrics.jsonl + metrics.csv)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from advisor.finetuning import atomic
from advisor.jsonable import dumps

HISTORY_COLUMNS = (
    "epoch",
    "phase",
    "train_loss",
    "val_loss",
    "val_accuracy",
    "val_macro_f1",
    "lr",
    "train_examples_per_s",
    "train_seconds",
    "steps",
)


# The validation metric columns of the other tasks (advisor.finetuning.tasks), in the place
# of val_accuracy / val_macro_f1.
TASK_COLUMNS = {
    "regression": ("val_r2", "val_mae", "val_spearman"),
    "multilabel": ("val_map", "val_micro_f1", "val_subset_accuracy", "val_threshold"),
}


def history_columns(history: list[dict]) -> tuple[str, ...]:
    """HISTORY_COLUMNS with the task's own metric columns when the rows hold them."""
    for columns in TASK_COLUMNS.values():
        if history and columns[0] in history[0]:
            at = HISTORY_COLUMNS.index("val_accuracy")
            return (*HISTORY_COLUMNS[:at], *columns, *HISTORY_COLUMNS[at + 2 :])
    return HISTORY_COLUMNS


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """Rows: true class; columns: predicted class."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(
        matrix, (np.asarray(labels, dtype=np.int64), np.asarray(predictions, dtype=np.int64)), 1
    )
    return matrix


def summarize(labels, predictions, num_classes: int) -> dict:
    """Accuracy, macro-F1 (classes absent from both truth and prediction are skipped),
    per-class accuracy (recall) and the confusion matrix."""
    matrix = confusion_matrix(labels, predictions, num_classes)
    total = matrix.sum()
    true_pos = np.diag(matrix).astype(float)
    support = matrix.sum(axis=1).astype(float)
    predicted = matrix.sum(axis=0).astype(float)
    present = (support + predicted) > 0
    denom = support + predicted
    f1 = np.divide(2 * true_pos, denom, out=np.zeros_like(true_pos), where=denom > 0)
    recall = np.divide(true_pos, support, out=np.full_like(true_pos, np.nan), where=support > 0)
    return {
        "accuracy": float(true_pos.sum() / total) if total else float("nan"),
        "macro_f1": float(f1[present].mean()) if present.any() else float("nan"),
        "per_class_accuracy": recall,
        "confusion": matrix,
    }


def write_history(run_dir: Path, history: list[dict]) -> None:
    """Rewrite both metrics files from the full history (the checkpoint's copy is the source
    of truth, so a resumed run never shows a lost epoch twice)."""
    run_dir = Path(run_dir)
    lines = "".join(dumps(row, indent=None) + "\n" for row in history)  # strict JSON lines
    atomic.write_text(run_dir / "metrics.jsonl", lines)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=history_columns(history), extrasaction="ignore")
    writer.writeheader()
    for row in history:
        writer.writerow(row)
    atomic.write_text(run_dir / "metrics.csv", buffer.getvalue())
