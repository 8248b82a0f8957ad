"""TransRate: mutual information between features and labels as a coding-rate gap."""

from __future__ import annotations

import numpy as np

from probes.errors import ProbeInputError

from ._linalg import reduce_dim
from ._validation import features_and_labels


def transrate(
    features,
    labels,
    eps: float = 1e-4,
    class_weighting: str = "uniform",
    normalize: str | None = None,
    max_dim=None,
) -> float:
    """TransRate R(Z) - R(Z | Y) (Huang, Huang, Gu et al., ICML 2022). Higher = better.

    R(Z) = 1/2 logdet(I + Z^T Z / (n eps)) on globally centred features; the class term
    uses the rows of each class (not re-centred). class_weighting="uniform" averages the
    per-class rates as tllib does (the published test vectors); "proportional" weights
    them by n_c / n as the authors' repository does. The value depends on the overall
    feature scale through eps, so backbones with larger activations look better;
    normalize="rms" divides the centred features by their root-mean-square row norm first
    (mean squared norm 1), which removes that dependence and is what the advisor's registry
    uses. When D approaches N every point is nearly orthogonal to the others and the rate
    gap no longer reflects the labels; max_dim ("auto" or an int) keeps the top principal
    components first, as the registry does. Cost O(N D min(N, D)).
    """
    if class_weighting not in ("uniform", "proportional"):
        raise ProbeInputError(
            f"class_weighting must be 'uniform' or 'proportional', got {class_weighting!r}"
        )
    if normalize not in (None, "rms"):
        raise ProbeInputError(f"normalize must be None or 'rms', got {normalize!r}")
    if not eps > 0:
        raise ProbeInputError(f"eps must be positive, got {eps!r}")
    x, y, n_classes = features_and_labels(features, labels)
    x = reduce_dim(x, max_dim, n_classes)
    z = x - x.mean(axis=0)
    if normalize == "rms":
        z /= np.sqrt(np.mean(np.einsum("nd,nd->n", z, z)))
    total = _coding_rate(z, eps)
    rates = np.array([_coding_rate(z[y == c], eps) for c in range(n_classes)])
    if class_weighting == "uniform":
        conditional = rates.mean()
    else:
        conditional = np.dot(np.bincount(y, minlength=n_classes) / y.shape[0], rates)
    return float(total - conditional)


def _coding_rate(z: np.ndarray, eps: float) -> float:
    """1/2 logdet(I + Z^T Z / (n eps)) through the smaller Gram matrix and a Cholesky."""
    n, d = z.shape
    gram = z.T @ z if d <= n else z @ z.T
    gram /= n * eps
    gram.flat[:: gram.shape[0] + 1] += 1.0
    chol = np.linalg.cholesky(gram)
    return float(np.sum(np.log(np.diag(chol))))
