"""Shrinkage LDA used by SFDA (and ETran's LDA score), as in the SFDA reference code."""

from __future__ import annotations

import warnings

import numpy as np

from ._linalg import class_means, symmetric_pinv_apply


def power_iteration_top_eigenvalue(a: np.ndarray, steps: int = 3) -> float:
    """SFDA's 3-step power-iteration estimate of the largest eigenvalue (utils.iterative_A).

    Deliberately approximate: SFDA's adaptive shrinkage exp(-5 lambda) is defined by it.
    """
    x = a.sum(axis=1)
    y = x
    for _ in range(steps):
        temp = a @ x
        norm = np.linalg.norm(temp)
        if norm == 0:  # a annihilates the start vector (e.g. zero within-class scatter)
            return 0.0
        y = temp / norm
        temp = a @ y
        norm = np.linalg.norm(temp)
        if norm == 0:
            return 0.0
        x = temp / norm
    return float(x @ a @ y)


def _solve_spd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a^-1 b for a symmetric positive (semi)definite a; pseudo-inverse if Cholesky fails."""
    from scipy import linalg  # lazily: keeps `import probes` light

    try:
        with warnings.catch_warnings():
            # shrinkage 1e-10 on a singular S_w (D >= N) is ill-conditioned by design
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            return linalg.solve(a, b, assume_a="pos")
    except linalg.LinAlgError:
        return symmetric_pinv_apply(a, b)


def _shrink(cov: np.ndarray, shrinkage: float) -> np.ndarray:
    d = cov.shape[0]
    out = (1.0 - shrinkage) * cov
    out.flat[:: d + 1] += shrinkage * np.trace(cov) / d
    return out


def fit_predict_proba(
    x: np.ndarray, y: np.ndarray, n_classes: int, shrinkage: float | None = None
) -> tuple[np.ndarray, float]:
    """Posterior p(y | x) of a shrinkage LDA fitted on (x, y), and the shrinkage used.

    Within-class scatter = prior-weighted biased class covariances; shrinkage None = the
    adaptive max(exp(-5 lambda_max), 1e-10). The reference keeps every generalised
    eigenvector of (S_b, S_w), so its coefficients equal means @ S_w^-1: solved directly.
    """
    means, counts = class_means(x, y, n_classes)
    priors = counts / x.shape[0]
    within = x - means[y]
    # sum_c prior_c * cov_c (ddof 0) = sum_c (n_c/N) * (1/n_c) sum_i r_i r_i^T = R^T R / N
    sw = within.T @ within / x.shape[0]
    if shrinkage is None:
        shrinkage = max(float(np.exp(-5.0 * power_iteration_top_eigenvalue(sw))), 1e-10)
    shrunk_sw = _shrink(sw, shrinkage)
    if not np.trace(shrunk_sw) > 0:
        # every class is a single point: use a vanishing isotropic covariance, not a singular one
        shrunk_sw.flat[:: sw.shape[0] + 1] += 1e-12 * max(float(np.mean(x.var(axis=0))), 1e-300)
    coef = _solve_spd(shrunk_sw, means.T).T
    intercept = -0.5 * np.einsum("cd,cd->c", means, coef) + np.log(priors)
    scores = x @ coef.T + intercept
    scores -= scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    return probs, shrinkage
