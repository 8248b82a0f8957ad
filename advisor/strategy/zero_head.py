"""How far a new (zero) head gets in the steps a fine-tune plans, on the frozen features
(classification, regression and multilabel, each with the engine's loss and metric).

Full fine-tuning from a new head trains the head and the backbone together from the first
step. In a short run the head itself is the bottleneck: two epochs of 441 labels are 28
AdamW steps at the head's learning rate, far from the linear probe's optimum (Kumar et al.
2022 on why the untrained head also distorts the features). The estimate of that strategy
therefore starts from a measurement, not a rule: the head that ``advisor.finetune`` would
build (zero weights, its learning rate, batch size, weight decay, label smoothing, warm-up
and cosine schedule through ``optimization.lr_factor``, gradient clipping) is trained for
the planned number of steps on the cached features of the probe subsample and scored on
held-out rows. Milliseconds per repeat: the head is one linear layer.
"""

from __future__ import annotations

import math

import numpy as np

from advisor.errors import AdvisorError
from advisor.strategy.learning_curve import Prediction

MAX_STEPS = 5000  # beyond this a linear head has converged; the run is capped, and says so
TEST_FRACTION = 0.3


def zero_head_score(
    features,
    labels,
    *,
    n_train: int,
    epochs: int,
    modality: str,
    task: str = "classification",
    targets=None,
    repeats: int = 3,
    seed: int = 0,
) -> tuple[Prediction, int]:
    """(held-out score of the zero-initialised head after ``epochs`` over ``n_train``
    labels, in the task's metric (accuracy; R² on the engine's standardised targets; mean
    AP), mean with the min–max over ``repeats`` stratified splits; the steps trained).
    ``labels``: class labels, or the strata of regression / multilabel rows with
    ``targets``.

    The probe subsample's training part stands in for the user's ``n_train`` labels: when
    it holds fewer rows, the planned number of steps runs over its rows (more passes over
    fewer examples).
    """
    import torch

    from advisor.finetuning.config import resolve_recipe
    from advisor.finetuning.optimization import lr_factor
    from advisor.strategy.learning_curve import _stratified_split

    x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
    y = np.asarray(labels)
    if len(x) != len(y) or (targets is not None and len(targets) != len(y)):
        raise AdvisorError("features, labels and targets must have one row each; pass aligned rows")
    if task != "classification" and targets is None:
        raise AdvisorError(f"task {task!r} needs targets; pass the rows' target array")
    recipe = resolve_recipe(modality, {"epochs": int(epochs), "head_init": "zero"}, task)
    batch = int(recipe.batch_size)
    steps_per_epoch = max(math.ceil(int(n_train) / batch), 1)
    steps = min(steps_per_epoch * int(epochs), MAX_STEPS)
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(repeats):
        train, test = _stratified_split(y, int(round(len(y) * (1 - TEST_FRACTION))), rng)
        goal, loss_of, score_of = _task_parts(task, y, targets, train, recipe)
        head = torch.nn.Linear(x.shape[1], goal.shape[1] if goal.dim() > 1 else int(y.max()) + 1)
        torch.nn.init.zeros_(head.weight)
        torch.nn.init.zeros_(head.bias)
        optimizer = torch.optim.AdamW(
            head.parameters(), lr=recipe.lr, betas=(0.9, 0.999), weight_decay=recipe.weight_decay
        )
        order = np.concatenate(
            [rng.permutation(train) for _ in range(math.ceil(steps * batch / len(train)) + 1)]
        )
        for step in range(steps):
            rows = torch.from_numpy(order[step * batch : (step + 1) * batch])
            factor = lr_factor(step, steps_per_epoch=steps_per_epoch, recipe=recipe)
            for group in optimizer.param_groups:
                group["lr"] = recipe.lr * factor
            loss = loss_of(head(x[rows]), goal[rows])
            optimizer.zero_grad()
            loss.backward()
            if recipe.grad_clip:
                torch.nn.utils.clip_grad_norm_(head.parameters(), recipe.grad_clip)
            optimizer.step()
        with torch.no_grad():
            outputs = head(x[torch.from_numpy(test)]).double().numpy()
        scores.append(float(score_of(outputs, test)))
    mean = float(np.mean(scores))
    return Prediction(int(n_train), mean, float(min(scores)), float(max(scores))), steps


def _task_parts(task, y, targets, train, recipe):
    """(training targets as the engine feeds them, loss, held-out score of the outputs)."""
    import torch
    import torch.nn.functional as F

    from advisor.finetuning.tasks import multilabel_metrics, regression_metrics

    if task == "classification":
        goal = torch.from_numpy(y.astype(np.int64))

        def loss_of(out, want):
            return F.cross_entropy(out, want, label_smoothing=recipe.label_smoothing)

        return goal, loss_of, lambda out, test: np.mean(out.argmax(1) == y[test])
    values = np.asarray(targets, dtype=np.float64).reshape(len(y), -1)
    if task == "regression":  # standardised with the training rows, as the engine does
        mean, std = values[train].mean(0), values[train].std(0)
        std = np.where(std > 0, std, 1.0)
        goal = torch.from_numpy(((values - mean) / std).astype(np.float32))
        loss = F.huber_loss if recipe.loss == "huber" else F.mse_loss
        return (
            goal,
            loss,
            lambda out, test: regression_metrics(out * std + mean, values[test])["r2"],
        )
    goal = torch.from_numpy(values.astype(np.float32))
    return (
        goal,
        F.binary_cross_entropy_with_logits,
        lambda out, test: multilabel_metrics(1 / (1 + np.exp(-out)), values[test], 0.5)["map"],
    )


__all__ = ["MAX_STEPS", "zero_head_score"]
