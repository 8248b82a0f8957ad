"""Multi-label probe: a cross-validated one-vs-rest linear map, scored by mean average precision."""

from __future__ import annotations

import numpy as np

from probes.errors import ProbeInputError

from ._validation import as_features, check_folds, row_folds


def multi_hot(targets, n_rows: int, name: str = "labels") -> np.ndarray:
    """A 0/1 int8 [N, K] copy (K >= 2 labels, each with positive and negative rows)."""
    try:
        y = np.asarray(targets, dtype=np.float64)
    except (TypeError, ValueError):
        raise ProbeInputError(f"{name} must be a 0/1 multi-hot matrix [N, K]") from None
    if y.ndim != 2 or y.shape[1] < 2:
        raise ProbeInputError(
            f"{name} must be a multi-hot matrix [N, K] with K >= 2 labels, got shape {y.shape}"
        )
    if y.shape[0] != n_rows:
        raise ProbeInputError(
            f"{name} has {y.shape[0]} rows but features has {n_rows}; pass one row per example"
        )
    if not np.isin(y, (0.0, 1.0)).all():
        raise ProbeInputError(f"{name} must hold only 0 and 1 (one column per label)")
    positives = y.sum(axis=0)
    dead = np.flatnonzero((positives == 0) | (positives == n_rows))
    if dead.size:
        raise ProbeInputError(
            f"{name} column {int(dead[0])} is {'never' if positives[dead[0]] == 0 else 'always'} "
            "set, so it cannot be predicted; drop that label"
        )
    return y.astype(np.int8)


def linear_map(
    features, labels, folds: int = 5, c: float = 1.0, max_iter: int = 200, seed: int = 0
) -> float:
    """Mean average precision in [0, 1] of one-vs-rest logistic regressions (higher = better).

    labels: multi-hot [N, K]. The rows are split into ``folds`` shuffled folds (seed); in
    each, one L2 logistic regression per label (scikit-learn's objective: C times the summed
    log-loss plus half the squared weights, intercept free) is fitted on the training part,
    centred and scaled to rows of unit RMS norm times sqrt(D) (one global scale, as in
    probes.ridge), and the held-out rows get its probabilities. The K regressions are
    independent, so they are solved jointly by one L-BFGS run (at most ``max_iter`` steps):
    the same optimum, without K separate fits. A label constant in a training part predicts
    that constant. Average precision is computed per label over the pooled out-of-fold
    scores and averaged over the labels: ranking quality per label, independent of a
    decision threshold and of how rare the label is. The multi-label analogue of
    linear_probe. Cost O(folds iter N D K).
    """
    from sklearn.metrics import average_precision_score
    from sklearn.model_selection import KFold

    from .regression import global_scale

    folds = check_folds(folds)  # before the data: a bad option is named first
    x = as_features(features)
    y = multi_hot(labels, x.shape[0])
    n_splits = row_folds(folds, x.shape[0], "linear_map")
    scores = np.empty(y.shape, dtype=np.float64)
    root_d = np.sqrt(x.shape[1])
    for train, test in KFold(n_splits, shuffle=True, random_state=seed).split(x):
        centre, scale = global_scale(x[train])
        xtr = (x[train] - centre) / scale * root_d
        xte = (x[test] - centre) / scale * root_d
        target = y[train].astype(np.float64)
        rate = target.mean(axis=0)
        varies = (rate > 0) & (rate < 1)
        scores[test] = rate  # constant labels of this fold: their rate
        if varies.any():
            weight, bias = _fit_logistic(xtr, target[:, varies], c, max_iter)
            logits = xte @ weight + bias
            scores[np.ix_(test, np.flatnonzero(varies))] = 1.0 / (1.0 + np.exp(-logits))
    return float(
        np.mean([average_precision_score(y[:, j], scores[:, j]) for j in range(y.shape[1])])
    )


def _fit_logistic(x: np.ndarray, y: np.ndarray, c: float, max_iter: int):
    """Independent L2 logistic regressions, one per column of y, by one joint L-BFGS."""
    from scipy.optimize import minimize

    n, d = x.shape
    k = y.shape[1]
    sign = 2.0 * y - 1.0

    def objective(theta):
        weight, bias = theta[: d * k].reshape(d, k), theta[d * k :]
        margin = sign * (x @ weight + bias)
        loss = np.logaddexp(0.0, -margin).sum()
        g = -sign / (1.0 + np.exp(margin))  # d loss / d logit
        grad_w = c * (x.T @ g) + weight
        grad_b = c * g.sum(axis=0)
        value = c * loss + 0.5 * float((weight * weight).sum())
        return value, np.concatenate([grad_w.ravel(), grad_b])

    start = np.zeros(d * k + k)
    result = minimize(
        objective, start, jac=True, method="L-BFGS-B", options={"maxiter": max_iter, "gtol": 1e-5}
    )
    return result.x[: d * k].reshape(d, k), result.x[d * k :]
