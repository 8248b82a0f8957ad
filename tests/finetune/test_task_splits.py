"""Separate train/val/test files for the new tasks: the parts must agree on what they label."""

import numpy as np
import pytest

from advisor.errors import DataError
from advisor.finetuning.splits import make_splits


def _regression_npz(path, n, low, high, seed):
    rng = np.random.default_rng(seed)
    np.savez(path, features=rng.normal(size=(n, 4)), targets=rng.uniform(low, high, size=n))
    return str(path)


def test_regression_parts_with_their_own_target_ranges_split_as_given(tmp_path):
    # Each part's strata are quantile bins of its own targets, so their names differ; the
    # parts still describe one regression target and must be accepted.
    parts = tuple(
        _regression_npz(tmp_path / f"{name}.npz", n, low, high, seed)
        for seed, (name, n, low, high) in enumerate(
            [("train", 60, 0.0, 10.0), ("val", 20, 2.0, 5.0), ("test", 20, 1.0, 9.0)]
        )
    )
    full, train, val, test = make_splits(parts, val=0.15, test=0.15, seed=0)
    assert (len(train), len(val), len(test)) == (60, 20, 20)
    assert train.task == val.task == test.task == "regression"


def test_parts_read_as_different_tasks_are_refused_with_the_fix(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "val.npz", features=rng.normal(size=(20, 4)), labels=np.arange(20) % 2)
    parts = (
        _regression_npz(tmp_path / "train.npz", 60, 0.0, 10.0, 1),
        str(tmp_path / "val.npz"),
        _regression_npz(tmp_path / "test.npz", 20, 0.0, 10.0, 2),
    )
    with pytest.raises(DataError, match="different tasks .*pass the same --task"):
        make_splits(parts, val=0.15, test=0.15, seed=0)
