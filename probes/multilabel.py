"""Multi-label probe: a cross-validated one-vs-rest linear map, scored by mean average precision."""

from __future__ import annotations

import warnings

import numpy as np

from probes.errors import ProbeInputError

from ._validation import as_features


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
    each, one L2 logistic regression per label is fitted on the training part, centred and
    scaled to rows of unit RMS norm (one global scale, as in probes.ridge)
    (a label absent from a training part predicts its constant rate), and the held-out rows
    get its probabilities. Average precision is then computed per label over the pooled
    out-of-fold scores and averaged over the labels: ranking quality per label, independent of
    a decision threshold and of how rare the label is. The multi-label analogue of
    linear_probe. Cost O(folds iter N D K).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score
    from sklearn.model_selection import KFold

    from .regression import global_scale

    if not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ProbeInputError(f"folds must be an int >= 2, got {folds!r}")
    x = as_features(features)
    y = multi_hot(labels, x.shape[0])
    n_splits = int(min(folds, x.shape[0] // 2))
    if n_splits < 2:
        raise ProbeInputError(f"linear_map needs at least 4 rows for 2 folds, got {x.shape[0]}")
    scores = np.empty(y.shape, dtype=np.float64)
    for train, test in KFold(n_splits, shuffle=True, random_state=seed).split(x):
        centre, scale = global_scale(x[train])
        # sqrt(D): per-dimension values of order one, where C=1 is a moderate penalty
        xtr = (x[train] - centre) / scale * np.sqrt(x.shape[1])
        xte = (x[test] - centre) / scale * np.sqrt(x.shape[1])
        for j in range(y.shape[1]):
            target = y[train, j]
            if target.min() == target.max():  # this fold saw one value only
                scores[test, j] = float(target[0])
                continue
            model = LogisticRegression(C=c, max_iter=max_iter, tol=1e-3)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(xtr, target)
            scores[test, j] = model.predict_proba(xte)[:, 1]
    return float(np.mean([average_precision_score(y[:, j], scores[:, j]) for j in range(y.shape[1])]))
