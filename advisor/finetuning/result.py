"""What a fine-tuning run returns (and what ``--format json`` prints)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class FinetuneResult:
    run_dir: Path
    export_dir: Path | None  # None when cancelled before the end
    test_accuracy: float  # NaN when cancelled
    test_macro_f1: float
    best_epoch: int
    best_val_metric: float
    history: list[dict]
    per_class_accuracy: dict
    confusion: list[list[int]]
    config: dict
    frozen_backbone: bool
    cancelled: bool
    stopped_early: bool = False
    epochs_run: int = 0
    seconds: float = 0.0
    task: str = "classification"
    # regression: test_r2, test_mae, test_spearman; multilabel: test_map, test_micro_f1,
    # test_subset_accuracy (classification: test_accuracy / test_macro_f1 above)
    test_metrics: dict = field(default_factory=dict)
    test_score: float | None = None  # the task's headline figure (accuracy, R^2, mean AP)

    def __post_init__(self) -> None:
        if self.test_score is None:
            self.test_score = self.test_accuracy

    def summary(self) -> dict:
        """JSON-ready headline figures (NaN becomes null)."""

        def clean(x):
            return None if isinstance(x, float) and math.isnan(x) else x

        return {
            "task": self.task,
            "test_score": clean(self.test_score),
            **{k: clean(v) for k, v in self.test_metrics.items()},
            "test_accuracy": clean(self.test_accuracy),
            "test_macro_f1": clean(self.test_macro_f1),
            "run_dir": str(self.run_dir),
            "export_dir": str(self.export_dir) if self.export_dir else None,
            "best_epoch": self.best_epoch,
            "best_val_metric": clean(self.best_val_metric),
            "metric": self.config.get("recipe", {}).get("metric"),
            "epochs_run": self.epochs_run,
            "stopped_early": self.stopped_early,
            "frozen_backbone": self.frozen_backbone,
            "cancelled": self.cancelled,
            "model": self.config.get("model"),
            "seconds": round(self.seconds, 2),
            "per_class_accuracy": {k: clean(v) for k, v in self.per_class_accuracy.items()},
            "confusion": self.confusion,
        }
