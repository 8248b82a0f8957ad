"""Regression and multi-label probes: they order informative over uninformative features,
take the registry's uniform call with a task, and refuse targets they cannot score."""

from __future__ import annotations

import numpy as np
import pytest

import probes

REGRESSION = ["logme", "knn_regression", "ridge"]
MULTILABEL = ["logme", "linear_map"]


def regression_data(n=150, d=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = np.column_stack([x[:, 0] * 2 + x[:, 1], np.sin(x[:, 2]) + 0.5 * x[:, 3]])
    y += 0.1 * rng.standard_normal(y.shape)
    return x, y, rng.standard_normal((n, d))


def multilabel_data(n=160, d=8, k=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = (x[:, :k] + 0.3 * rng.standard_normal((n, k)) > 0.3).astype(np.uint8)
    return x, y, rng.standard_normal((n, d))


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_probes_prefer_the_features_that_predict_the_targets(name):
    x, y, noise = regression_data()
    spec = probes.REGISTRY[name]
    good = spec.compute(features=x, labels=y, task="regression")
    bad = spec.compute(features=noise, labels=y, task="regression")
    assert np.isfinite(good) and np.isfinite(bad) and good > bad


def test_r2_probes_read_as_r2():
    x, y, noise = regression_data(n=300)
    linear = x[:, 0] * 2 + x[:, 1]  # exactly linear: ridge explains it
    assert probes.ridge(x, linear) > 0.99
    assert probes.ridge(noise, linear) < 0.05  # pure noise: no better than the mean
    assert probes.knn_regression(x, y) > 0.5
    assert probes.knn_regression(noise, y) < 0.1
    # a 1-D target and the same target as a single column score the same
    assert probes.knn_regression(x, y[:, 0]) == pytest.approx(probes.knn_regression(x, y[:, :1]))


@pytest.mark.parametrize("name", MULTILABEL)
def test_multilabel_probes_prefer_the_features_that_predict_the_labels(name):
    x, y, noise = multilabel_data()
    spec = probes.REGISTRY[name]
    good = spec.compute(features=x, labels=y, task="multilabel")
    bad = spec.compute(features=noise, labels=y, task="multilabel")
    assert good > bad


def test_linear_map_is_mean_average_precision():
    x, y, noise = multilabel_data(n=200)
    chance = float(y.mean())  # AP of a random scorer is about the positive rate
    assert probes.linear_map(x, y) > 0.9
    assert abs(probes.linear_map(noise, y) - chance) < 0.15
    assert probes.linear_map(x, y, seed=1) == pytest.approx(probes.linear_map(x, y, seed=1))


def test_registry_lists_the_task_probes_as_defaults():
    assert probes.default_probes("regression", has_source_probs=False) == REGRESSION
    assert probes.default_probes("multilabel", has_source_probs=False) == MULTILABEL
    for name in ("knn_regression", "ridge", "linear_map"):
        assert name not in probes.default_probes("multiclass")


def test_a_probe_refuses_a_task_it_does_not_define():
    x, y, _ = regression_data()
    with pytest.raises(ValueError, match="does not support task 'regression'"):
        probes.REGISTRY["knn"].compute(features=x, labels=y, task="regression")
    with pytest.raises(ValueError, match="does not support task 'multiclass'"):
        probes.REGISTRY["ridge"].compute(features=x, labels=np.arange(150) % 3, task="multiclass")


@pytest.mark.parametrize("name", ["knn_regression", "ridge"])
def test_regression_bad_targets(name):
    x, y, _ = regression_data()
    func = getattr(probes, name)
    with pytest.raises(ValueError, match="constant, so R\\^2 is undefined"):
        func(x, np.column_stack([y[:, 0], np.ones(len(y))]))
    bad = y.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        func(x, bad)
    with pytest.raises(ValueError, match="149 rows but features has 150"):
        func(x, y[:149])


def test_linear_map_bad_labels():
    x, y, _ = multilabel_data()
    with pytest.raises(ValueError, match="only 0 and 1"):
        probes.linear_map(x, y * 2)
    always = y.copy()
    always[:, 1] = 1
    with pytest.raises(ValueError, match="column 1 is always set"):
        probes.linear_map(x, always)
    with pytest.raises(ValueError, match="K >= 2 labels"):
        probes.linear_map(x, y[:, 0])


def test_digit_value_regression_on_real_pixels():
    from sklearn.datasets import load_digits

    digits = load_digits()
    pixels, value = digits.data[:400], digits.target[:400].astype(float)
    blurred = pixels.reshape(-1, 8, 8)[:, ::4, ::4].reshape(len(pixels), -1)  # 2x2 pixels left
    for name in REGRESSION:
        spec = probes.REGISTRY[name]
        assert spec.compute(features=pixels, labels=value, task="regression") > spec.compute(
            features=blurred, labels=value, task="regression"
        ), name
