"""Labelled data: loading (built-ins, image folders, tables, feature files), the probe
budget (stratified subsample), seeded splits, and what was left out. See docs/data.md."""

from advisor.data.builtins import BUILTIN_DATASETS, BuiltinDataset
from advisor.data.labelled import LabelledData
from advisor.data.loader import load_data
from advisor.data.sampling import split, subsample
from advisor.data.skipped import describe_skipped

__all__ = [
    "BUILTIN_DATASETS",
    "BuiltinDataset",
    "LabelledData",
    "describe_skipped",
    "load_data",
    "split",
    "subsample",
]
