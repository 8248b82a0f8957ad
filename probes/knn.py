"""Leave-one-out k-nearest-neighbour accuracy."""

from __future__ import annotations

import numpy as np

from ._validation import features_and_labels

_BLOCK = 1024


def knn(features, labels, k: int = 5, metric: str = "cosine") -> float:
    """Leave-one-out kNN accuracy in [0, 1] (higher = better).

    Each example is classified by a majority vote of its k nearest other examples; vote
    ties go to the class with the larger summed similarity. metric "cosine" (default:
    invariant to each backbone's feature scale) or "euclidean". Exact brute force in blocks
    of 1024 rows, so memory stays O(1024 N). Deterministic. Cost O(N^2 D).
    """
    if metric not in ("cosine", "euclidean"):
        raise ValueError(f"metric must be 'cosine' or 'euclidean', got {metric!r}")
    x, y, n_classes = features_and_labels(features, labels)
    n = x.shape[0]
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n - 1:
        raise ValueError(f"k must be an int between 1 and N-1={n - 1}, got {k!r}")
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1)
        x = x / np.where(norms > 0, norms, 1.0)[:, None]
    sq = (x * x).sum(axis=1)
    correct = 0
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        sim = x[start:stop] @ x.T                       # similarity: higher = nearer
        if metric == "euclidean":
            sim = 2 * sim - sq[None, :] - sq[start:stop, None]   # minus squared distance
        sim[np.arange(stop - start), np.arange(start, stop)] = -np.inf   # leave one out
        nearest = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        near_sim = np.take_along_axis(sim, nearest, axis=1)
        votes = np.zeros((stop - start, n_classes))
        rows = np.repeat(np.arange(stop - start), k)
        np.add.at(votes, (rows, y[nearest].ravel()), 1.0)
        # tie-break by summed similarity, scaled below one vote
        strength = np.zeros_like(votes)
        ranks = near_sim - near_sim.min(axis=1, keepdims=True)
        np.add.at(strength, (rows, y[nearest].ravel()), ranks.ravel())
        scale = strength.max(axis=1, keepdims=True)
        votes += 0.5 * strength / np.where(scale > 0, scale, 1.0)
        correct += int((votes.argmax(axis=1) == y[start:stop]).sum())
    return correct / n
