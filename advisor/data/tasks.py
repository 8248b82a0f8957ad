"""Task types, auto-detection from the label values, and the strata of non-class tasks.

A task is what the labels mean: one class per example (classification), a set of labels per
example (multilabel), or one or more numbers per example (regression). ``detect_task`` reads
the raw label values and says which, with a sentence giving the reason (kept in
``LabelledData.task_reason`` and shown by the CLI as a ``note:``).

Regression and multi-label data still carry an integer ``labels`` array: a *stratum* per
example (a quantile bin of the first target; the rarest label of the row), so the stratified
subsample, the seeded splits and the fingerprint work unchanged for every task.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence

import numpy as np

from advisor.errors import DataError

TASKS = ("classification", "multilabel", "regression")
TASK_CHOICES = ("auto", *TASKS)
SEPARATORS = ("|", ";", ",")
# How a text pair becomes one frozen feature vector (docs/data.md "Text pairs").
PAIR_MODES = ("joint", "combined")
DEFAULT_PAIR_MODE = "combined"  # frozen probes: measured in docs/data.md
DEFAULT_SEPARATOR = "|"
# Floats with at least this many distinct values (or distinct in half the rows) are a target.
_MANY_DISTINCT = 20
# Share of rows holding the separator (with parts that recur) that makes labels label sets.
_SET_SHARE = 0.1
_TRUE = {"1", "1.0", "true", "yes"}
_FALSE = {"0", "0.0", "false", "no"}


def check_task(task) -> str:
    """``task`` as given, or a DataError naming the choices."""
    if task not in TASK_CHOICES:
        raise DataError(
            f"task must be one of {', '.join(TASK_CHOICES)} (got {task!r}); pass "
            "task='auto' to detect it from the labels"
        )
    return task


def check_pair_mode(pair_mode) -> str:
    if pair_mode not in PAIR_MODES:
        raise DataError(
            f"pair_mode must be one of {', '.join(PAIR_MODES)} (got {pair_mode!r}); pass "
            "'joint' (the pair encoding) or 'combined' ([u, v, |u-v|, u*v])"
        )
    return pair_mode


def check_separator(separator) -> str:
    if not isinstance(separator, str) or len(separator) != 1 or separator.isspace():
        raise DataError(
            f"label separator must be one character such as '|', ';' or ',' (got "
            f"{separator!r}); pass --label-separator '|'"
        )
    return separator


def detect_task(values, *, separator: str = DEFAULT_SEPARATOR) -> tuple[str, str]:
    """(task, reason sentence) for raw label values.

    ``values``: one column's values (a sequence), or ``{column name: values}`` for several
    label columns. The rules, in order:

    - several columns: all 0/1 -> multilabel (one label per column); all numbers ->
      regression (one target per column);
    - JSON lists (or lists) in the rows -> multilabel;
    - the separator in at least a tenth of the rows, with parts that recur (a part seen in
      two different values) -> multilabel;
    - numbers, some not whole, with many distinct values (over 20, or one per two rows) ->
      regression;
    - anything else (integers, strings, a few distinct numbers such as half-star ratings)
      -> classification.
    """
    separator = check_separator(separator)
    if isinstance(values, Mapping):
        if len(values) > 1:
            return _detect_columns(values)
        ((name, column),) = values.items()
        return _detect_one(list(column), separator, name)
    return _detect_one(list(values), separator, "label")


def _detect_columns(columns: Mapping[str, Sequence]) -> tuple[str, str]:
    names = list(columns)
    if all(_binary_column(v) for v in columns.values()):
        return "multilabel", (
            f"detected multilabel: {len(names)} label columns ({_listed(names)}) hold only 0/1"
        )
    if all(_numeric_column(v) for v in columns.values()):
        return "regression", (
            f"detected regression: {len(names)} numeric target columns ({_listed(names)})"
        )
    raise DataError(
        f"the label columns {_listed(names)} are neither all 0/1 (multilabel) nor all numbers "
        "(regression targets); pass one --label-column for classification, or columns of one "
        "kind"
    )


def _detect_one(values: list, separator: str, column: str) -> tuple[str, str]:
    present = [v for v in values if not _blank(v)]
    if not present:
        return "classification", f"column '{column}' is empty; assumed classification"
    lists = sum(isinstance(v, (list, tuple)) or _json_list(v) for v in present)
    if lists * 2 >= len(present):
        return "multilabel", (
            f"detected multilabel: column '{column}' holds lists of labels "
            f"({lists} of {len(present)} rows)"
        )
    strings = [str(v) for v in present]
    with_sep = [s for s in strings if separator in s]
    if len(with_sep) >= max(1, _SET_SHARE * len(strings)) and _parts_recur(strings, separator):
        return "multilabel", (
            f"detected multilabel: {len(with_sep)} of {len(strings)} labels in column "
            f"'{column}' hold several labels separated by '{separator}'"
        )
    numbers = [_number(v) for v in present]
    if all(x is not None for x in numbers):
        distinct = len(set(numbers))
        if not all(float(x).is_integer() for x in numbers) and (
            distinct > _MANY_DISTINCT or (distinct >= 5 and distinct * 2 >= len(present))
        ):
            return "regression", (
                f"detected regression: column '{column}' holds {distinct} distinct "
                f"non-integer numbers among {len(present)} rows"
            )
        kind = "integer" if all(float(x).is_integer() for x in numbers) else "numeric"
        hint = (
            "; pass --task regression if they are quantities, not classes"
            if distinct > _MANY_DISTINCT
            else ""
        )
        return "classification", (
            f"detected classification: column '{column}' holds {distinct} distinct {kind} "
            f"labels{hint}"
        )
    distinct = len(set(strings))
    return "classification", (
        f"detected classification: column '{column}' holds {distinct} distinct text labels"
    )


def _parts_recur(strings: list[str], separator: str) -> bool:
    """Label sets reuse their labels: some part appears in more than one distinct value."""
    seen: set[str] = set()
    for value in set(strings):
        for part in {p.strip() for p in value.split(separator) if p.strip()}:
            if part in seen:
                return True
            seen.add(part)
    return False


def _listed(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(f"'{n}'" for n in list(names)[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# ------------------------------------------------------------------------ value helpers
def _blank(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True  # pandas' missing value
    return isinstance(v, str) and not v.strip()


def _json_list(v) -> bool:
    return isinstance(v, str) and v.lstrip().startswith("[") and _parse_json_list(v) is not None


def _parse_json_list(text: str) -> list | None:
    try:
        parsed = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return None
    return parsed if isinstance(parsed, list) else None


def _number(v) -> float | None:
    """The value as a float (finite or not), or None when it is not a number."""
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    try:
        return float(str(v).strip())
    except ValueError:
        return None


def _binary(v) -> int | None:
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    x = _number(v)
    if x is not None:
        return int(x) if x in (0.0, 1.0) else None
    text = str(v).strip().lower()
    return 1 if text in _TRUE else 0 if text in _FALSE else None


def _binary_column(values: Sequence) -> bool:
    present = [v for v in values if not _blank(v)]
    return bool(present) and all(_binary(v) is not None for v in present)


def _numeric_column(values: Sequence) -> bool:
    present = [v for v in values if not _blank(v)]
    return bool(present) and all(_number(v) is not None for v in present)


# ------------------------------------------------------------------------------- strata
def regression_strata(targets: np.ndarray, name: str = "target") -> tuple[np.ndarray, list[str]]:
    """(stratum per row, stratum names): quantile bins of the first target column.

    Up to 10 bins (one per 25 rows, at least 2); tied values share a bin, so a bin is
    never split between equal values.
    """
    y = np.asarray(targets, dtype=np.float64)
    y = y[:, 0] if y.ndim == 2 else y
    n = y.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), []
    k = int(np.clip(n // 25, 2, 10))
    inner = np.quantile(y, np.linspace(0.0, 1.0, k + 1)[1:-1])
    bins = np.searchsorted(np.unique(inner), y, side="right")
    used = np.unique(bins)
    if used.size < 2:  # heavy ties: the lowest value against the rest
        bins = (y > y.min()).astype(np.int64)
        used = np.unique(bins)
    codes = np.searchsorted(used, bins).astype(np.int64)
    names = []
    for c in range(used.size):
        members = y[codes == c]
        names.append(f"{name} {members.min():.4g}..{members.max():.4g}")
    return codes, names


def multilabel_strata(multi_hot: np.ndarray) -> np.ndarray:
    """Stratum per row: the row's rarest label (ties: the first), so rare labels are kept
    by every stratified subsample. Rows must hold at least one label."""
    y = np.asarray(multi_hot)
    if y.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    counts = y.sum(axis=0).astype(np.float64)
    rarity = np.where(y > 0, counts[None, :], np.inf)
    return np.argmin(rarity, axis=1).astype(np.int64)
