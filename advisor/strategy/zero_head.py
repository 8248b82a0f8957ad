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
        task_head, goal, loss_of, score_of = _task_parts(task, y, targets, train, recipe)
        head = torch.nn.Linear(x.shape[1], task_head.outputs)
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
    """(every row's training target as the engine encodes it, the loss, the held-out score
    of the outputs), all from the engine's TaskHead of the training rows."""
    import torch

    from advisor.finetuning.tasks import TEST_SCORE, TaskHead, targets_head

    if task == "classification":
        head = TaskHead("classification", int(y.max()) + 1)
        goal = torch.from_numpy(y.astype(np.int64))
    else:
        values = np.asarray(targets, dtype=np.float64).reshape(len(y), -1)
        head = targets_head(task, values[train])
        goal = torch.from_numpy(head.encode_targets(values))

    def loss_of(out, want):
        return head.loss(out, want, label_smoothing=recipe.label_smoothing, loss=recipe.loss)

    def score_of(out, test):
        return head.evaluate(out, goal[test].numpy())[TEST_SCORE[task]]

    return head, goal, loss_of, score_of


__all__ = ["MAX_STEPS", "zero_head_score"]
