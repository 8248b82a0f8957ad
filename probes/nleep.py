"""N-LEEP: LEEP on the posteriors of a Gaussian mixture fitted to the features."""

from __future__ import annotations

import numpy as np

from probes.errors import ProbeInputError

from ._validation import features_and_labels, one_hot


def nleep(
    features,
    labels,
    n_components: int | str = "pactran",
    pca_variance: float = 0.8,
    log: bool = True,
    seed: int = 0,
    covariance_type: str = "full",
) -> float:
    """N-LEEP (Li et al., "Ranking Neural Checkpoints", CVPR 2021). Higher = better.

    Features are reduced by scikit-learn PCA(n_components=pca_variance), a
    GaussianMixture(random_state=seed) is fitted on them, and LEEP is computed with the
    mixture posteriors in place of source-class probabilities.

    n_components: "pactran" = max(min(C, N/5), N/10), the rule of google-research's
    pactran_metrics (the N-LEEP authors' group; also Model-Spider); "sfda" = 5 C, the SFDA
    repository's rule; or an int. log=True is the paper's definition (mean log-likelihood);
    log=False returns the mean likelihood, as the SFDA repository does. Deterministic for a
    seed; exact reference values need the same scikit-learn (the GMM fit is version
    dependent). Cost O(iterations N K d^2) for K components in d PCA dimensions: the
    slowest probe; the advisor scores it on at most 1000 examples.
    """
    from sklearn.decomposition import PCA
    from sklearn.mixture import GaussianMixture

    x, y, n_classes = features_and_labels(features, labels)
    n = x.shape[0]
    if not 0 < pca_variance <= 1:
        raise ProbeInputError(f"pca_variance must be in (0, 1], got {pca_variance!r}")
    k = _n_components(n_components, n_classes, n)
    reduced = PCA(n_components=pca_variance).fit_transform(x) if pca_variance < 1 else x
    gmm = GaussianMixture(n_components=k, covariance_type=covariance_type, random_state=seed)
    posterior = gmm.fit(reduced).predict_proba(reduced)  # P(z | x): [N, K]
    joint = one_hot(y, n_classes).T @ posterior / n  # P(y, z)
    marginal = joint.sum(axis=0)
    conditional = np.divide(joint, marginal, out=np.zeros_like(joint), where=marginal > 0)
    eep = np.einsum("nk,nk->n", posterior, conditional[y])
    if not log:
        return float(np.mean(eep))
    return float(np.mean(np.log(np.maximum(eep, np.finfo(np.float64).tiny))))


def _n_components(rule, n_classes: int, n: int) -> int:
    if rule == "pactran":
        k = max(min(n_classes, int(n * 0.2)), int(n * 0.1))
    elif rule == "sfda":
        k = 5 * n_classes
    elif isinstance(rule, (int, np.integer)) and rule >= 1:
        k = int(rule)
    else:
        raise ProbeInputError(
            f"n_components must be 'pactran', 'sfda' or a positive int, got {rule!r}"
        )
    if k > n:
        raise ProbeInputError(
            f"n_components={k} exceeds the {n} examples; pass a smaller n_components"
        )
    return k
