"""Properties every probe must have, whatever the data: invariances, ordering, finiteness."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from probe_helpers import separable_data, source_probs_for

import probes

# class-label probes (the regression / multi-label ones: tests/probes/test_tasks_probes.py)
CANDIDATE = [
    name
    for name, spec in probes.REGISTRY.items()
    if spec.level == "candidate" and "multiclass" in spec.tasks
]
# probes whose randomness (CV folds, GMM init) follows the row order through the seed
ORDER_DEPENDENT = {"linear_probe", "nleep"}
SLOW = {"nleep", "linear_probe"}
FAST = [name for name in CANDIDATE if name not in SLOW]


def score(name, x, y, probs=None, seed=0):
    return probes.REGISTRY[name].compute(features=x, labels=y, source_probs=probs, seed=seed)


def dataset(seed, n=120, d=12, c=3):
    x, y = separable_data(n=n, d=d, c=c, seed=seed, spread=1.5)
    return x, y, source_probs_for(y, seed=seed)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.integers(1, 50))
def test_label_renaming_does_not_change_scores(seed, shift):
    x, y, p = dataset(seed)
    renamed = np.array([f"class-{(v * 7 + shift)}" for v in y])  # strings, non-contiguous order
    for name in FAST:
        assert score(name, x, renamed, p) == pytest.approx(
            score(name, x, y, p), rel=1e-8, abs=1e-10
        ), name


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_sample_order_does_not_change_scores(seed):
    x, y, p = dataset(seed)
    order = np.random.default_rng(seed + 1).permutation(len(y))
    for name in FAST:
        if name in ORDER_DEPENDENT:
            continue
        assert score(name, x[order], y[order], p[order]) == pytest.approx(
            score(name, x, y, p), rel=1e-8, abs=1e-10
        ), name


# source_coverage reads only the class count from the labels, so shuffling cannot move it
LABELLED = [
    name
    for name in CANDIDATE
    if "labels" in probes.REGISTRY[name].needs and name != "source_coverage"
]


@pytest.mark.parametrize("name", LABELLED)
def test_separable_features_beat_shuffled_labels(name):
    x, y = separable_data(n=200, d=16, c=4, seed=3, spread=3.0)
    p = source_probs_for(y, seed=3, sharpness=4.0)
    shuffled = np.random.default_rng(0).permutation(y)
    # shuffling labels also breaks the source head's agreement with them
    assert score(name, x, y, p) > score(name, x, shuffled, p)


@pytest.mark.parametrize("name", ["source_entropy"])
def test_confident_source_head_beats_unsure_one(name):
    _, y = separable_data(n=100, c=4)
    sharp, flat = source_probs_for(y, sharpness=8.0), source_probs_for(y, sharpness=0.1)
    assert probes.source_entropy(sharp) > probes.source_entropy(flat)
    assert -1.0 <= probes.source_entropy(flat) <= 0.0


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.sampled_from([1e-3, 1.0, 1e3]))
def test_scores_are_finite_at_any_feature_scale(seed, scale):
    x, y, p = dataset(seed)
    for name in FAST:
        assert np.isfinite(score(name, x * scale, y, p)), name


@pytest.mark.parametrize("name", ["linear_probe", "nleep", "parc", "knn"])
def test_seeded_probes_are_deterministic(name):
    x, y, p = dataset(7, n=150)
    assert score(name, x, y, p, seed=5) == score(name, x, y, p, seed=5)


@pytest.mark.parametrize("name", CANDIDATE)
def test_float32_and_float64_agree(name):
    x, y, p = dataset(11)
    assert score(name, x.astype(np.float32), y, p.astype(np.float32)) == pytest.approx(
        score(
            name,
            x.astype(np.float32).astype(np.float64),
            y,
            p.astype(np.float32).astype(np.float64),
        ),
        rel=1e-12,
        abs=1e-12,
    )
    assert score(name, x.astype(np.float32), y, p) == pytest.approx(
        score(name, x, y, p), rel=1e-3, abs=1e-4
    )


def test_logme_multilabel_and_regression():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((150, 10))
    targets = x @ rng.standard_normal((10, 2)) + 0.1 * rng.standard_normal((150, 2))
    good = probes.logme(x, targets, regression=True)
    bad = probes.logme(x, rng.permutation(targets), regression=True)
    assert good > bad
    multi_hot = (targets > 0).astype(int)
    assert probes.REGISTRY["logme"].compute(features=x, labels=multi_hot) == pytest.approx(
        probes.logme(x, multi_hot, regression=True)
    )
    assert probes.infer_task(multi_hot) == "multilabel"
    assert probes.infer_task(targets) == "regression"


def test_transrate_class_weighting_options():
    x, y = separable_data(n=150, c=3)
    uniform = probes.transrate(x, y)
    proportional = probes.transrate(x, y, class_weighting="proportional")
    assert np.isfinite(proportional)
    balanced = np.arange(150) % 3
    xb = x[np.argsort(y, kind="stable")]
    assert probes.transrate(xb, np.sort(balanced), class_weighting="proportional") == pytest.approx(
        probes.transrate(xb, np.sort(balanced)), rel=1e-12
    )  # equal class sizes: same weights
    assert uniform != proportional or np.all(np.bincount(y) == np.bincount(y)[0])


def test_transrate_rms_normalisation_removes_the_scale_dependence():
    x, y = separable_data(n=150, c=3)
    assert probes.transrate(x * 1e-3, y) < 0.5 * probes.transrate(
        x, y
    )  # small activations look worse
    assert probes.transrate(x * 1e-3, y, normalize="rms") == pytest.approx(
        probes.transrate(x, y, normalize="rms"), rel=1e-9
    )
    with pytest.raises(ValueError, match="normalize must be None or 'rms'"):
        probes.transrate(x, y, normalize="l2")
