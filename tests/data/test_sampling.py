"""The probe budget (stratified subsample) and seeded train/val/test splits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.data import LabelledData, split, subsample
from advisor.data.sampling import allocate
from advisor.errors import DataError


def _data(counts: list[int], names=None) -> LabelledData:
    labels = np.repeat(np.arange(len(counts)), counts)
    labels = np.random.default_rng(1).permutation(labels)  # classes interleaved
    names = names or [f"c{k}" for k in range(len(counts))]
    features = np.arange(len(labels), dtype=np.float32)[:, None]  # row i holds the value i
    return LabelledData("t", "features", labels, names, "mem", features=features)


def test_subsample_keeps_proportions_and_the_floor():
    data = _data([5000, 3000, 1500, 400, 6])
    subset, indices = subsample(data, budget=1000, min_per_class=10, seed=0)
    counts = list(subset.class_counts().values())
    assert counts[4] == 6  # a class smaller than the floor keeps everything
    assert sum(counts) == 1000
    # the budget left after the small class is shared in proportion to class size
    share = np.array([5000, 3000, 1500, 400]) / 9900 * 994
    assert np.all(np.abs(np.array(counts[:4]) - share) <= 1.0)
    # indices really are the rows picked, sorted and unique
    assert np.array_equal(subset.features[:, 0], indices.astype(np.float32))
    assert np.all(np.diff(indices) > 0)
    assert np.array_equal(subset.labels, data.labels[indices])


def test_subsample_floor_wins_over_a_tiny_budget():
    data = _data([300, 300, 300, 300])
    subset, _ = subsample(data, budget=20, min_per_class=10)
    assert subset.class_counts() == {"c0": 10, "c1": 10, "c2": 10, "c3": 10}


def test_subsample_is_deterministic_per_seed():
    data = _data([200, 100, 50])
    a = subsample(data, budget=90, seed=3)[1]
    b = subsample(data, budget=90, seed=3)[1]
    c = subsample(data, budget=90, seed=4)[1]
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_subsample_budget_larger_than_data_returns_everything():
    data = _data([4, 5])
    subset, indices = subsample(data, budget=1000)
    assert len(subset) == 9 and indices.tolist() == list(range(9))


@pytest.mark.parametrize("budget", [0, -5, 2.5])
def test_subsample_rejects_bad_budgets(budget):
    with pytest.raises(DataError, match="budget"):
        subsample(_data([5, 5]), budget=budget)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(0, 400), min_size=2, max_size=12),
    budget=st.integers(1, 3000),
    floor=st.integers(0, 30),
)
def test_allocate_respects_caps_floors_and_budget(counts, budget, floor):
    counts = np.array(counts)
    if counts.sum() == 0:
        return
    floors = np.minimum(counts, floor)
    quotas = allocate(counts, budget, floors)
    assert np.all(quotas <= counts) and np.all(quotas >= floors)
    assert quotas.sum() == max(min(budget, counts.sum()), floors.sum())


def test_split_is_stratified_disjoint_and_complete():
    data = _data([100, 40, 20, 7])
    train, val, test = split(data, val=0.15, test=0.15, seed=0)
    rows = [set(part.features[:, 0].astype(int)) for part in (train, val, test)]
    assert not (rows[0] & rows[1]) and not (rows[0] & rows[2]) and not (rows[1] & rows[2])
    assert set.union(*rows) == set(range(len(data)))
    assert val.class_counts() == {"c0": 15, "c1": 6, "c2": 3, "c3": 1}
    assert test.class_counts() == val.class_counts()
    assert train.class_counts() == {"c0": 70, "c1": 28, "c2": 14, "c3": 5}
    assert train.class_names == data.class_names  # labels keep their meaning


def test_split_is_seeded():
    data = _data([50, 50])
    a = split(data, seed=1)[2].features[:, 0]
    b = split(data, seed=1)[2].features[:, 0]
    c = split(data, seed=2)[2].features[:, 0]
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_split_smallest_class_gets_one_each():
    train, val, test = split(_data([3, 30], names=["cat", "dog"]))
    assert [p.class_counts()["cat"] for p in (train, val, test)] == [1, 1, 1]


def test_split_class_too_small_names_it():
    with pytest.raises(DataError) as info:
        split(_data([2, 30], names=["cat", "dog"]))
    assert str(info.value) == (
        "class 'cat' has 2 examples; each class needs at least 3 for train/val/test splits; "
        "add examples or lower val/test"
    )


def test_split_without_validation_needs_two_per_class():
    train, val, test = split(_data([2, 10]), val=0.0, test=0.2)
    assert len(val) == 0 and test.class_counts() == {"c0": 1, "c1": 2}


@pytest.mark.parametrize(
    ("val", "test", "word"), [(-0.1, 0.1, "val"), (0.1, 1.0, "test"), (0.6, 0.5, r"val \+ test")]
)
def test_split_rejects_bad_fractions(val, test, word):
    with pytest.raises(DataError, match=word):
        split(_data([10, 10]), val=val, test=test)


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(3, 60), min_size=2, max_size=8),
    val=st.floats(0.05, 0.4),
    test=st.floats(0.05, 0.4),
    seed=st.integers(0, 1000),
)
def test_split_partitions_every_class_into_all_three_parts(counts, val, test, seed):
    data = _data(counts)
    parts = split(data, val=val, test=test, seed=seed)
    rows = [part.features[:, 0].astype(int).tolist() for part in parts]
    assert sorted(rows[0] + rows[1] + rows[2]) == list(range(len(data)))
    for part in parts:
        assert all(n >= 1 for n in part.class_counts().values())
    for c, n in enumerate(counts):  # val/test sizes follow the fractions (rounded, >= 1)
        n_val = parts[1].class_counts()[f"c{c}"]
        assert n_val == max(1, round(n * val)) or parts[0].class_counts()[f"c{c}"] == 1
