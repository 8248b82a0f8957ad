"""Task detection, the task fields of LabelledData, and every bad target or label set."""

import numpy as np
import pytest

from advisor.data import LabelledData, split, subsample
from advisor.data.tasks import (
    TASK_CHOICES,
    TASKS,
    detect_task,
    multilabel_strata,
    regression_strata,
)
from advisor.errors import DataError


# ------------------------------------------------------------------------- detection
@pytest.mark.parametrize(
    ("values", "task", "words"),
    [
        (["pos", "neg", "neutral"] * 10, "classification", "3 distinct text labels"),
        ([0, 1, 2, 3] * 10, "classification", "4 distinct integer labels"),
        (["1", "2", "10"] * 10, "classification", "integer labels"),
        (list(np.arange(1, 11) / 2) * 6, "classification", "10 distinct numeric labels"),
        ([0.0, 1.0] * 20, "classification", "2 distinct integer"),
        (list(np.linspace(0.1, 9.3, 40)), "regression", "40 distinct non-integer numbers"),
        ([f"{x:.3f}" for x in np.linspace(-1, 1, 30)], "regression", "30 distinct"),
        (["a|b", "a", "c", "b|c", "a"] * 6, "multilabel", "separated by '|'"),
        ([["a", "b"], ["c"], ["a"]] * 5, "multilabel", "lists of labels"),
        (['["a", "b"]', '["c"]'] * 5, "multilabel", "lists of labels"),
    ],
)
def test_detect_task_from_one_column(values, task, words):
    found, reason = detect_task(values)
    assert found == task
    assert words in reason and reason.startswith(f"detected {task}")


def test_many_distinct_integers_stay_classes_with_a_hint():
    task, reason = detect_task(list(range(100)))
    assert task == "classification" and "pass --task regression" in reason


def test_a_separator_inside_a_few_class_names_is_not_a_label_set():
    values = ["science|fiction"] + ["drama", "comedy", "horror"] * 20  # 1 row in 61
    assert detect_task(values)[0] == "classification"
    # Sets whose parts never recur are names, not label sets.
    assert detect_task([f"x{i}|y{i}" for i in range(30)])[0] == "classification"


def test_other_separator_is_chosen_by_the_caller():
    values = ["a;b", "a", "b;c"] * 10
    assert detect_task(values)[0] == "classification"
    assert detect_task(values, separator=";")[0] == "multilabel"


def test_detect_task_from_several_columns():
    assert detect_task({"a": [0, 1, 1], "b": ["1", "0", "true"]})[0] == "multilabel"
    task, reason = detect_task({"x": [0.5, 1.5, 2.0], "y": [1, 7, 3]})
    assert task == "regression" and "2 numeric target columns ('x', 'y')" in reason
    with pytest.raises(DataError, match="neither all 0/1 .* nor all numbers"):
        detect_task({"a": [0, 1], "b": ["cat", "dog"]})


def test_task_names():
    assert TASKS == ("classification", "multilabel", "regression")
    assert TASK_CHOICES == ("auto", *TASKS)


# ---------------------------------------------------------------------------- strata
def test_regression_strata_are_quantile_bins_of_the_first_target():
    y = np.arange(250, dtype=float)
    codes, names = regression_strata(y, "price")
    assert len(names) == 10 and np.bincount(codes).tolist() == [25] * 10
    assert names[0] == "price 0..24" and names[-1] == "price 225..249"
    # Heavy ties: still two strata, never one.
    codes, names = regression_strata(np.r_[np.zeros(99), 1.0])
    assert np.bincount(codes).tolist() == [99, 1]


def test_multilabel_stratum_is_the_rarest_label_of_the_row():
    y = np.array([[1, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 0]])  # counts 4, 2, 1
    assert multilabel_strata(y).tolist() == [1, 0, 2, 1]


# ---------------------------------------------------------------- LabelledData fields
def _texts(n):
    return [f"example number {i}" for i in range(n)]


def _regression(targets, **kw):
    return LabelledData(
        "r", "text", None, [], "test", texts=_texts(len(targets)), task="regression",
        targets=targets, **kw,
    )  # fmt: skip


def _multilabel(targets, names=None, **kw):
    return LabelledData(
        "m", "text", None, [], "test", texts=_texts(len(targets)), task="multilabel",
        targets=np.asarray(targets), target_names=names, **kw,
    )  # fmt: skip


def test_regression_data_has_strata_and_survives_subsample_and_split():
    rng = np.random.default_rng(0)
    data = _regression(rng.normal(size=(300, 2)), target_names=["a", "b"])
    assert data.targets.dtype == np.float64 and data.targets.shape == (300, 2)
    assert data.num_classes == 10 and len(data.labels) == 300
    sub, idx = subsample(data, budget=100, seed=0)
    np.testing.assert_array_equal(sub.targets, data.targets[idx])
    train, val, test = split(data, seed=0)
    assert len(train) + len(val) + len(test) == 300
    assert sorted(np.r_[train.targets[:, 0], val.targets[:, 0], test.targets[:, 0]]) == sorted(
        data.targets[:, 0]
    )
    assert data.summary()["targets"]["a"]["std"] > 0.5


def test_a_subset_may_have_a_constant_target_or_miss_a_label():
    data = _regression(np.r_[np.zeros(10), np.arange(1.0, 11.0)])
    assert np.ptp(data.subset(np.arange(5)).targets) == 0.0  # no error on a subset
    ml = _multilabel([[1, 0], [1, 1], [0, 1]], ["x", "y"])
    assert ml.subset([0]).targets.tolist() == [[1, 0]]


def test_fingerprint_covers_targets_names_and_pairs():
    base = _regression(np.arange(30.0))
    assert base.fingerprint() != _regression(np.arange(30.0) * 2).fingerprint()
    assert base.fingerprint() != _regression(np.arange(30.0), target_names=["y"]).fingerprint()
    pairs = LabelledData(
        "p", "text", [0, 1], ["a", "b"], "t", texts=["x", "y"], text_pairs=["u", "v"]
    )
    other = LabelledData(
        "p", "text", [0, 1], ["a", "b"], "t", texts=["x", "y"], text_pairs=["u", "w"]
    )
    plain = LabelledData("p", "text", [0, 1], ["a", "b"], "t", texts=["x", "y"])
    assert len({pairs.fingerprint(), other.fingerprint(), plain.fingerprint()}) == 3
    assert pairs.subset([1]).text_pairs == ["v"]


def test_label_text_shows_the_label_as_written():
    ml = _multilabel([[1, 0, 1], [0, 1, 0]], ["cat", "dog", "pet"])
    assert ml.label_text(0) == "cat|pet"
    assert _regression([1.5, 2.25], target_names=["y"]).label_text(1) == "y=2.25"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: _regression([1.0, np.nan, 3.0]), ["NaN or infinite", "drop those rows"]),
        (lambda: _regression([1.0, np.inf, 3.0]), ["row 1 (target=inf)", "real numbers"]),
        (lambda: _regression([2.0, 2.0, 2.0]), ["zero variance", "values vary"]),
        (lambda: _multilabel([[1, 0], [0, 0]], ["a", "b"]), ["rows 1", "e.g. 'none'"]),
        (lambda: _multilabel([[1, 0], [1, 0]], ["a", "b"]), ["'b' is 0 in every row", "drop"]),
        (lambda: _multilabel([[1], [1]], ["a"]), ["at least 2 labels", "classification"]),
        (lambda: _multilabel([[2, 0], [0, 1]]), ["0 or 1 in every cell"]),
        (lambda: _multilabel([[1, 0], [0, 1]], ["a", "a"]), ["one distinct name per column"]),
    ],
)
def test_bad_targets_are_refused_with_the_fix(make, words):
    with pytest.raises(DataError) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_empty_pair_texts_and_misplaced_fields_are_refused():
    with pytest.raises(DataError, match=r"1 of 2 pairs have an empty second text \(rows 1\)"):
        LabelledData("p", "text", [0, 1], ["a", "b"], "t", texts=["x", "y"], text_pairs=["u", " "])
    with pytest.raises(DataError, match="one second text per example"):
        LabelledData("p", "text", [0, 1], ["a", "b"], "t", texts=["x", "y"], text_pairs=["u"])
    with pytest.raises(DataError, match="pass task='regression'"):
        LabelledData("c", "text", [0, 1], ["a", "b"], "t", texts=["x", "y"], targets=[1.0, 2.0])
    with pytest.raises(DataError, match="task must be one of"):
        LabelledData("c", "text", [0, 1], ["a", "b"], "t", texts=["x", "y"], task="ranking")
