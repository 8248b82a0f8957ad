"""Train / validation / test splits for fine-tuning.

Either the user's own split (a ``(train, val, test)`` tuple, or data whose ``splits``
attribute names each example's part, e.g. a ``split`` column in a CSV/JSONL) or a seeded
stratified split. The test part is only ever used for the final report.
"""

from __future__ import annotations

import hashlib

import numpy as np

from advisor.errors import DataError

PARTS = ("train", "val", "test")
MIN_PER_CLASS = 3  # one example each for train, validation and test


def check_classes(data) -> None:
    """At least two classes, and enough examples of each for a stratified 3-way split."""
    counts = data.class_counts()
    present = {name: n for name, n in counts.items() if n > 0}
    if len(present) < 2:
        only = next(iter(present), "none")
        raise DataError(
            f"data '{data.name}' has a single class ({only}); fine-tuning a classifier needs "
            "at least two labelled classes"
        )
    few = {name: n for name, n in present.items() if n < MIN_PER_CLASS}
    if few:
        listed = ", ".join(f"{name!r} ({n})" for name, n in sorted(few.items())[:5])
        raise DataError(
            f"too few examples per class for a train/val/test split: {listed}; each class needs "
            f"at least {MIN_PER_CLASS} examples: add examples, drop those classes, "
            "or pass your own split"
        )


def make_splits(data, *, val: float, test: float, seed: int):
    """Return (full_data, train, val, test)."""
    if isinstance(data, tuple):
        return _given_parts(data)
    check_classes(data)
    user_parts = getattr(data, "splits", None)
    if user_parts is not None:
        parts = np.asarray(user_parts).astype(str)
        unknown = sorted(set(parts) - set(PARTS))
        if unknown:
            raise DataError(f"split column has values {unknown}; use only train, val and test")
        train, val_part, test_part = (data.subset(np.flatnonzero(parts == p)) for p in PARTS)
    else:
        from advisor.data import split

        train, val_part, test_part = split(data, val=val, test=test, seed=seed)
    _check_parts(train, val_part, test_part)
    return data, train, val_part, test_part


def _given_parts(parts: tuple):
    from advisor.data import load_data

    if len(parts) != 3:
        raise DataError(f"data as a tuple must be (train, val, test), got {len(parts)} items")
    train, val_part, test_part = (load_data(p) for p in parts)
    tasks = {getattr(p, "task", "classification") for p in (train, val_part, test_part)}
    if len(tasks) > 1:
        raise DataError(
            f"train, val and test were read as different tasks ({', '.join(sorted(tasks))}); "
            "pass the same --task for all three (or give one file with a split column)"
        )
    # Regression strata are quantile bins of each part's own targets: only the targets'
    # names must agree there; classes and multi-label label lists must agree exactly.
    kind = "target columns" if tasks == {"regression"} else "class lists"
    names = [_part_names(p) for p in (train, val_part, test_part)]
    if not names[0] == names[1] == names[2]:
        raise DataError(
            f"train, val and test have different {kind}; load them with the same labels "
            "(or give one file with a split column)"
        )
    _check_parts(train, val_part, test_part)
    return train, train, val_part, test_part


def _part_names(part) -> list[str]:
    if getattr(part, "task", "classification") == "regression":
        return list(part.target_names or [])
    return list(part.class_names)


def _check_parts(train, val_part, test_part) -> None:
    for name, part in (("train", train), ("val", val_part), ("test", test_part)):
        if len(part) == 0:
            raise DataError(
                f"the {name} split is empty; give it some examples (or lower/raise --val/--test)"
            )
    counts = train.class_counts()
    if sum(1 for n in counts.values() if n > 0) < 2:
        raise DataError("the train split has a single class; fine-tuning needs at least two")
    missing = [name for name, n in counts.items() if n == 0]
    if missing:
        raise DataError(
            f"classes {missing[:5]} have no training examples; add examples of them to the "
            "train split or remove those classes"
        )


def splits_fingerprint(train, val_part, test_part) -> str:
    digest = hashlib.sha256()
    for part in (train, val_part, test_part):
        digest.update(part.fingerprint().encode())
    return digest.hexdigest()[:16]
