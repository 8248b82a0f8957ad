"""ETran: energy-based transferability (set-level)."""

from __future__ import annotations

import numpy as np

from probes.errors import ProbeInputError

from ._lda import fit_predict_proba
from ._linalg import reduce_dim
from ._set_level import candidate_inputs, minmax
from ._validation import features_and_labels

ENERGY_WEIGHT = 0.15  # the authors' tw.py: 0.15 energy + 0.85 LDA


def etran_components(
    features, labels, energy_fraction: float = 0.005, max_dim=None
) -> dict[str, float]:
    """The raw ETran terms for one candidate (Gholami et al., ICCV 2023).

    ``energy``: per-example logsumexp of the feature vector (negative free energy), averaged
    over the ``energy_fraction`` of examples with the lowest values, the authors' call
    Energy_Score(features, 0.5, "bot") which keeps int(0.5*10)*N//1000 = 0.5% of the examples
    (at least one here). ``lda``: mean posterior of the true class under a shrinkage LDA
    (the paper's LDA score; adaptive shrinkage as SFDA). The authors' LDA class runs eigh on
    the non-symmetric inv(S_w) S_b, whose orthonormal eigenvectors make it a nearest-mean
    classifier; this implementation follows the paper instead.
    """
    from scipy.special import logsumexp  # lazily: scipy.special is slow to import

    if not 0 < energy_fraction <= 1:
        raise ProbeInputError(f"energy_fraction must be in (0, 1], got {energy_fraction!r}")
    x, y, n_classes = features_and_labels(features, labels)
    energy = logsumexp(x, axis=1)
    count = max(1, int(round(energy_fraction * x.shape[0])))
    lowest = np.sort(energy)[:count]
    probs, _ = fit_predict_proba(reduce_dim(x, max_dim, n_classes), y, n_classes)
    return {"energy": float(lowest.mean()), "lda": float(np.mean(probs[np.arange(y.shape[0]), y]))}


def etran(features, labels, energy_fraction: float = 0.005, max_dim=None) -> list[float]:
    """ETran score per candidate (higher = better), Gholami, Akbari, Wang & Zhang,
    "ETran: Energy-Based Transferability Estimation", ICCV 2023.

    features: a list with one [N, D] array per candidate; labels: one shared [N] array or
    one per candidate. Energy and LDA terms are min-max normalised across candidates and
    combined as 0.15 energy + 0.85 LDA (the authors' classification setting; the SVD term
    of the paper is for detection and is not included). Needs >= 2 candidates.
    Cost per candidate O(N D^2 + D^3).
    """
    parts = [
        etran_components(f, y, energy_fraction=energy_fraction, max_dim=max_dim)
        for f, y in candidate_inputs(features, labels)
    ]
    energy = minmax([p["energy"] for p in parts])
    lda = minmax([p["lda"] for p in parts])
    return (ENERGY_WEIGHT * energy + (1 - ENERGY_WEIGHT) * lda).tolist()
