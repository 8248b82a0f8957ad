"""NCTI: how far each candidate is from neural collapse on the target data (set-level)."""

from __future__ import annotations

import numpy as np

from ._set_level import candidate_inputs, minmax
from ._validation import features_and_labels

_PCA_DIMS = 64


def ncti_components(features, labels, seed: int = 0) -> dict[str, float]:
    """The three raw NCTI terms for one candidate (Wang et al., ICCV 2023).

    After PCA to 64 dimensions, a shrinkage LDA (shrinkage exp(-sum of the top-32
    explained variances), as the authors' code) is fitted:
    ``seli`` nuclear norm of the centred LDA projection (simplex-encoded label
    interpolation: larger = richer geometry), ``ncc`` mean LDA posterior of the true class
    (nearest-centre classifier), ``vc`` log of the summed per-class nuclear norms of the
    posteriors (within-class variability: smaller = closer to collapse).
    """
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    x, y, n_classes = features_and_labels(features, labels)
    k = min(_PCA_DIMS, x.shape[0] - 1, x.shape[1])
    pca = PCA(n_components=k, random_state=seed)
    reduced = pca.fit_transform(x)
    shrinkage = max(float(np.exp(-pca.explained_variance_[:32].sum())), 1e-10)
    if shrinkage == 1e-10:
        lda = LinearDiscriminantAnalysis(solver="svd")
    else:
        lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage=shrinkage)
    low = lda.fit_transform(reduced, y)
    low -= low.mean(axis=0)
    posterior = lda.predict_proba(reduced)
    class_nuclear = sum(np.linalg.norm(posterior[y == c], ord="nuc") for c in range(n_classes))
    return {
        "seli": float(np.linalg.norm(low, ord="nuc")),
        "ncc": float(np.mean(posterior[np.arange(y.shape[0]), y])),
        "vc": float(np.log(class_nuclear)),
    }


def ncti(features, labels, seed: int = 0) -> list[float]:
    """NCTI score per candidate (higher = better), Wang, Luo, Zheng, Huang & Baktashmotlagh,
    "How Far Pre-trained Models Are from Neural Collapse on the Target Dataset Informs their
    Transferability", ICCV 2023.

    features: a list with one [N, D] array per candidate; labels: one [N] array shared by
    all, or a list with one per candidate. Each term is min-max normalised across the
    candidates, then NCTI = seli + ncc - vc (as the authors' evaluation script). Scores
    are relative: adding or removing a candidate changes them. Needs >= 2 candidates.
    Cost per candidate O(N D 64 + N 64^2).
    """
    parts = [ncti_components(f, y, seed=seed) for f, y in candidate_inputs(features, labels)]
    seli = minmax([p["seli"] for p in parts])
    ncc = minmax([p["ncc"] for p in parts])
    vc = minmax([p["vc"] for p in parts])
    return (seli + ncc - vc).tolist()
