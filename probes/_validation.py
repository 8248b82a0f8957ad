"""Input checks shared by every probe.

Every problem becomes a ValueError whose message names the argument, what was wrong and
the fix. Inputs are copied to float64 here, so the probes never see float32 or views
they could mutate.
"""

from __future__ import annotations

import numpy as np

from probes.errors import ProbeInputError

# float32 softmax over thousands of classes drifts by ~1e-5 from 1; logits miss by far more.
PROB_SUM_TOL = 1e-3


def as_features(features, name: str = "features") -> np.ndarray:
    """A finite, non-constant float64 [N, D] copy of ``features``."""
    if features is None:
        raise ProbeInputError(f"{name} is missing; pass the [N, D] feature matrix")
    try:
        array = np.array(features, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ProbeInputError(
            f"{name} must be numeric [N, D]; could not convert it ({exc})"
        ) from None
    if array.ndim != 2:
        raise ProbeInputError(
            f"{name} must be 2-D [N, D] but has shape {array.shape}; "
            "use features.reshape(len(features), -1)"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ProbeInputError(
            f"{name} is empty (shape {array.shape}); pass at least one row and column"
        )
    bad = ~np.isfinite(array)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise ProbeInputError(
            f"{name} has {int(bad.sum())} NaN or infinite value(s) (first in row {row}); "
            "drop or impute those rows before scoring"
        )
    if array.shape[0] > 1 and np.ptp(array, axis=0).max() == 0.0:
        raise ProbeInputError(
            f"{name} is constant (every row is identical); "
            "the backbone output carries no information"
        )
    return array


def encode_labels(
    labels, n_rows: int | None = None, name: str = "labels", min_per_class: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Map class labels (ints, strings, bools) to contiguous int64 codes 0..C-1.

    Returns (codes, classes) where classes[code] is the original label.
    """
    if labels is None:
        raise ProbeInputError(f"{name} is missing; pass one class label per row")
    array = np.asarray(labels)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ProbeInputError(
            f"{name} must be 1-D class labels but has shape {array.shape}; multi-label or "
            "multi-output targets are only supported by logme(..., regression=True)"
        )
    if array.size == 0:
        raise ProbeInputError(f"{name} is empty; pass one class label per row")
    if n_rows is not None and array.shape[0] != n_rows:
        raise ProbeInputError(
            f"{name} has {array.shape[0]} rows but features has {n_rows}; pass one label per row"
        )
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise ProbeInputError(f"{name} contains NaN or infinity; drop the unlabelled rows")
        if not np.all(array == np.round(array)):
            raise ProbeInputError(
                f"{name} holds non-integer floats, which look like regression targets; pass "
                "class labels, or use logme(features, targets, regression=True)"
            )
    if array.dtype == object and any(v is None for v in array):
        raise ProbeInputError(f"{name} contains None; drop the unlabelled rows")
    try:
        classes, codes = np.unique(array, return_inverse=True)
    except TypeError:
        raise ProbeInputError(
            f"{name} mixes label types (e.g. str and int); convert them all to str"
        ) from None
    codes = codes.reshape(-1).astype(np.int64)
    n_classes = len(classes)
    if n_classes < 2:
        raise ProbeInputError(
            f"{name} has a single class ({_show(classes[0])}); "
            "transferability needs at least 2 classes"
        )
    counts = np.bincount(codes, minlength=n_classes)
    if counts.min() < min_per_class:
        small = [_show(classes[i]) for i in np.flatnonzero(counts < min_per_class)[:5]]
        if array.shape[0] < min_per_class * n_classes:
            raise ProbeInputError(
                f"{name} has {array.shape[0]} rows for {n_classes} classes; every class needs at "
                f"least {min_per_class} examples (too few: {', '.join(small)}); pass more examples"
            )
        raise ProbeInputError(
            f"{name} has class(es) {', '.join(small)} with fewer than {min_per_class} examples; "
            f"add examples or drop those classes"
        )
    return codes, classes


def _show(value) -> str:
    """A label as the user wrote it: 0 or 'cat', not np.int64(0)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def as_targets(targets, n_rows: int, name: str = "labels") -> np.ndarray:
    """Regression / multi-label targets as a finite float64 [N, K] copy."""
    if targets is None:
        raise ProbeInputError(f"{name} is missing; pass the [N] or [N, K] regression targets")
    try:
        array = np.array(targets, dtype=np.float64)
    except (TypeError, ValueError):
        raise ProbeInputError(f"{name} must be numeric targets when regression=True") from None
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.size == 0:
        raise ProbeInputError(f"{name} must be [N] or [N, K] targets, got shape {array.shape}")
    if array.shape[0] != n_rows:
        raise ProbeInputError(
            f"{name} has {array.shape[0]} rows but features has {n_rows}; "
            "pass one target row per feature row"
        )
    if not np.isfinite(array).all():
        raise ProbeInputError(f"{name} contains NaN or infinity; drop or impute those rows")
    return array


def as_probabilities(
    source_probs, n_rows: int | None = None, name: str = "source_probs"
) -> np.ndarray:
    """Row-stochastic float64 [N, Cs] copy, renormalised to sum exactly to one."""
    if source_probs is None:
        raise ProbeInputError(
            f"{name} is missing; this probe needs the source head's softmax outputs"
        )
    array = np.array(source_probs, dtype=np.float64)
    if array.ndim != 2 or array.size == 0:
        raise ProbeInputError(
            f"{name} must be a non-empty 2-D [N, source_classes] array, got shape {array.shape}"
        )
    if n_rows is not None and array.shape[0] != n_rows:
        raise ProbeInputError(
            f"{name} has {array.shape[0]} rows but labels has {n_rows}; pass one row per example"
        )
    if not np.isfinite(array).all():
        raise ProbeInputError(
            f"{name} contains NaN or infinity; recompute the softmax in float32/float64"
        )
    if array.min() < 0:
        raise ProbeInputError(
            f"{name} has negative entries, so these look like logits; pass softmax(logits, axis=1)"
        )
    sums = array.sum(axis=1)
    off = np.abs(sums - 1.0) > PROB_SUM_TOL
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise ProbeInputError(
            f"{name} rows must sum to 1 but row {row} sums to {sums[row]:.6g}; "
            "pass softmax(logits, axis=1), not logits or unnormalised scores"
        )
    return array / sums[:, None]


def encode_source_labels(source_labels, n_rows: int, name: str = "source_labels") -> np.ndarray:
    """Source-model argmax labels (any hashable values) as contiguous int64 codes."""
    if source_labels is None:
        raise ProbeInputError(f"{name} is missing; pass the source model's argmax class per row")
    array = np.asarray(source_labels)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or array.size == 0:
        raise ProbeInputError(
            f"{name} must be a non-empty 1-D array of source classes, got shape {array.shape}"
        )
    if array.shape[0] != n_rows:
        raise ProbeInputError(
            f"{name} has {array.shape[0]} rows but labels has {n_rows}; "
            "pass one source label per row"
        )
    try:
        _, codes = np.unique(array, return_inverse=True)
    except TypeError:
        raise ProbeInputError(f"{name} mixes value types; pass integer class indices") from None
    return codes.reshape(-1).astype(np.int64)


def check_folds(folds) -> int:
    """The cross-validation ``folds`` option of the probes that fit a head: an int >= 2."""
    if not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ProbeInputError(f"folds must be an int >= 2, got {folds!r}")
    return int(folds)


def row_folds(folds: int, n_rows: int, probe: str) -> int:
    """Folds over rows (no classes to stratify) for a checked ``folds``: at most one fold per
    two rows, at least 2."""
    n_splits = int(min(folds, n_rows // 2))
    if n_splits < 2:
        raise ProbeInputError(f"{probe} needs at least 4 rows for 2 folds, got {n_rows}")
    return n_splits


def features_and_labels(features, labels, min_per_class: int = 2):
    """The common (features, codes, n_classes) triple for classification probes."""
    x = as_features(features)
    y, classes = encode_labels(labels, n_rows=x.shape[0], min_per_class=min_per_class)
    return x, y, len(classes)


def one_hot(codes: np.ndarray, n_classes: int) -> np.ndarray:
    out = np.zeros((codes.shape[0], n_classes))
    out[np.arange(codes.shape[0]), codes] = 1.0
    return out
