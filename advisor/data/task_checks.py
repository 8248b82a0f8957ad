"""The rules regression targets and multi-label sets must meet, one message each.

``whole`` is False for a subset of data already checked: a sample of a varying target may be
constant, and a sample may miss a rare label; the per-row rules hold for every subset.

Multi-label rows with no labels are refused (not read as an implicit "none" class): an empty
set is more often a blank cell or a parsing slip than a decision, and the probes and losses
would learn "no label" as silence. The fix is in the message: give such rows an explicit
label of their own (e.g. ``none``) or remove them.
"""

from __future__ import annotations

import numpy as np

from advisor.errors import DataError


def check_regression(targets, names, *, whole: bool = True) -> tuple[np.ndarray, list[str]]:
    if targets is None:
        raise DataError("regression data needs targets; pass one number (or row) per example")
    try:
        y = np.asarray(targets, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(
            "regression targets must be numbers; convert the column to numbers, or use "
            "task='classification' for class names"
        ) from None
    y = y.reshape(-1, 1) if y.ndim == 1 else y
    if y.ndim != 2 or y.shape[1] == 0:
        raise DataError(
            f"regression targets must be [N] or [N, K] with K >= 1, got shape {y.shape}; "
            "pass one column per target"
        )
    names = _names(names, y.shape[1], "target")
    bad = ~np.isfinite(y)
    if bad.any():
        rows, cols = np.nonzero(bad)
        shown = ", ".join(
            f"row {r} ({names[c]}={y[r, c]})" for r, c in zip(rows[:3], cols[:3], strict=True)
        )
        raise DataError(
            f"{int(bad.any(axis=1).sum())} rows have NaN or infinite regression targets "
            f"({shown}); drop those rows or fill them with real numbers"
        )
    if whole and len(y):
        for c, name in enumerate(names):
            if np.ptp(y[:, c]) == 0:
                raise DataError(
                    f"regression target '{name}' is {y[0, c]:g} in every row (zero variance): "
                    "nothing to predict; pick a target column whose values vary"
                )
    return y, names


def check_multilabel(targets, names, *, whole: bool = True) -> tuple[np.ndarray, list[str]]:
    if targets is None:
        raise DataError("multilabel data needs targets; pass a multi-hot [N, K] array of 0/1")
    y = np.asarray(targets)
    if y.ndim != 2:
        raise DataError(
            f"multilabel targets must be a multi-hot [N, K] array, got shape {y.shape}; "
            "pass one 0/1 column per label"
        )
    if y.size and not np.isin(y, (0, 1)).all():
        raise DataError(
            "multilabel targets must be 0 or 1 in every cell; pass a multi-hot array "
            "(1 where the example has the label)"
        )
    y = y.astype(np.uint8)
    names = _names(names, y.shape[1], "label")
    if whole and y.shape[1] < 2:
        raise DataError(
            f"multilabel data needs at least 2 labels, got {y.shape[1]}; with one label it "
            "is binary classification: use task='classification'"
        )
    empty = np.flatnonzero(y.sum(axis=1) == 0)
    if empty.size:
        shown = ", ".join(map(str, empty[:5]))
        raise DataError(
            f"{empty.size} of {len(y)} multilabel rows have no labels (rows {shown}); every "
            "row needs at least one: give those rows a label of their own (e.g. 'none') or "
            "remove them"
        )
    if whole and len(y):
        unused = [names[c] for c in np.flatnonzero(y.sum(axis=0) == 0)]
        if unused:
            raise DataError(
                f"label {_quoted(unused)} is 0 in every row; nothing can learn it: drop that "
                "label (its --label-column) or add examples that have it"
            )
    return y, names


def check_pairs(pairs, modality: str, n: int) -> list[str]:
    """The second texts of text pairs: one non-empty text per example."""
    if modality != "text":
        raise DataError(
            f"text_pairs were given for {modality} data; pairs are texts: pass texts and "
            "text_pairs together"
        )
    pairs = [str(t) for t in pairs]
    if len(pairs) != n:
        raise DataError(
            f"text_pairs has {len(pairs)} texts for {n} examples; pass one second text per example"
        )
    empty = [i for i, t in enumerate(pairs) if not t.strip()]
    if empty:
        shown = ", ".join(map(str, empty[:5]))
        raise DataError(
            f"{len(empty)} of {len(pairs)} pairs have an empty second text (rows {shown}); "
            "fill them or remove those rows"
        )
    return pairs


def target_summary(task: str, targets, names) -> dict | None:
    """For summary(): per-target statistics (regression), labels per row (multilabel)."""
    if task == "regression":
        return (
            {
                name: {
                    "mean": float(targets[:, c].mean()),
                    "std": float(targets[:, c].std()),
                    "min": float(targets[:, c].min()),
                    "max": float(targets[:, c].max()),
                }
                for c, name in enumerate(names)
            }
            if len(targets)
            else {}
        )
    if task == "multilabel":
        per_row = targets.sum(axis=1)
        return {
            "labels_per_row": float(per_row.mean()) if len(per_row) else 0.0,
            "max_labels_per_row": int(per_row.max()) if len(per_row) else 0,
        }
    return None


def _names(names, k: int, stem: str) -> list[str]:
    if names is None:
        return [stem] if k == 1 else [f"{stem}{i}" for i in range(k)]
    names = [str(n) for n in names]
    if len(names) != k or len(set(names)) != k:
        raise DataError(
            f"target_names must name each of the {k} columns once (got {len(names)} names, "
            f"{len(set(names))} distinct); pass one distinct name per column"
        )
    return names


def _quoted(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
