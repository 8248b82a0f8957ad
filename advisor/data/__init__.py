"""Labelled data for every task (classification, multilabel, regression; text pairs):
loading (built-ins, image folders, tables, feature files, DataFrames, datasets), the probe
budget (stratified subsample), seeded splits, and what was left out. See docs/data.md."""

from advisor.data.builtins import BUILTIN_DATASETS, BuiltinDataset
from advisor.data.labelled import LabelledData
from advisor.data.loader import load_data
from advisor.data.sampling import split, subsample
from advisor.data.skipped import describe_skipped
from advisor.data.tasks import TASK_CHOICES, TASKS, detect_task

__all__ = [
    "BUILTIN_DATASETS",
    "BuiltinDataset",
    "LabelledData",
    "TASKS",
    "TASK_CHOICES",
    "describe_skipped",
    "detect_task",
    "load_data",
    "split",
    "subsample",
]
