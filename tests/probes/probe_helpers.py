"""Data builders shared by the probes tests (imported as a plain module)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

CASES = [f"case{k}" for k in range(6)]
REPO_ROOT = Path(__file__).resolve().parents[2]


def vector_dir() -> Path | None:
    """The published reference test vectors (../shared/testvectors), or None."""
    for candidate in (
        REPO_ROOT.parent / "shared" / "testvectors",
        REPO_ROOT / "shared" / "testvectors",
    ):
        if (candidate / "probes-v1.npz").is_file() and (candidate / "expected-v1.json").is_file():
            return candidate
    return None


def separable_data(n=240, d=24, c=4, seed=0, spread=4.0):
    """Clearly separated Gaussian classes (every class present, shuffled order)."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % c)
    means = rng.standard_normal((c, d)) * spread
    return means[labels] + rng.standard_normal((n, d)), labels


def source_probs_for(labels, n_source=30, seed=0, sharpness=3.0):
    """Softmax outputs of a 'source head' that partly tracks the labels."""
    rng = np.random.default_rng(seed)
    n = len(labels)
    logits = rng.standard_normal((n, n_source))
    logits[np.arange(n), np.asarray(labels) % n_source] += sharpness
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    return probs / probs.sum(axis=1, keepdims=True)
