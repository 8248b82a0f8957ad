"""H-score and its shrinkage-regularised version, from one PCA of the features."""

from __future__ import annotations

import numpy as np

from ._linalg import pca, target_dim
from ._validation import features_and_labels


def hscore(features, labels, max_dim=None) -> float:
    """H-score tr(cov(f)^+ cov(E[f | y])) (Bao et al., ICIP 2019). Higher = better.

    Both covariances use ddof = 1 (tllib). Ranges over [0, C-1]; it saturates at C-1 when
    D >= N - C, where the inverse covariance fits anything. max_dim: None (reference
    behaviour), an int, or "auto" (exact PCA to max(C, N/8) dimensions first; the advisor's
    registry uses "auto" so that D >> N still gives ordered scores). The pseudo-inverse
    drops eigenvalues below max(N, D) * eps * max, so rounding noise of a singular covariance
    is not inverted. Computed in the principal basis, where cov(f) is diagonal:
    H = sum_i sum_c n_c (mu_c . v_i)^2 / lambda_i. Cost O(N D min(N, D) + min(N, D)^3).
    """
    x, y, n_classes = features_and_labels(features, labels)
    decomposition = pca(x)
    k = min(target_dim(max_dim, x.shape[0], n_classes, x.shape[1]), decomposition.rank)
    means, counts = decomposition.class_mean_scores(y, n_classes, k)
    return float(np.sum(counts[:, None] * means**2 / decomposition.evals[None, :k]))


def regularized_hscore(features, labels, max_dim=None) -> float:
    """Shrinkage H-score (Ibrahim, Ponomareva & Mazumder, ECML-PKDD 2022; tllib). Higher = better.

    tr(cov_a(f)^-1 (1 - a) cov(E[f | y])) with the Ledoit-Wolf covariance cov_a (biased,
    shrinkage a from the Ledoit-Wolf formula, as scikit-learn's LedoitWolf) and the
    class-mean covariance with ddof = 1, as tllib's ``regularized_h_score``. Stays finite
    and ordered when D >> N. max_dim (None, int, "auto") applies it to the top principal
    components only. Cost O(N D min(N, D) + min(N, D)^3).
    """
    x, y, n_classes = features_and_labels(features, labels)
    n, d = x.shape
    decomposition = pca(x)
    dims = target_dim(max_dim, n, n_classes, d)
    k = min(dims, decomposition.rank)
    variances = decomposition.evals[:k] / n  # eigenvalues of the biased covariance
    if dims >= d:
        row_sq = np.einsum("nd,nd->n", decomposition.centred, decomposition.centred)
    else:
        scores = decomposition.scores(k)
        row_sq = np.einsum("nk,nk->n", scores, scores)
    shrinkage, mu = _ledoit_wolf_shrinkage(variances, row_sq, n, dims)
    means, counts = decomposition.class_mean_scores(y, n_classes, k)
    shrunk = (1.0 - shrinkage) * variances + shrinkage * mu
    return float((1.0 - shrinkage) * np.sum(counts[:, None] * means**2 / shrunk[None, :]) / (n - 1))


def _ledoit_wolf_shrinkage(variances, row_sq, n: int, d: int) -> tuple[float, float]:
    """Ledoit-Wolf shrinkage and target scale: scikit-learn's ledoit_wolf_shrinkage formula.

    Written with the covariance eigenvalues (||S||_F^2 = sum lambda^2) and the row norms
    (sum of <X2^T X2> = sum_n ||x_n||^4), so no D x D product is needed. d counts every
    dimension of the (possibly reduced) space, including zero-variance ones.
    """
    trace = float(variances.sum())
    mu = trace / d
    delta_ = float(np.sum(variances**2))
    beta_ = float(np.sum(row_sq**2))
    beta = (beta_ / n - delta_) / (d * n)
    delta = (delta_ - 2.0 * mu * trace + d * mu**2) / d
    beta = min(beta, delta)
    return (0.0 if beta == 0 else beta / delta), mu
