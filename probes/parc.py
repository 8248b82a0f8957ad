"""PARC: Pairwise Annotation Representation Comparison."""

from __future__ import annotations

import numpy as np

from probes.errors import ProbeInputError

from ._sampling import stratified_subsample
from ._validation import features_and_labels


def parc(
    features,
    labels,
    n_dims: int | None = None,
    max_samples: int | None = 2000,
    seed: int = 0,
    label_rdm: str = "exact",
) -> float:
    """Spearman correlation (x100) between the feature and label dissimilarity matrices.

    Bolya, Mittapalli & Hoffman, "Scalability in Transferability Estimation", NeurIPS 2021.
    Features are standardised per column; the feature RDM is 1 - Pearson correlation
    between examples, the label RDM is 1 - correlation between one-hot rows (0 within a
    class, C/(C-1) across classes). Higher = better.

    n_dims: reduce by scikit-learn PCA(svd_solver="randomized", random_state=1919,
    iterated_power=1) first, the reference's call (its demo uses 32); clamped to
    min(N, D) where the reference raises for D < n_dims. max_samples: above it, PARC runs on
    a class-stratified subsample drawn with ``seed`` (the N^2/2 pairs make memory and the
    rank correlation O(N^2 log N); the SFDA repository subsamples too); None = every row.

    label_rdm: "exact" (default) uses the exact two-valued label RDM of the paper.
    "numpy_corrcoef" builds it with np.corrcoef on one-hot rows, as the reference code does;
    rounding then splits the within-class ties into 0 and 2.2e-16, which moves the score
    by up to ~3% (0.2-2.8% on the published vectors). Use it only to reproduce reference
    numbers. Cost O(M^2 D + M^2 log M), M = min(N, max_samples).
    """
    if label_rdm not in ("exact", "numpy_corrcoef"):
        raise ProbeInputError(f"label_rdm must be 'exact' or 'numpy_corrcoef', got {label_rdm!r}")
    x, y, n_classes = features_and_labels(features, labels)
    if max_samples is not None and x.shape[0] > max_samples:
        keep = stratified_subsample(y, n_classes, max_samples, seed)
        x, y = x[keep], y[keep]
    if n_dims is not None:
        x = _reference_pca(x, n_dims)
    std = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)  # StandardScaler semantics
    rows = x - x.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(rows, axis=1)
    rows /= np.where(norms > 0, norms, 1.0)[:, None]
    upper = np.triu_indices(x.shape[0], 1)
    feature_rdm = 1.0 - (rows @ rows.T)[upper]
    if label_rdm == "exact":
        label_values = (y[upper[0]] != y[upper[1]]).astype(np.float64)
    else:
        label_values = (1.0 - np.corrcoef(np.eye(n_classes)[y]))[upper]
    from scipy import stats  # lazily: scipy.stats is slow to import

    rho = stats.spearmanr(feature_rdm, label_values)[0]
    if not np.isfinite(rho):
        raise ProbeInputError(
            "features give a constant dissimilarity matrix, so PARC is undefined; "
            "check the features"
        )
    return float(rho * 100.0)


def _reference_pca(x: np.ndarray, n_dims: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    if not isinstance(n_dims, (int, np.integer)) or n_dims < 1:
        raise ProbeInputError(f"n_dims must be a positive int or None, got {n_dims!r}")
    k = int(min(n_dims, x.shape[0], x.shape[1]))
    return PCA(
        n_components=k, svd_solver="randomized", random_state=1919, iterated_power=1
    ).fit_transform(x)
