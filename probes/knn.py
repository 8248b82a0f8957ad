"""Leave-one-out k-nearest-neighbour accuracy."""

from __future__ import annotations

import numpy as np

from probes.errors import ProbeInputError

from ._topk import exact_nearest
from ._validation import features_and_labels

METRICS = ("cosine", "euclidean")


def check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ProbeInputError(f"metric must be 'cosine' or 'euclidean', got {metric!r}")


def neighbours(x: np.ndarray, k, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k nearest other rows (similarities, indices) under ``metric``; the search
    that knn and knn_regression share."""
    n = x.shape[0]
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n - 1:
        raise ProbeInputError(f"k must be an int between 1 and N-1={n - 1}, got {k!r}")
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1)
        x = x / np.where(norms > 0, norms, 1.0)[:, None]
    return exact_nearest(x, int(k), euclidean=(metric == "euclidean"))


def knn(features, labels, k: int = 5, metric: str = "cosine") -> float:
    """Leave-one-out kNN accuracy in [0, 1] (higher = better).

    Each example is classified by a majority vote of its k nearest other examples; vote
    ties go to the class with the larger summed similarity. metric "cosine" (default:
    invariant to each backbone's feature scale) or "euclidean". Exact: the neighbours are
    screened by float32 matrix products over symmetric blocks and confirmed in float64
    (see ``probes._topk.exact_nearest``), so the result equals a float64 brute force up to
    exact ties. Deterministic. Cost O(N^2 D / 2) multiply-adds, memory O(N k + block^2);
    N = 20000, D = 2048 takes seconds.
    """
    check_metric(metric)
    x, y, n_classes = features_and_labels(features, labels)
    near_sim, near_idx = neighbours(x, k, metric)
    return float(np.mean(_vote(near_sim, y[near_idx], n_classes) == y))


def _vote(near_sim: np.ndarray, near_labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Majority vote per row; ties broken by the summed (shifted) similarity, worth < 1 vote."""
    n, k = near_labels.shape
    rows = np.repeat(np.arange(n), k)
    votes = np.zeros((n, n_classes))
    np.add.at(votes, (rows, near_labels.ravel()), 1.0)
    strength = np.zeros_like(votes)
    shifted = near_sim - near_sim.min(axis=1, keepdims=True)
    np.add.at(strength, (rows, near_labels.ravel()), shifted.ravel())
    scale = strength.max(axis=1, keepdims=True)
    votes += 0.5 * strength / np.where(scale > 0, scale, 1.0)
    return votes.argmax(axis=1)
