"""Cross-validated logistic-regression accuracy on the frozen features."""

from __future__ import annotations

import warnings

import numpy as np

from ._validation import check_folds, features_and_labels


def linear_probe(
    features, labels, folds: int = 5, c: float = 1.0, max_iter: int = 200, seed: int = 0
) -> float:
    """Mean accuracy in [0, 1] of an L2 logistic regression over stratified folds (higher = better).

    Features are standardised inside each fold (fitted on the training part only); folds
    = min(folds, smallest class count), shuffled with ``seed``. lbfgs with a capped number of
    iterations: a probe, not a tuned classifier. The closest proxy to fine-tuning a linear
    head, and the slowest per-candidate probe after N-LEEP. Cost O(folds iter N D C).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    check_folds(folds)
    x, y, _ = features_and_labels(features, labels)
    n_splits = int(min(folds, np.bincount(y).min()))
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    scores = []
    for train, test in splitter.split(x, y):
        model = make_pipeline(
            StandardScaler(), LogisticRegression(C=c, max_iter=max_iter, tol=1e-3)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x[train], y[train])
        scores.append(float(np.mean(model.predict(x[test]) == y[test])))
    return float(np.mean(scores))
