"""How far a new (zero) head gets in the steps a fine-tune plans, on the frozen features.

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


def zero_head_accuracy(
    features,
    labels,
    *,
    n_train: int,
    epochs: int,
    modality: str,
    repeats: int = 3,
    seed: int = 0,
) -> tuple[Prediction, int]:
    """(accuracy of the zero-initialised head after ``epochs`` over ``n_train`` labels,
    mean with the min–max over ``repeats`` stratified splits; the steps trained).

    The probe subsample's training part stands in for the user's ``n_train`` labels: when
    it holds fewer rows, the planned number of steps runs over its rows (more passes over
    fewer examples).
    """
    import torch
    import torch.nn.functional as F

    from advisor.finetuning.config import resolve_recipe
    from advisor.finetuning.optimization import lr_factor
    from advisor.strategy.learning_curve import _stratified_split

    x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
    y = np.asarray(labels)
    if len(x) != len(y):
        raise AdvisorError("features and labels must have one row each; pass aligned rows")
    recipe = resolve_recipe(modality, {"epochs": int(epochs), "head_init": "zero"})
    batch = int(recipe.batch_size)
    steps_per_epoch = max(math.ceil(int(n_train) / batch), 1)
    steps = min(steps_per_epoch * int(epochs), MAX_STEPS)
    num_classes = int(y.max()) + 1
    rng = np.random.default_rng(seed)
    targets = torch.from_numpy(y.astype(np.int64))
    scores = []
    for _ in range(repeats):
        train, test = _stratified_split(y, int(round(len(y) * (1 - TEST_FRACTION))), rng)
        head = torch.nn.Linear(x.shape[1], num_classes)
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
            loss = F.cross_entropy(
                head(x[rows]), targets[rows], label_smoothing=recipe.label_smoothing
            )
            optimizer.zero_grad()
            loss.backward()
            if recipe.grad_clip:
                torch.nn.utils.clip_grad_norm_(head.parameters(), recipe.grad_clip)
            optimizer.step()
        with torch.no_grad():
            predicted = head(x[torch.from_numpy(test)]).argmax(1).numpy()
        scores.append(float(np.mean(predicted == y[test])))
    mean = float(np.mean(scores))
    return Prediction(int(n_train), mean, float(min(scores)), float(max(scores))), steps


__all__ = ["MAX_STEPS", "zero_head_accuracy"]
