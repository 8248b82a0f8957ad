"""Regression probes: how well frozen features predict continuous targets (cross-validated R^2).

Both return the coefficient of determination averaged over the target columns, on examples
the predictor did not see: 1 is perfect, 0 is no better than the mean, below 0 is worse.
"""

from __future__ import annotations

import numpy as np

from probes.errors import ProbeInputError

from ._validation import as_features, as_targets, check_folds, row_folds
from .knn import check_metric, neighbours

# Ridge strengths searched inside every training fold, for rows of unit RMS norm (so the
# Gram matrix has trace N and eigenvalues around 1): from nearly unregularised to nearly mean.
_ALPHAS = np.logspace(-4, 3, 15)


def regression_targets(targets, n_rows: int, name: str = "labels") -> np.ndarray:
    """Finite float64 [N, K] targets with some variance in every column."""
    y = as_targets(targets, n_rows, name=name)
    flat = np.flatnonzero(np.ptp(y, axis=0) == 0)
    if flat.size:
        raise ProbeInputError(
            f"{name} column {int(flat[0])} is constant, so R^2 is undefined; drop that target"
        )
    return y


def global_scale(x: np.ndarray) -> tuple[np.ndarray, float]:
    """(column means, one scale) that centre ``x`` and give its rows unit RMS norm."""
    centre = x.mean(axis=0)
    rms = float(np.sqrt(((x - centre) ** 2).sum(axis=1).mean()))
    return centre, rms if rms > 0 else 1.0


def r2_score(y: np.ndarray, predicted: np.ndarray) -> float:
    """R^2 per column, averaged (columns of y must vary)."""
    residual = ((y - predicted) ** 2).sum(axis=0)
    total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    return float(np.mean(1.0 - residual / total))


def knn_regression(features, labels, k: int = 5, metric: str = "cosine") -> float:
    """Leave-one-out k-nearest-neighbour regression R^2 (higher = better).

    labels: targets [N] or [N, K]. Each example is predicted by the mean target of its k
    nearest other examples (cosine by default, invariant to each backbone's feature scale;
    or "euclidean"); the score is R^2 of those held-out predictions, averaged over the target
    columns. The neighbour search is the knn probe's (exact, blocked). Deterministic.
    Cost O(N^2 D).
    """
    check_metric(metric)
    x = as_features(features)
    y = regression_targets(labels, x.shape[0])
    _, near = neighbours(x, k, metric)
    return r2_score(y, y[near].mean(axis=1))


def ridge(features, labels, folds: int = 5, seed: int = 0) -> float:
    """K-fold cross-validated ridge-regression R^2 (higher = better).

    labels: targets [N] or [N, K]. Inside each training fold the features are centred and
    divided by one global scale (rows of unit RMS norm: not per dimension, where a dimension
    nearly constant in the training part would explode on the held-out part) and the ridge
    strength is chosen from 1e-4..1e3 by efficient leave-one-out (scikit-learn RidgeCV), so
    no test row influences the fit; the score is R^2 of the pooled out-of-fold
    predictions, averaged over the target columns. The regression analogue of linear_probe.
    Cost O(folds N D min(N, D)).
    """
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import KFold

    folds = check_folds(folds)  # before the data: a bad option is named first
    x = as_features(features)
    y = regression_targets(labels, x.shape[0])
    n_splits = row_folds(folds, x.shape[0], "ridge")
    predicted = np.empty_like(y)
    for train, test in KFold(n_splits, shuffle=True, random_state=seed).split(x):
        centre, scale = global_scale(x[train])
        model = RidgeCV(alphas=_ALPHAS).fit((x[train] - centre) / scale, y[train])
        predicted[test] = model.predict((x[test] - centre) / scale).reshape(len(test), -1)
    return r2_score(y, predicted)
