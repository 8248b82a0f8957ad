"""Fast implementations agree with plain restatements of the reference algorithms on random
shapes (N < D, N > D, rank-deficient, unbalanced classes), not only on the fixed vectors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.covariance import LedoitWolf

import probes


def _data(seed, n, d, c, rank=None):
    rng = np.random.default_rng(seed)
    y = np.concatenate([np.arange(c), np.arange(c), rng.integers(0, c, n - 2 * c)])
    rng.shuffle(y)
    x = rng.standard_normal((c, d))[y] * 1.5 + rng.standard_normal((n, d)) + rng.standard_normal(d)
    if rank is not None:  # rank-deficient features (duplicated directions)
        x = x[:, :rank] @ rng.standard_normal((rank, d))
    return x, y


def logme_loop(f, y):
    """Per-class loop of the thuml fixed point, with the full (D-dimensional) log-determinant."""
    n, d = f.shape
    u, s, vh = np.linalg.svd(f, full_matrices=False)
    sigma = s**2
    keep = sigma > sigma.max() * max(n, d) * np.finfo(float).eps
    u, sigma = u[:, keep], sigma[keep]
    evidences = []
    for c in range(int(y.max()) + 1):
        t_ = (y == c).astype(float)
        x2 = (u.T @ t_) ** 2
        res_x2 = (t_**2).sum() - x2.sum()
        alpha, beta = 1.0, 1.0
        for _ in range(11):
            t = alpha / beta
            gamma = (sigma / (sigma + t)).sum()
            m2 = (sigma * x2 / (t + sigma) ** 2).sum()
            res2 = (x2 / (1 + sigma / t) ** 2).sum() + res_x2
            alpha, beta = gamma / (m2 + 1e-5), (n - gamma) / (res2 + 1e-5)
            if abs(alpha / beta - t) / t <= 1e-3:
                break
        logdet = np.log(alpha + beta * sigma).sum() + (d - len(sigma)) * np.log(alpha)
        evidences.append(
            (
                d / 2 * np.log(alpha)
                + n / 2 * np.log(beta)
                - 0.5 * logdet
                - beta / 2 * res2
                - alpha / 2 * m2
                - n / 2 * np.log(2 * np.pi)
            )
            / n
        )
    return float(np.mean(evidences))


def hscore_pinv(f, y):
    cov_f = np.cov(f, rowvar=False)
    g = np.zeros_like(f)
    for c in np.unique(y):
        g[y == c] = f[y == c].mean(axis=0)
    return float(
        np.trace(np.linalg.pinv(cov_f, rcond=1e-10, hermitian=True) @ np.cov(g, rowvar=False))
    )


def regularized_hscore_sklearn(f, y):
    f = f - f.mean(axis=0)
    lw = LedoitWolf(assume_centered=False).fit(f)
    g = np.zeros_like(f)
    for c in np.unique(y):
        g[y == c] = f[y == c].mean(axis=0)
    return float(
        np.trace(np.linalg.pinv(lw.covariance_) @ ((1 - lw.shrinkage_) * np.cov(g, rowvar=False)))
    )


shapes = st.sampled_from([(80, 10, 3), (60, 90, 4), (150, 40, 6), (40, 200, 2), (120, 30, 5)])


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 100_000), shape=shapes, deficient=st.booleans())
def test_logme_matches_per_class_loop(seed, shape, deficient):
    n, d, c = shape
    x, y = _data(seed, n, d, c, rank=min(n, d) // 2 if deficient else None)
    assert probes.logme(x, y) == pytest.approx(logme_loop(x, y), rel=1e-7, abs=1e-9)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 100_000), shape=shapes)
def test_hscore_matches_pinv_formula(seed, shape):
    n, d, c = shape
    x, y = _data(seed, n, d, c)
    expected = hscore_pinv(x, y)
    assert probes.hscore(x, y) == pytest.approx(expected, rel=1e-6, abs=1e-8)
    assert expected <= c - 1 + 1e-6


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 100_000), shape=shapes)
def test_regularized_hscore_matches_sklearn_ledoit_wolf(seed, shape):
    n, d, c = shape
    x, y = _data(seed, n, d, c)
    assert probes.regularized_hscore(x, y) == pytest.approx(
        regularized_hscore_sklearn(x, y), rel=1e-7
    )


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 100_000), shape=shapes)
def test_reduced_hscore_equals_hscore_of_pca_scores(seed, shape):
    from sklearn.decomposition import PCA

    n, d, c = shape
    x, y = _data(seed, n, d, c)
    k = 5
    scores = PCA(n_components=k, svd_solver="full").fit_transform(x)
    assert probes.hscore(x, y, max_dim=k) == pytest.approx(hscore_pinv(scores, y), rel=1e-6)
    assert probes.regularized_hscore(x, y, max_dim=k) == pytest.approx(
        regularized_hscore_sklearn(scores, y), rel=1e-6
    )


def knn_brute_force(x, y, k, metric):
    """Full similarity matrix, stable sort, plain majority vote with similarity tie-break."""
    if metric == "cosine":
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        sim = x @ x.T
    else:
        sim = -((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(sim, -np.inf)
    correct = 0
    for i in range(len(y)):
        nearest = np.argsort(-sim[i], kind="stable")[:k]
        classes = np.unique(y[nearest])
        votes = [
            (
                np.sum(y[nearest] == c),
                np.sum(sim[i, nearest][y[nearest] == c] - sim[i, nearest].min()),
            )
            for c in classes
        ]
        correct += classes[max(range(len(classes)), key=lambda j: votes[j])] == y[i]
    return correct / len(y)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 100_000),
    n=st.sampled_from([30, 1100, 2100]),
    k=st.sampled_from([1, 3, 5]),
    metric=st.sampled_from(["cosine", "euclidean"]),
)
def test_knn_blocked_symmetric_search_matches_brute_force(seed, n, k, metric):
    x, y = _data(seed, n, 6, 4)  # n > 1024 exercises the off-diagonal blocks and their transposes
    assert probes.knn(x, y, k=k, metric=metric) == pytest.approx(knn_brute_force(x, y, k, metric))
