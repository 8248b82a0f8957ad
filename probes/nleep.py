"""N-LEEP: LEEP on the posteriors of a Gaussian mixture fitted to the features."""

from __future__ import annotations

import numpy as np

from probes.errors import ProbeInputError

from ._sampling import stratified_subsample
from ._validation import features_and_labels, one_hot


def nleep(
    features,
    labels,
    n_components: int | str = "pactran",
    pca_variance: float = 0.8,
    log: bool = True,
    seed: int = 0,
    covariance_type: str = "full",
    max_samples: int | None = None,
    max_dim: int | None = None,
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
    dependent). Cost O(iterations N K d^2) for K components in d PCA dimensions.

    Scaling (both None by default = the reference): above ``max_samples`` rows, N-LEEP is
    computed on a seeded class-stratified subsample of that many (PCA, mixture and LEEP
    alike, the component rule counting the subsample: a mixture fitted on a subsample
    overfits it, so scoring the other rows with it would not estimate the same quantity);
    ``max_dim`` caps the PCA dimensions (a randomized PCA of max_dim components, whose
    variance shares are of the total variance, so the pca_variance rule is unchanged below
    the cap). The cost is then O(M D max_dim + iterations M K d^2), M = max_samples,
    whatever N. docs/probes.md gives their agreement with the reference.
    """
    from sklearn.mixture import GaussianMixture

    x, y, n_classes = features_and_labels(features, labels)
    n = x.shape[0]
    if not 0 < pca_variance <= 1:
        raise ProbeInputError(f"pca_variance must be in (0, 1], got {pca_variance!r}")
    for name, value in (("max_samples", max_samples), ("max_dim", max_dim)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1
        ):
            raise ProbeInputError(f"{name} must be None or a positive int, got {value!r}")
    if max_samples is not None and n > max_samples:  # N-LEEP of a stratified subsample
        rows = stratified_subsample(y, n_classes, int(max_samples), seed)
        x, y, n = x[rows], y[rows], rows.size
    k = _n_components(n_components, n_classes, n)
    reduced = _reduce(x, pca_variance, max_dim, seed)
    gmm = GaussianMixture(n_components=k, covariance_type=covariance_type, random_state=seed)
    posterior = gmm.fit(reduced).predict_proba(reduced)  # P(z | x): [N, K]
    joint = one_hot(y, n_classes).T @ posterior / n  # P(y, z)
    marginal = joint.sum(axis=0)
    conditional = np.divide(joint, marginal, out=np.zeros_like(joint), where=marginal > 0)
    eep = np.einsum("nk,nk->n", posterior, conditional[y])
    if not log:
        return float(np.mean(eep))
    return float(np.mean(np.log(np.maximum(eep, np.finfo(np.float64).tiny))))


def _reduce(x, pca_variance: float, max_dim, seed: int) -> np.ndarray:
    """PCA scores keeping pca_variance of the variance, in at most max_dim dimensions."""
    from sklearn.decomposition import PCA

    if max_dim is not None and max_dim < min(x.shape):
        pca = PCA(n_components=int(max_dim), svd_solver="randomized", random_state=seed)
        scores = pca.fit_transform(x)  # variance ratios are shares of the total, as in full PCA
        share = np.cumsum(pca.explained_variance_ratio_)
        return scores[:, : int(np.searchsorted(share, pca_variance, side="right")) + 1]
    if pca_variance == 1:
        return x
    return PCA(n_components=pca_variance).fit_transform(x)


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
