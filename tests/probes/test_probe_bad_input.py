"""Bad input gets a ValueError naming the argument, the problem and the fix."""

from __future__ import annotations

import numpy as np
import pytest
from probe_helpers import separable_data, source_probs_for

import probes

X, Y = separable_data(n=60, d=6, c=3)
P = source_probs_for(Y)
FEATURE_PROBES = [  # class-label probes (other tasks: tests/probes/test_tasks_probes.py)
    n
    for n, s in probes.REGISTRY.items()
    if s.level == "candidate" and "features" in s.needs and "multiclass" in s.tasks
]


def call(name, x=X, y=Y, p=P):
    return probes.REGISTRY[name].compute(features=x, labels=y, source_probs=p)


@pytest.mark.parametrize("name", FEATURE_PROBES)
def test_mismatched_lengths(name):
    with pytest.raises(
        ValueError, match=r"labels has 59 rows but features has 60; pass one label per row"
    ):
        call(name, y=Y[:59])


@pytest.mark.parametrize("name", FEATURE_PROBES)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_features(name, bad):
    x = X.copy()
    x[4, 2] = bad
    with pytest.raises(
        ValueError,
        match=r"features has 1 NaN or infinite value\(s\) \(first in row 4\); drop or impute",
    ):
        call(name, x=x)


@pytest.mark.parametrize("name", FEATURE_PROBES + ["leep", "nce"])
def test_single_class(name):
    with pytest.raises(
        ValueError,
        match=r"labels has a single class \(0\); transferability needs at least 2 classes",
    ):
        call(name, y=np.zeros(60, dtype=int))


@pytest.mark.parametrize("name", FEATURE_PROBES + ["leep", "nce"])
def test_class_with_one_example(name):
    y = Y.copy()
    y[0] = 7
    with pytest.raises(
        ValueError,
        match=r"labels has class\(es\) 7 with fewer than 2 examples; add examples or drop",
    ):
        call(name, y=y)


def test_fewer_rows_than_classes():
    with pytest.raises(
        ValueError, match=r"labels has 3 rows for 3 classes; every class needs at least 2"
    ):
        probes.logme(X[:3], [0, 1, 2])


@pytest.mark.parametrize("name", FEATURE_PROBES)
def test_empty_arrays(name):
    with pytest.raises(ValueError, match=r"features is empty \(shape \(0, 6\)\)"):
        call(name, x=np.zeros((0, 6)), y=np.zeros(0, dtype=int))


@pytest.mark.parametrize("name", ["leep", "source_entropy", "source_coverage"])
def test_probabilities_must_sum_to_one(name):
    bad = P * 1.5
    with pytest.raises(
        ValueError, match=r"source_probs rows must sum to 1 but row 0 sums to 1.5; pass softmax"
    ):
        call(name, p=bad)


@pytest.mark.parametrize("name", ["leep", "nce", "source_entropy"])
def test_logits_are_recognised(name):
    with pytest.raises(
        ValueError, match=r"source_probs has negative entries, so these look like logits"
    ):
        call(name, p=np.log(P))


def test_missing_source_head_is_explained():
    with pytest.raises(
        ValueError, match=r"probe 'leep' needs source_probs .*this candidate has none"
    ):
        probes.REGISTRY["leep"].compute(features=X, labels=Y)


@pytest.mark.parametrize("name", FEATURE_PROBES)
def test_string_and_non_contiguous_labels_are_mapped(name):
    names = np.array(["cat", "dog", "emu"])[Y]
    gapped = np.array([3, 10, 42])[Y]
    reference = call(name)
    assert call(name, y=names) == pytest.approx(reference, rel=1e-9)
    assert call(name, y=gapped) == pytest.approx(reference, rel=1e-9)


def test_other_bad_shapes_and_values():
    with pytest.raises(ValueError, match=r"features must be 2-D \[N, D\] but has shape \(60,\)"):
        probes.logme(X[:, 0], Y)
    with pytest.raises(ValueError, match=r"labels holds non-integer floats.*regression=True"):
        probes.hscore(X, Y + 0.5)
    with pytest.raises(ValueError, match=r"features is constant"):
        probes.logme(np.ones((60, 4)), Y)
    with pytest.raises(
        ValueError, match=r"labels must be 1-D class labels but has shape \(60, 2\)"
    ):
        probes.knn(X, np.stack([Y, Y], axis=1))
    with pytest.raises(ValueError, match=r"labels mixes label types"):
        probes.knn(X, np.array([1, "a"] * 30, dtype=object))
    with pytest.raises(ValueError, match=r"max_dim must be None, a positive int or 'auto'"):
        probes.hscore(X, Y, max_dim="all")
    with pytest.raises(ValueError, match=r"k must be an int between 1 and N-1=59"):
        probes.knn(X, Y, k=60)
    with pytest.raises(ValueError, match=r"probe 'leep' does not support task 'regression'"):
        probes.REGISTRY["leep"].compute(labels=np.linspace(0, 1, 60) + 0.01, source_probs=P)
    with pytest.raises(ValueError, match=r"source_labels has 59 rows but labels has 60"):
        probes.nce(np.zeros(59, dtype=int), Y)
    with pytest.raises(
        ValueError, match=r"labels has 10 rows but features has 60; pass one target row"
    ):
        probes.logme(X, np.zeros((10, 2)), regression=True)


def test_set_level_needs_a_list_of_candidates():
    with pytest.raises(ValueError, match=r"features has 1 candidate\(s\); .*pass at least 2"):
        probes.ncti([X], Y)
    with pytest.raises(
        ValueError, match=r"features must be a list with one \[N, D\] array per candidate"
    ):
        probes.etran(X, Y)
