"""Leave-one-out k-nearest-neighbour accuracy."""

from __future__ import annotations

import numpy as np

from probes.errors import ProbeInputError

from ._validation import features_and_labels

_BLOCK = 1024


def knn(features, labels, k: int = 5, metric: str = "cosine") -> float:
    """Leave-one-out kNN accuracy in [0, 1] (higher = better).

    Each example is classified by a majority vote of its k nearest other examples; vote
    ties go to the class with the larger summed similarity. metric "cosine" (default:
    invariant to each backbone's feature scale) or "euclidean". Exact brute force over
    blocks of 1024 rows; each similarity block is computed once and used for both its rows
    and its columns (the matrix is symmetric), so memory stays O(1024 N) and the cost is
    N^2 D / 2 multiply-adds. Deterministic. Cost O(N^2 D).
    """
    if metric not in ("cosine", "euclidean"):
        raise ProbeInputError(f"metric must be 'cosine' or 'euclidean', got {metric!r}")
    x, y, n_classes = features_and_labels(features, labels)
    n = x.shape[0]
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n - 1:
        raise ProbeInputError(f"k must be an int between 1 and N-1={n - 1}, got {k!r}")
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1)
        x = x / np.where(norms > 0, norms, 1.0)[:, None]
    near_sim, near_idx = _nearest(x, k, euclidean=(metric == "euclidean"))
    return float(np.mean(_vote(near_sim, y[near_idx], n_classes) == y))


def _nearest(x: np.ndarray, k: int, euclidean: bool) -> tuple[np.ndarray, np.ndarray]:
    """Similarities and indices [N, k] of every row's k nearest other rows."""
    n = x.shape[0]
    sq = (x * x).sum(axis=1)
    best_sim = np.full((n, k), -np.inf)
    best_idx = np.zeros((n, k), dtype=np.int64)
    starts = list(range(0, n, _BLOCK))
    for a, i0 in enumerate(starts):
        i1 = min(i0 + _BLOCK, n)
        for j0 in starts[a:]:
            j1 = min(j0 + _BLOCK, n)
            sim = x[i0:i1] @ x[j0:j1].T
            if euclidean:  # minus squared distance: higher = nearer
                sim = 2 * sim - sq[i0:i1, None] - sq[None, j0:j1]
            if i0 == j0:
                np.fill_diagonal(sim, -np.inf)  # leave one out
            _merge(best_sim, best_idx, i0, sim, j0)
            if i0 != j0:
                _merge(best_sim, best_idx, j0, sim.T, i0)
    return best_sim, best_idx


def _merge(best_sim, best_idx, row0, sim, col0):
    """Fold a block of candidate neighbours into the running top-k of rows row0..."""
    rows = slice(row0, row0 + sim.shape[0])
    k = best_sim.shape[1]
    values = np.concatenate([best_sim[rows], sim], axis=1)
    index = np.concatenate(
        [best_idx[rows], np.broadcast_to(np.arange(col0, col0 + sim.shape[1]), sim.shape)], axis=1
    )
    top = np.argpartition(-values, k - 1, axis=1)[:, :k]
    best_sim[rows] = np.take_along_axis(values, top, axis=1)
    best_idx[rows] = np.take_along_axis(index, top, axis=1)


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
