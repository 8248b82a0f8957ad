"""Linear-probe head initialisation ("LP-FT", Kumar et al. 2022).

Before any fine-tuning step, the new head is fitted to convergence on the frozen backbone's
pooled features of the training split (one forward pass, then full-batch L-BFGS multinomial
logistic regression). Fine-tuning then starts from the linear probe's solution instead of a
zero head, so the first full-network steps do not wreck pretrained features with large
gradients from an untrained head, and the run starts at least as good as the probe.
Deterministic (no sampling; the cross-validation folds come from a fixed seed), so exact
resume is unaffected.

Every head chooses its l2 by 5-fold cross-validation on the training features (a regression
head is the exact ridge solution; classification and multilabel choose on at most
``CV_ROWS`` rows, see ``cross_validated_l2``). A fixed l2 of 1e-3 was wrong for all three:

* it interpolated 440 digit-slant targets from 1,280 Lite0 features: held-out R² -0.12
  (median of 8 splits), where the cross-validated l2 (3.2 on all 8) gave 0.65, and LP-FT
  started from a head worse than predicting the mean and did not leave it in two epochs;
* on 440 digits (Lite0) it scored 90.6 % where l2 0.1 scored 93.8 % (median of 4 splits).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from advisor.finetuning.batches import eval_batches, make_loader, to_device

RIDGE_GRID = tuple(float(v) for v in 10.0 ** np.arange(3.0, -4.01, -0.5))
LBFGS_GRID = (1.0, 1e-1, 1e-2, 1e-3)  # strongest first: each fit warm-starts the next
CV_FOLDS = 5
# L-BFGS heads choose their l2 on at most this many rows (one fit per fold and grid value),
# then scale it to the full set: 5 folds x 4 values took 20 s at 440 rows (D = 1,280).
CV_ROWS = 1000


def pooled_features(
    model, dataset, collate, *, batch_size: int, device, num_workers: int = 0, cancel=None
):
    """(features [N, D] float32 on CPU, labels [N]) with eval preprocessing, no gradients."""
    model.eval()
    feats, labels = [], []
    loader = make_loader(dataset, eval_batches(len(dataset), batch_size), -1, collate, num_workers)
    with torch.inference_mode():
        for inputs, y in loader:
            if cancel is not None and cancel.is_set():
                return None, None
            feats.append(model.pooled(to_device(inputs, device)).float().cpu())
            labels.append(y)
    return torch.cat(feats), torch.cat(labels)


def fit_linear_head(
    features: torch.Tensor,
    labels: torch.Tensor,
    num_classes: int,
    *,
    l2: float | None = None,
    label_smoothing: float = 0.1,
    max_iter: int = 300,
    task: str = "classification",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Multinomial logistic regression by L-BFGS, with the fine-tuning loss (label-smoothed
    cross-entropy, which keeps logits bounded) plus l2/2 * |W|^2. Features are centred and
    divided by one global scale (not per dimension: near-constant dimensions would get huge
    weights that explode once the backbone starts to move); the scaling is folded into (W, b).
    Multilabel fits binary cross-entropy the same way, and regression the squared error on the
    (standardised) targets, in closed form. ``num_classes`` is the number of outputs and
    ``labels`` the float target rows for those tasks. ``l2`` None is the cross-validated
    choice (``cross_validated_l2``)."""
    z, mean, scale = _standardised(features)
    y = _targets(labels, task, len(z))
    if l2 is None:
        l2 = cross_validated_l2(z, y, task=task, outputs=num_classes)
    if task == "regression":
        weight, bias = _ridge_path(z, y, (l2,))[0]
    else:
        weight, bias = _lbfgs_head(
            z, y, num_classes, l2, task=task, label_smoothing=label_smoothing, max_iter=max_iter
        )
    return _unscaled(weight, bias, mean, scale)


def head_l2(features: torch.Tensor, labels: torch.Tensor, *, task: str, outputs: int) -> float:
    """The l2 that ``fit_linear_head(..., l2=None)`` uses on these rows."""
    z, _, _ = _standardised(features)
    return cross_validated_l2(z, _targets(labels, task, len(z)), task=task, outputs=outputs)


def _standardised(features):
    """(centred features over one global scale, their mean, the scale), float64."""
    with torch.no_grad():
        x = features.double()
        mean = x.mean(0)
        scale = x.std(0).mean().clamp_min(1e-6)
        return (x - mean) / scale, mean, scale


def _targets(labels, task, rows):
    return labels.long() if task == "classification" else labels.double().reshape(rows, -1)


def cross_validated_l2(
    z: torch.Tensor, y: torch.Tensor, *, task: str, outputs: int, folds: int = CV_FOLDS
) -> float:
    """The l2 of the task's grid with the least 5-fold cross-validated loss (squared error,
    cross-entropy or binary cross-entropy, unsmoothed), with folds from a fixed seed so that a
    run and its resume pick the same.

    Classification and multilabel choose on the first ``CV_ROWS`` rows of that permutation and
    scale the choice by CV_ROWS / N: with the loss a mean over rows, a fixed prior precision
    means an l2 proportional to 1 / N (on digits/Lite0 the best l2 fell from about 0.1 at 440
    rows to about 0.01 at 1,390). Multilabel: l2 1e-3 gave mean AP 26.8 on 437
    wordnet-multilabel rows (MiniLM features, median of 4 splits), the cross-validated 30.8."""
    grid = RIDGE_GRID if task == "regression" else LBFGS_GRID
    order = torch.from_numpy(np.random.default_rng(0).permutation(len(z)))
    if task != "regression" and len(z) > CV_ROWS:
        rows = order[:CV_ROWS]
        chosen = cross_validated_l2(z[rows], y[rows], task=task, outputs=outputs, folds=folds)
        return chosen * CV_ROWS / len(z)
    errors = torch.zeros(len(grid), dtype=torch.float64)
    for held in torch.tensor_split(order, min(folds, len(z))):
        keep = torch.ones(len(z), dtype=torch.bool)
        keep[held] = False
        if keep.sum() < 2 or len(held) == 0:
            continue
        if task == "regression":
            heads = _ridge_path(z[keep], y[keep], grid)
        else:
            heads, start = [], None
            for l2 in grid:  # strongest first, each warm-started from the last
                start = _lbfgs_head(z[keep], y[keep], outputs, l2, task=task, start=start)
                heads.append(start)
        for i, (weight, bias) in enumerate(heads):
            errors[i] += _held_out_loss(z[held] @ weight.T + bias, y[held], task)
    return float(grid[int(errors.argmin())])


def _held_out_loss(outputs, y, task):
    if task == "regression":
        return ((outputs - y) ** 2).sum()
    if task == "classification":
        return F.cross_entropy(outputs, y, reduction="sum")
    return F.binary_cross_entropy_with_logits(outputs, y, reduction="sum")


def _lbfgs_head(
    z, y, outputs, l2, *, task, label_smoothing=0.1, max_iter=300, start=None
) -> tuple[torch.Tensor, torch.Tensor]:
    """argmin of the task's loss + l2/2 |W|^2 by full-batch L-BFGS (from ``start`` or zero)."""
    if start is None:
        weight = torch.zeros(outputs, z.shape[1], dtype=torch.float64)
        bias = torch.zeros(outputs, dtype=torch.float64)
    else:
        weight, bias = (t.detach().clone() for t in start)
    weight.requires_grad_(True)
    bias.requires_grad_(True)
    optimizer = torch.optim.LBFGS(
        [weight, bias],
        lr=1.0,
        max_iter=max_iter,
        tolerance_grad=1e-7,
        tolerance_change=1e-10,
        history_size=20,
        line_search_fn="strong_wolfe",
    )

    def fit_loss(outputs):
        if task == "multilabel":
            return F.binary_cross_entropy_with_logits(outputs, y)
        return F.cross_entropy(outputs, y, label_smoothing=label_smoothing)

    def closure():
        optimizer.zero_grad()
        loss = fit_loss(z @ weight.T + bias) + 0.5 * l2 * (weight * weight).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    return weight.detach(), bias.detach()


def _ridge_path(z: torch.Tensor, y: torch.Tensor, l2s) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """argmin of mean((z W^T + b - y)^2) + l2/2 |W|^2 for each l2, from one eigendecomposition
    of the centred features' smaller Gram matrix (D x D, or N x N when N < D)."""
    z_mean, y_mean = z.mean(0), y.mean(0)
    zc, yc = z - z_mean, y - y_mean
    wide = len(zc) < zc.shape[1]
    values, vectors = torch.linalg.eigh(zc @ zc.T if wide else zc.T @ zc)
    values = values.clamp_min(0)
    projected = vectors.T @ (yc if wide else zc.T @ yc)
    solutions = []
    for l2 in l2s:
        # (Z'Z + lam I)^-1 Z'y, or Z'(ZZ' + lam I)^-1 y when N < D; lam from the mean loss
        inner = vectors @ (projected / (values + 0.5 * l2 * y.numel())[:, None])
        weight = (zc.T @ inner if wide else inner).T
        solutions.append((weight, y_mean - weight @ z_mean))
    return solutions


def _unscaled(weight, bias, mean, scale) -> tuple[torch.Tensor, torch.Tensor]:
    """Fold the features' centring and global scale into (W, b), as float32."""
    with torch.no_grad():
        w = weight / scale
        b = bias - w @ mean
    return w.float(), b.float()


def init_head_from_probe(
    model,
    dataset,
    collate,
    *,
    num_classes: int,
    batch_size: int,
    device,
    label_smoothing: float = 0.1,
    num_workers: int = 0,
    cancel=None,
    task: str = "classification",
) -> bool:
    """Fit and install the probe head. False when cancelled before it finished."""
    features, labels = pooled_features(
        model,
        dataset,
        collate,
        batch_size=batch_size,
        device=device,
        num_workers=num_workers,
        cancel=cancel,
    )
    if features is None:
        return False
    weight, bias = fit_linear_head(
        features, labels, num_classes, label_smoothing=label_smoothing, task=task
    )
    head = model.head_layer()
    with torch.no_grad():
        head.weight.copy_(weight.to(head.weight.device, head.weight.dtype))
        head.bias.copy_(bias.to(head.bias.device, head.bias.dtype))
    return True
