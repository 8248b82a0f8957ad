"""Label mapping and the checks every loader shares (one class, mostly unreadable, duplicates)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Sequence

import numpy as np

from advisor.errors import DataError


def encode_labels(raw: Sequence, *, what: str = "labels") -> tuple[np.ndarray, list[str]]:
    """Map raw labels (strings or ints) to contiguous 0..C-1; return (codes, class_names).

    Numeric labels sort numerically ("2" before "10"), others alphabetically, so the order is
    the same whatever order the rows come in.
    """
    values = [_normalise(v) for v in raw]
    unique = set(values)
    refuse_regression_target(unique, len(values), what)
    if all(isinstance(v, int) for v in unique):
        ordered = sorted(unique)
    elif not all(isinstance(v, str) for v in unique):  # ints mixed with strings: 1 == "1"
        values = [str(v) for v in values]
        return encode_labels(values, what=what)
    elif all(_as_int(v) is not None for v in unique):
        ordered = sorted(unique, key=_as_int)
    else:
        ordered = sorted(unique, key=str)
    index = {v: i for i, v in enumerate(ordered)}
    codes = np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))
    return codes, [str(v) for v in ordered]


def refuse_regression_target(unique: set, n: int, what: str = "labels") -> None:
    """Raise when the labels look like a continuous target rather than classes.

    The signs: every label is a finite number, some are not whole, and there are many
    distinct values (over 20, or half the examples or more). Half-star ratings
    (0.5 ... 5.0) stay classes; 40 prices seen once each do not.
    """
    numbers = sorted(x for x in (_as_float(v) for v in unique) if x is not None)
    if len(numbers) < len(unique) or all(x.is_integer() for x in numbers):
        return
    distinct = len(numbers)
    if distinct <= 20 and (distinct < 5 or distinct * 2 < n):
        return
    shown = ", ".join(f"{x:g}" for x in (numbers[0], numbers[len(numbers) // 2], numbers[-1]))
    raise DataError(
        f"{what} look like a regression target, not classes: {distinct} distinct numbers "
        f"among {n} examples (e.g. {shown}); pass --task regression (task='regression') "
        "to predict the values, or bin the values into classes (e.g. low/medium/high, or "
        "pandas.qcut(values, 4)), or point --label-column at a column of class names"
    )


def _as_float(v) -> float | None:
    if isinstance(v, bool):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _normalise(v) -> Hashable:
    if isinstance(v, (bool, np.bool_)):
        return str(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return int(v)
    return str(v).strip()


def _as_int(v) -> int | None:
    if isinstance(v, int):
        return v
    try:
        return int(str(v))
    except ValueError:
        return None


def require_two_classes(class_names: list[str], source: str) -> None:
    if len(class_names) < 2:
        only = f"only one class ('{class_names[0]}')" if class_names else "no labelled examples"
        raise DataError(
            f"{source} has {only}; ranking backbones needs at least 2 classes: "
            "add examples of other classes"
        )


def require_mostly_readable(total: int, bad: list[tuple[str, str]], source: str, kind: str) -> None:
    """Raise when nothing, or more than half, of the inputs could be read."""
    if total == 0:
        return
    if len(bad) * 2 > total:
        shown = "; ".join(f"{item}: {reason}" for item, reason in bad[:3])
        raise DataError(
            f"{len(bad)} of {total} {kind} in {source} could not be used (e.g. {shown}); "
            "fix or remove the bad files, or point at the right folder"
        )


def drop_duplicates(
    keys: Sequence[Hashable],
    labels: Sequence,
    names: Sequence[str],
    splits: Sequence[str | None] | None = None,
) -> tuple[list[int], list[tuple[str, str]]]:
    """Keep the first of exact duplicates; drop every copy of an input with conflicting labels.

    ``keys`` identify the input (text, or file content hash), ``names`` how to report a row.
    With the user's ``splits``, a training copy is kept before a val or test one, so no
    test example also sits in train. Returns (indices kept, dropped as (name, reason)).
    """
    order = {"train": 0, "val": 1, "test": 2}
    rows_by_key: dict[Hashable, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        rows_by_key[key].append(i)
    if splits is not None:
        for rows in rows_by_key.values():
            rows.sort(key=lambda i: (order.get(splits[i], 3), i))
    keep: list[int] = []
    dropped: list[tuple[str, str]] = []
    for rows in rows_by_key.values():
        distinct = {labels[i] for i in rows}
        if len(distinct) > 1:
            listed = ", ".join(sorted(map(str, distinct)))
            for i in rows:
                dropped.append((names[i], f"conflicting labels: same input labelled {listed}"))
            continue
        keep.append(rows[0])
        for i in rows[1:]:
            dropped.append((names[i], f"exact duplicate: same input and label as {names[rows[0]]}"))
    keep.sort()
    return keep, dropped


# The user's own split: accepted spellings (case-insensitive) -> "train" | "val" | "test".
SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "trn": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "dev": "val",
    "development": "val",
    "test": "test",
    "testing": "test",
    "tst": "test",
    "eval": "test",
    "evaluation": "test",
}


def normalise_split(value) -> str | None:
    """'Validation' -> 'val'; None for anything that is not a split name."""
    return SPLIT_ALIASES.get(str(value).strip().lower())
