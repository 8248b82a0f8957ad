"""The float32-screened, float64-confirmed neighbour search (probes._topk) is exact: on real
digits, across many blocks, and on near-duplicates that float32 cannot tell apart."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from test_probe_restatements import knn_brute_force

import probes
from probes import _topk


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return x.astype(np.float64), y


def _brute_top_sims(x, k, metric):
    """Every row's k largest similarities to the other rows, from the full float64 matrix."""
    if metric == "cosine":
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        sim = x @ x.T
    else:  # 64 rows at a time: the whole [N, N, D] difference array would take gigabytes
        sim = np.vstack(
            [-((x[None] - x[i : i + 64, None]) ** 2).sum(-1) for i in range(0, len(x), 64)]
        )
    np.fill_diagonal(sim, -np.inf)
    return -np.sort(-sim, axis=1)[:, :k]


@pytest.fixture(
    params=[(None, None), (0, None), (0, 4 * 256 * 256)],
    ids=["float64-direct", "float32-screened", "screened-256-row-blocks"],
)
def search(request, monkeypatch):
    """Both search paths (digits' 1797 rows are below the direct path's limit), and 256-row
    screening blocks, so digits spans 7 x 7 blocks and the sparse merges run."""
    direct_n, block_bytes = request.param
    if direct_n is not None:
        monkeypatch.setattr(_topk, "_DIRECT_N", direct_n)
    if block_bytes is not None:
        monkeypatch.setattr(_topk, "_BLOCK_BYTES", block_bytes)


@pytest.mark.parametrize("k", [1, 5])
def test_knn_accuracy_on_digits_equals_brute_force(digits, search, k):
    x, y = digits
    assert probes.knn(x, y, k=k) == knn_brute_force(x, y, k, "cosine")


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_neighbours_on_digits_are_the_brute_force_nearest(digits, search, metric):
    """Tie-proof: the k similarities found are the k largest (digit pixels are integers, so
    euclidean distances tie often and only the values, not the indices, are unique)."""
    x, _ = digits
    unit = x / np.linalg.norm(x, axis=1, keepdims=True) if metric == "cosine" else x
    sims, index = _topk.exact_nearest(unit, 5, euclidean=metric == "euclidean")
    np.testing.assert_allclose(sims, _brute_top_sims(x, 5, metric), rtol=1e-10, atol=1e-10)
    assert not (index == np.arange(len(x))[:, None]).any()  # leave one out
    assert (np.diff(sims, axis=1) <= 0).all()  # nearest first


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_near_duplicates_finer_than_float32_are_resolved_in_float64(monkeypatch, metric):
    """Clusters of copies 1e-5 apart (norms ~8): float32 cannot order a row's neighbours inside its
    cluster, float64 can, and the random labels make the accuracy depend on that order."""
    monkeypatch.setattr(_topk, "_DIRECT_N", 0)  # screen in float32 even at 500 rows
    calls = []
    monkeypatch.setattr(_topk, "_float64_nearest", _spy(_topk._float64_nearest, calls))
    rng = np.random.default_rng(0)
    base = rng.standard_normal((20, 64))
    x = np.repeat(base, 25, axis=0) + 1e-5 * rng.standard_normal((500, 64))
    y = rng.integers(0, 5, 500)
    assert probes.knn(x, y, metric=metric) == knn_brute_force(x, y, 5, metric)
    sims, _ = _topk.exact_nearest(
        x / np.linalg.norm(x, axis=1, keepdims=True) if metric == "cosine" else x,
        5,
        euclidean=metric == "euclidean",
    )
    np.testing.assert_allclose(sims, _brute_top_sims(x, 5, metric), rtol=1e-10, atol=1e-10)
    assert sum(rows.size for rows in calls) > 250  # most rows needed the float64 fallback


def _spy(func, calls):
    def wrapper(x, sq, rows, k, euclidean):
        calls.append(rows)
        return func(x, sq, rows, k, euclidean)

    return wrapper


def test_knn_regression_shares_the_exact_search(digits):
    """knn_regression searches with knn.neighbours: its neighbours are exact too."""
    from probes.knn import neighbours

    x, _ = digits
    sims, _ = neighbours(x, 3, "cosine")
    np.testing.assert_allclose(sims, _brute_top_sims(x, 3, "cosine"), rtol=1e-10, atol=1e-10)
