"""Labelled data: loading (built-ins, image folders, tables, feature files), the probe
budget (stratified subsample) and seeded splits. See docs/data.md."""

from advisor.data.builtins import BUILTIN_DATASETS, BuiltinDataset
from advisor.data.labelled import LabelledData
from advisor.data.loader import load_data
from advisor.data.sampling import split, subsample

__all__ = ["BUILTIN_DATASETS", "BuiltinDataset", "LabelledData", "load_data", "split", "subsample"]
