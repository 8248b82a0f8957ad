"""Seeded, stratified subsampling (the probe budget, the half-samples of the rank intervals)
and train/val/test splits."""

from __future__ import annotations

import numpy as np

from advisor import validation
from advisor.data.labelled import LabelledData
from advisor.errors import DataError


def subsample(
    data: LabelledData, budget: int = 1000, min_per_class: int = 10, seed: int = 0
) -> tuple[LabelledData, np.ndarray]:
    """Pick about ``budget`` examples keeping the class proportions; return (subset, indices).

    Every class keeps at least min(min_per_class, its size) examples, even when that takes
    the total over budget. Indices are sorted and depend only on (labels, budget,
    min_per_class, seed).
    """
    validation.BUDGET.check(budget, error=DataError)
    validation.MIN_PER_CLASS.check(min_per_class, error=DataError)
    counts = np.bincount(data.labels, minlength=data.num_classes)
    if budget >= len(data):
        indices = np.arange(len(data), dtype=np.int64)
        return data.subset(indices), indices
    quotas = allocate(counts, int(budget), np.minimum(counts, int(min_per_class)))
    rng = np.random.default_rng(seed)
    chosen = [
        rng.permutation(np.flatnonzero(data.labels == c))[:q] for c, q in enumerate(quotas) if q > 0
    ]
    indices = np.sort(np.concatenate(chosen)).astype(np.int64)
    return data.subset(indices), indices


def half_sample(labels: np.ndarray, rng: np.random.Generator, fraction: float = 0.5) -> np.ndarray:
    """Sorted row indices: ``fraction`` of every class, drawn without replacement (at least 2
    rows of a class that has 2). The resampling of the rank intervals and the probes' row
    cap both use it, so a class is never lost to either."""
    labels = np.asarray(labels)
    picks = []
    for cls in np.unique(labels):
        rows = np.flatnonzero(labels == cls)
        k = min(len(rows), max(2, int(round(fraction * len(rows)))))
        picks.append(rng.choice(rows, size=k, replace=False))
    if not picks:
        return np.array([], dtype=np.int64)
    return np.sort(np.concatenate(picks))


def allocate(counts: np.ndarray, budget: int, floors: np.ndarray) -> np.ndarray:
    """Per-class quotas: floors first, the rest of the budget in proportion to class size
    (largest remainders), never more than a class has."""
    counts = np.asarray(counts, dtype=np.int64)
    quotas = np.minimum(np.asarray(floors, dtype=np.int64), counts)
    remaining = budget - int(quotas.sum())
    while remaining > 0:
        room = counts - quotas
        open_ = room > 0
        if not open_.any():
            break
        # Proportional targets for the whole budget, minus what each class already has.
        ideal = budget * counts / counts.sum()
        want = np.where(open_, np.maximum(ideal - quotas, 0.0), 0.0)
        if want.sum() <= 0:  # floors already exceed every proportional share
            want = np.where(open_, room.astype(float), 0.0)
        share = want / want.sum() * remaining
        grant = np.minimum(np.floor(share).astype(np.int64), room)
        leftover = remaining - int(grant.sum())
        if leftover > 0:
            order = np.argsort(-(share - np.floor(share)), kind="stable")
            for c in order:
                if leftover == 0:
                    break
                if room[c] - grant[c] > 0:
                    grant[c] += 1
                    leftover -= 1
        if grant.sum() == 0:
            break
        quotas += grant
        remaining -= int(grant.sum())
    return quotas


def split(
    data: LabelledData, val: float = 0.15, test: float = 0.15, seed: int = 0
) -> tuple[LabelledData, LabelledData, LabelledData]:
    """Stratified (train, val, test), seeded. Each class puts at least one example in every
    non-empty part; a class too small for that raises DataError. For regression and
    multilabel data the strata stand in for classes, and one too small goes to train."""
    for name, value in (("val", val), ("test", test)):
        if not 0.0 <= value < 1.0:
            raise DataError(f"{name} is {value}; pass a fraction in [0, 1), e.g. 0.15")
    if val + test >= 1.0:
        raise DataError(f"val + test is {val + test:.2f}; it must leave data to train on (< 1)")
    parts_needed = 1 + (val > 0) + (test > 0)
    rng = np.random.default_rng(seed)
    train_idx, val_idx, test_idx = [], [], []
    for c, name in enumerate(data.class_names):
        members = np.flatnonzero(data.labels == c)
        n = len(members)
        if n == 0:
            continue
        if n < parts_needed and data.task != "classification":
            # A stratum (a rare label's rows, a target bin) is not a class: keep it whole
            # in train rather than refuse the split.
            train_idx.append(members)
            continue
        if n < parts_needed:
            raise DataError(
                f"class '{name}' has {n} example{'s' if n != 1 else ''}; each class needs at "
                f"least {parts_needed} for train/val/test splits; add examples or lower val/test"
            )
        n_val = max(1, round(n * val)) if val > 0 else 0
        n_test = max(1, round(n * test)) if test > 0 else 0
        while n - n_val - n_test < 1:  # keep one training example
            if n_val >= n_test and n_val > 1:
                n_val -= 1
            else:
                n_test -= 1
        members = rng.permutation(members)
        val_idx.append(members[:n_val])
        test_idx.append(members[n_val : n_val + n_test])
        train_idx.append(members[n_val + n_test :])
    return tuple(  # type: ignore[return-value]
        data.subset(np.sort(np.concatenate(part)) if part else np.array([], dtype=np.int64))
        for part in (train_idx, val_idx, test_idx)
    )
