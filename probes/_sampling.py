"""A seeded, class-stratified row subsample (PARC's and N-LEEP's row caps)."""

from __future__ import annotations

import numpy as np


def stratified_subsample(y: np.ndarray, n_classes: int, budget: int, seed: int) -> np.ndarray:
    """Indices of a seeded subsample keeping each class's share (at least 2 per class)."""
    rng = np.random.default_rng(seed)
    counts = np.bincount(y, minlength=n_classes)
    quota = np.maximum(2, np.floor(counts * budget / y.shape[0]).astype(int))
    picked = [
        rng.choice(np.flatnonzero(y == c), size=min(quota[c], counts[c]), replace=False)
        for c in range(n_classes)
    ]
    return np.sort(np.concatenate(picked))
