"""LogME: the log marginal evidence of a Bayesian linear model on the features.

You, Liu, Wang & Long, "LogME: Practical Assessment of Pre-trained Models for Transfer
Learning", ICML 2021, and the fixed-point algorithm of "Ranking and Tuning Pre-trained
Models", JMLR 2022 (arXiv:2110.10545).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_features, as_targets, encode_labels, one_hot

_EPS = 1e-5  # the reference adds it to both denominators of the fixed point
_MAX_ITER = 11
_TOL = 1e-3


def logme(features, labels, regression: bool = False) -> float:
    """Average log evidence per target column (higher = better).

    features: [N, D]. labels: [N] class labels, or with ``regression=True`` targets [N]
    or [N, K] (multi-label: pass the multi-hot matrix with regression=True).

    One shared eigendecomposition of F^T F (or F F^T when N < D) serves every class; the
    fixed-point updates of alpha and beta run for all classes at once. Each class stops
    as in the thuml reference (|t' - t| / t <= 1e-3, at most 11 steps), so the values match
    thuml ``LogME().fit`` for N >= D. The log-determinant always counts all D dimensions
    (paper definition): for N < D, or rank-deficient features, this adds the
    (D - rank)/2 log(alpha) term that thuml's unpatched code drops (thuml/LogME issue
    #23, PR #24); there the value matches the PR #24 code. Cost O(N D min(N, D) + min(N,D)^3).
    """
    f = as_features(features)
    n, d = f.shape
    if regression:
        y = as_targets(labels, n)
        fty = f.T @ y
        y_sq = (y * y).sum(axis=0)
    else:
        codes, classes = encode_labels(labels, n_rows=n)
        y = one_hot(codes, len(classes))
        fty = f.T @ y
        y_sq = y.sum(axis=0)
    sigma, x2 = _spectrum(f, y, fty)
    res_x2 = y_sq - x2.sum(axis=0)
    alpha, beta, m2, res2 = _fixed_point(sigma, x2, res_x2, n)
    evidence = (
        d / 2.0 * np.log(alpha)
        + n / 2.0 * np.log(beta)
        - 0.5 * np.log(alpha[None, :] + beta[None, :] * sigma[:, None]).sum(axis=0)
        - 0.5 * (d - sigma.shape[0]) * np.log(alpha)
        - beta / 2.0 * res2
        - alpha / 2.0 * m2
        - n / 2.0 * np.log(2 * np.pi)
    )
    return float(np.mean(evidence / n))


def _spectrum(f: np.ndarray, y: np.ndarray, fty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nonzero squared singular values of f, and (U^T y)^2 for every column of y."""
    n, d = f.shape
    if n > d:
        evals, v = np.linalg.eigh(f.T @ f)
        keep = evals > evals.max() * d * np.finfo(np.float64).eps
        sigma, v = evals[keep], v[:, keep]
        x = (v.T @ fty) / np.sqrt(sigma)[:, None]  # U^T y with U = F V / s
    else:
        evals, u = np.linalg.eigh(f @ f.T)
        keep = evals > evals.max() * n * np.finfo(np.float64).eps
        sigma, u = evals[keep], u[:, keep]
        x = u.T @ y
    return sigma, x * x


def _fixed_point(sigma, x2, res_x2, n):
    """Vectorised MacKay fixed point for every target column; frozen once converged."""
    cols = x2.shape[1]
    alpha, beta = np.ones(cols), np.ones(cols)
    m2, res2 = np.zeros(cols), np.zeros(cols)
    active = np.arange(cols)
    s = sigma[:, None]
    for _ in range(_MAX_ITER):
        t = alpha[active] / beta[active]
        denom = s + t[None, :]
        xa = x2[:, active]
        gamma = (s / denom).sum(axis=0)
        m2_new = (s * xa / denom**2).sum(axis=0)
        res2_new = (xa / (1.0 + s / t[None, :]) ** 2).sum(axis=0) + res_x2[active]
        a_new = gamma / (m2_new + _EPS)
        b_new = (n - gamma) / (res2_new + _EPS)
        alpha[active], beta[active] = a_new, b_new
        m2[active], res2[active] = m2_new, res2_new
        done = np.abs(a_new / b_new - t) / t <= _TOL
        active = active[~done]
        if active.size == 0:
            break
    return alpha, beta, m2, res2
