"""What fine-tuning changes per task: outputs, loss, validation metrics and predictions.

* classification: label-smoothed cross-entropy; accuracy and macro-F1.
* regression: the head predicts the targets standardised with the training split's mean and
  standard deviation (so one learning rate suits any target scale); MSE or Huber loss
  (``Recipe.loss``); R^2, MAE (in the targets' own units) and Spearman's rho, averaged over
  the target columns.
* multilabel: one logit per label, binary cross-entropy; mean average precision, micro-F1
  and subset accuracy. The decision threshold (one for every label) is chosen on the
  validation split each epoch, maximising micro-F1, and the best epoch's threshold is the
  one the test split and the exported model use.

The loop calls ``loss`` and ``validation_metrics``; early stopping reads the task's own
metric (``DEFAULT_METRIC``) unless the recipe names another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEFAULT_METRIC = {
    "classification": "val_accuracy",
    "regression": "val_r2",
    "multilabel": "val_map",
}
METRICS = {
    "classification": ("val_accuracy", "val_macro_f1", "val_loss"),
    "regression": ("val_r2", "val_spearman", "val_mae", "val_loss"),
    "multilabel": ("val_map", "val_micro_f1", "val_subset_accuracy", "val_loss"),
}
LOWER_IS_BETTER = ("val_loss", "val_mae")
# The headline test figure of each task (verify compares candidates on it).
TEST_SCORE = {"classification": "accuracy", "regression": "r2", "multilabel": "map"}
REGRESSION_LOSSES = ("mse", "huber")
_THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)


@dataclass
class TaskHead:
    task: str = "classification"
    outputs: int = 2  # classes, target columns or labels
    names: list[str] = field(default_factory=list)  # class / target / label names
    target_mean: list[float] | None = None  # regression standardisation (training split)
    target_std: list[float] | None = None

    # ------------------------------------------------------------------ loss
    def loss(self, outputs, targets, *, label_smoothing: float = 0.0, loss: str = "mse"):
        import torch.nn.functional as F

        if self.task == "classification":
            return F.cross_entropy(outputs, targets, label_smoothing=label_smoothing)
        if self.task == "multilabel":
            return F.binary_cross_entropy_with_logits(outputs, targets)
        if loss == "huber":
            return F.huber_loss(outputs, targets)
        return F.mse_loss(outputs, targets)

    def plain_loss_sum(self, outputs, targets) -> float:
        """Validation/test loss summed over the batch (no smoothing; regression: MSE)."""
        import torch.nn.functional as F

        if self.task == "classification":
            return F.cross_entropy(outputs, targets, reduction="sum").item()
        if self.task == "multilabel":
            value = F.binary_cross_entropy_with_logits(outputs, targets, reduction="sum")
            return value.item() / max(self.outputs, 1)
        return F.mse_loss(outputs, targets, reduction="sum").item() / max(self.outputs, 1)

    # ------------------------------------------------------------------ targets
    def encode(self, data) -> np.ndarray:
        """Per-example training targets of ``data``: class indices, standardised values, or
        the multi-hot rows as float32."""
        if self.task == "classification":
            return np.asarray(data.labels, dtype=np.int64)
        return self.encode_targets(data.targets)

    def encode_targets(self, targets) -> np.ndarray:
        """Regression / multilabel target rows as the head trains on them (float32;
        regression standardised with the training split's mean and spread)."""
        targets = np.asarray(targets, dtype=np.float32)
        if self.task == "regression":
            return ((targets - np.float32(self.target_mean)) / np.float32(self.target_std)).astype(
                np.float32
            )
        return targets

    def values(self, outputs: np.ndarray) -> np.ndarray:
        """Regression outputs back in the targets' units."""
        return np.asarray(outputs, dtype=np.float64) * np.asarray(self.target_std) + np.asarray(
            self.target_mean
        )

    # ------------------------------------------------------------------ metrics
    def validation_metrics(self, outputs: np.ndarray, targets: np.ndarray, threshold=None) -> dict:
        """The history row's metrics (``val_*``) of outputs against the encoded targets."""
        return {f"val_{k}": v for k, v in self.evaluate(outputs, targets, threshold).items()}

    def evaluate(self, outputs: np.ndarray, targets: np.ndarray, threshold=None) -> dict:
        """Metrics without prefix; multilabel: a threshold of None is tuned here (returned as
        ``threshold``)."""
        if self.task == "classification":
            from advisor.finetuning.metrics import summarize

            summary = summarize(targets, outputs.argmax(1), self.outputs)
            return {"accuracy": summary["accuracy"], "macro_f1": summary["macro_f1"]}
        if self.task == "regression":
            return regression_metrics(self.values(outputs), self.values(targets))
        probs = sigmoid(outputs)
        if threshold is None:
            threshold = tune_threshold(probs, targets)
        return {**multilabel_metrics(probs, targets, threshold), "threshold": float(threshold)}

    def to_dict(self) -> dict:
        return {
            "task": self.task,
            "target_names": list(self.names) if self.task != "classification" else None,
            "target_mean": self.target_mean,
            "target_std": self.target_std,
        }


def task_head(train, *, names=None) -> TaskHead:
    """The TaskHead of a training split (regression: its mean and spread)."""
    task = getattr(train, "task", "classification")
    if task == "classification":
        return TaskHead("classification", int(train.num_classes), list(names or train.class_names))
    label_names = list(getattr(train, "target_names", None) or names or [])
    return targets_head(task, train.targets, names=label_names)


def targets_head(task: str, targets, *, names=()) -> TaskHead:
    """The regression / multilabel TaskHead of a training split's target rows."""
    targets = np.asarray(targets, dtype=np.float64).reshape(len(targets), -1)
    label_names = list(names)
    if task == "multilabel":
        return TaskHead("multilabel", int(targets.shape[1]), label_names)
    std = targets.std(axis=0)
    return TaskHead(
        "regression",
        int(targets.shape[1]),
        label_names,
        target_mean=[float(m) for m in targets.mean(axis=0)],
        target_std=[float(s) if s > 0 else 1.0 for s in std],
    )


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(x, dtype=np.float64), -60, 60)))


def regression_metrics(predicted: np.ndarray, truth: np.ndarray) -> dict:
    """R^2, MAE and Spearman's rho per target column, averaged (NaN where a column is
    constant in ``truth``)."""
    from scipy.stats import spearmanr

    p = np.asarray(predicted, dtype=np.float64).reshape(len(predicted), -1)
    y = np.asarray(truth, dtype=np.float64).reshape(len(truth), -1)
    total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    residual = ((y - p) ** 2).sum(axis=0)
    r2 = np.where(total > 0, 1.0 - residual / np.where(total > 0, total, 1.0), np.nan)
    rho = []
    for c in range(y.shape[1]):
        if np.ptp(y[:, c]) == 0 or np.ptp(p[:, c]) == 0 or len(y) < 3:
            rho.append(np.nan)
        else:
            rho.append(float(spearmanr(p[:, c], y[:, c]).statistic))
    return {
        "r2": _mean(r2),
        "mae": float(np.abs(y - p).mean()) if len(y) else float("nan"),
        "spearman": _mean(np.asarray(rho, dtype=float)),
    }


def multilabel_metrics(probs: np.ndarray, truth: np.ndarray, threshold: float) -> dict:
    """Mean AP over the labels present in ``truth``, micro-F1 and subset accuracy at
    ``threshold``."""
    from sklearn.metrics import average_precision_score

    y = np.asarray(truth) > 0.5
    predicted = probs >= threshold
    present = [j for j in range(y.shape[1]) if y[:, j].any()]
    mean_ap = (
        float(np.mean([average_precision_score(y[:, j], probs[:, j]) for j in present]))
        if present
        else float("nan")
    )
    tp = float((predicted & y).sum())
    denom = float(predicted.sum() + y.sum())
    return {
        "map": mean_ap,
        "micro_f1": 2 * tp / denom if denom else float("nan"),
        "subset_accuracy": float((predicted == y).all(axis=1).mean()) if len(y) else float("nan"),
    }


def tune_threshold(probs: np.ndarray, truth: np.ndarray) -> float:
    """The threshold (0.05 steps) with the best micro-F1; ties go to the one nearest 0.5."""
    y = np.asarray(truth) > 0.5
    best, best_f1 = 0.5, -1.0
    for t in sorted(_THRESHOLDS, key=lambda t: abs(t - 0.5)):
        predicted = probs >= t
        denom = float(predicted.sum() + y.sum())
        f1 = 2 * float((predicted & y).sum()) / denom if denom else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(t), f1
    return best


def _mean(values: np.ndarray) -> float:
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return float(finite.mean()) if finite.size else float("nan")
