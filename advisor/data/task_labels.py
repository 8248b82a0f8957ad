"""Reading label columns for a task: classes, label sets or numeric targets, row by row.

Label formats: one column of classes; one column of label sets (separated strings such as
``a|b``, JSON lists in JSONL, or Python lists from a DataFrame / ``datasets``); several 0/1
columns (one label each); one or several numeric target columns (regression).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from advisor.data.labels import encode_labels, require_two_classes
from advisor.data.tasks import (
    _binary,
    _blank,
    _listed,
    _number,
    _parse_json_list,
    check_separator,
    check_task,
    detect_task,
)
from advisor.errors import DataError


@dataclass
class TaskLabels:
    """How to read one row's label for the task, and how to turn the kept rows into fields."""

    task: str
    reason: str
    columns: list[str]
    separator: str
    source: str  # for messages: the file or object the rows came from
    unit: str = "line"  # how rows are numbered in messages: "line" (files) or "row"

    def value(self, row: dict, line: int):
        """The row's label (a class, a frozenset of labels, a tuple of floats), or None when
        blank (the row is skipped and reported). Raises DataError for a value the task
        cannot use."""
        if self.task == "classification":
            return self._class(row, line)
        if self.task == "regression":
            return self._numbers(row, line)
        return self._label_set(row, line)

    def key(self, value) -> str:
        """A string equal for equal labels, for the duplicate check."""
        if self.task == "multilabel":
            return "\x1f".join(sorted(value))
        return repr(value) if self.task == "regression" else str(value)

    def fields(self, values: Sequence, what: str) -> dict:
        """LabelledData keyword arguments for the kept rows' labels."""
        if self.task == "classification":
            codes, class_names = encode_labels(list(values), what=what)
            require_two_classes(class_names, self.source)
            return {"labels": codes, "class_names": class_names, "task_reason": self.reason}
        if self.task == "regression":
            targets = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
            names = list(self.columns)
        else:
            names = (
                list(self.columns)
                if len(self.columns) > 1
                else sorted({x for v in values for x in v}, key=_label_order)
            )
            index = {n: i for i, n in enumerate(names)}
            targets = np.zeros((len(values), len(names)), dtype=np.uint8)
            for r, labels in enumerate(values):
                targets[r, [index[x] for x in labels]] = 1
        return {
            "labels": None,
            "class_names": [],
            "task": self.task,
            "targets": targets,
            "target_names": names,
            "task_reason": self.reason,
        }

    # ------------------------------------------------------------------ per task
    def _where(self, line: int, column: str) -> str:
        return f"{self.source} {self.unit} {line}, column '{column}'"

    def _class(self, row: dict, line: int):
        (column,) = self.columns
        value = row.get(column)
        if isinstance(value, (list, tuple, dict)):
            raise DataError(
                f"{self._where(line, column)}: the label is a {type(value).__name__}; for "
                "several labels per example pass --task multilabel (task='multilabel')"
            )
        return None if _blank(value) else value

    def _numbers(self, row: dict, line: int):
        numbers = []
        for column in self.columns:
            value = row.get(column)
            if _blank(value):
                return None
            x = _number(value)
            if x is None:
                raise DataError(
                    f"--task regression needs numbers, but {self._where(line, column)} holds "
                    f"{value!r}; use --task classification (or auto) for class names, or "
                    "pass --label-column with a numeric column"
                )
            numbers.append(x)
        return tuple(numbers)

    def _label_set(self, row: dict, line: int):
        if len(self.columns) > 1:
            chosen = []
            for column in self.columns:
                value = row.get(column)
                bit = None if _blank(value) else _binary(value)
                if bit is None:
                    raise DataError(
                        f"{self._where(line, column)} holds {value!r}; each of several label "
                        "columns must be 0 or 1 in every row (1: the example has that label)"
                    )
                if bit:
                    chosen.append(column)
            return frozenset(chosen)
        (column,) = self.columns
        value = row.get(column)
        if _blank(value):
            return frozenset()
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if isinstance(value, str) and value.lstrip().startswith("["):
            parsed = _parse_json_list(value)
            value = parsed if parsed is not None else value
        if isinstance(value, (list, tuple)):
            parts = [str(_as_label(v)).strip() for v in value]
        else:
            parts = [p.strip() for p in str(_as_label(value)).split(self.separator)]
        return frozenset(p for p in parts if p)


def _as_label(v):
    """1.0 -> 1 so numeric labels read the same from JSON, CSV and DataFrames."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _label_order(name: str):
    number = _number(name)
    return (0, number, name) if number is not None else (1, 0.0, name)


def prepare_labels(
    rows: Sequence[dict],
    columns: list[str],
    *,
    task: str,
    separator: str,
    source: str,
    unit: str = "line",
) -> TaskLabels:
    """The task (given, or detected from the columns' values) and its row reader."""
    check_task(task)
    separator = check_separator(separator)
    values = {c: [r.get(c) for r in rows] for c in columns}
    if task == "auto":
        task, reason = detect_task(values, separator=separator)
    else:
        reason = f"task {task} (given)"
        if task == "classification" and len(columns) > 1:
            raise DataError(
                f"classification takes one label column, got {len(columns)} "
                f"({_listed(columns)}); pass one --label-column, or --task multilabel for "
                "0/1 columns, or --task regression for numeric targets"
            )
    return TaskLabels(task, reason, list(columns), separator, source, unit)


def refuse_empty_sets(empty_lines: list[int], total: int, labels: TaskLabels) -> None:
    """Multilabel rows with no labels are refused (rule: advisor.data.task_checks)."""
    if not empty_lines:
        return
    shown = ", ".join(map(str, empty_lines[:5]))
    raise DataError(
        f"{len(empty_lines)} of {total} rows of {labels.source} have no labels ({labels.unit}s "
        f"{shown}); multilabel needs at least one label per row: give those rows a label of "
        "their own (e.g. 'none') or remove them"
    )
