"""load_data: one entry point for built-in names, image folders, tables, feature files, and
data from the ecosystem (DataFrames, ``datasets`` objects, save_to_disk folders, Parquet,
hub names)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from advisor.data import hf_source
from advisor.data.builtins import BUILTIN_DATASETS, load_builtin
from advisor.data.labelled import LabelledData
from advisor.data.table_reader import TABLE_SUFFIXES
from advisor.data.tasks import DEFAULT_SEPARATOR, check_separator, check_task
from advisor.errors import DataError

PARQUET_SUFFIXES = (".parquet", ".pq")


def load_data(
    spec,
    *,
    text_column: str | None = None,
    label_column: str | Sequence[str] | None = None,
    image_column: str | None = None,
    text_pair_column: str | None = None,
    task: str = "auto",
    label_separator: str = DEFAULT_SEPARATOR,
    split: str | None = None,
    hf_dataset: str | None = None,
) -> LabelledData:
    """Load labelled data for a task.

    ``spec``: a built-in name, an image folder, a .csv/.tsv/.jsonl/.parquet, a .npz, a folder
    written by ``save_to_disk``, ``hf://NAME[:CONFIG]`` (a hub dataset, when online), a
    pandas DataFrame, a ``datasets.Dataset`` / ``DatasetDict``, or a LabelledData (returned
    as is). ``hf_dataset=NAME`` is the same as ``spec="hf://NAME"``.

    ``task``: "auto" (detected from the labels; the reason is in ``task_reason``),
    "classification", "multilabel" or "regression". ``label_column`` may name several
    columns (0/1 label columns, or several regression targets). ``label_separator`` splits
    multi-label strings ("a|b"). ``text_pair_column`` names the second text of each pair.
    ``split`` picks one split of a DatasetDict or hub dataset (default: all of
    train/validation/test, kept as the user's own split).
    """
    check_task(task)
    check_separator(label_separator)
    options = {
        "text_column": text_column,
        "label_column": label_column,
        "image_column": image_column,
        "text_pair_column": text_pair_column,
        "task": task,
        "label_separator": label_separator,
    }
    if hf_dataset is not None:
        if spec is not None:
            raise DataError(
                f"both data ({spec!r}) and hf_dataset ({hf_dataset!r}) were given; pass one"
            )
        spec = hf_source.HF_PREFIX + hf_dataset
    if isinstance(spec, LabelledData):
        return _given(spec, task)
    if split is not None and not (hf_source.is_hf_dataset(spec) or hf_source.is_hub_name(spec)):
        saved = isinstance(spec, (str, os.PathLike)) and hf_source.is_saved_dataset(Path(spec))
        if not saved:
            raise DataError(
                f"split={split!r} (--split) picks a split of a Hugging Face dataset; it does not "
                "apply to this data: drop it"
            )
    if hf_source.is_dataframe(spec):
        from advisor.data.table_data import table_to_data

        return table_to_data(hf_source.dataframe_table(spec), **options)
    if hf_source.is_hf_dataset(spec):
        return _from_dataset(spec, split, "dataset", options)
    if hf_source.is_hub_name(spec):
        name = spec[len(hf_source.HF_PREFIX) :]
        return _from_dataset(hf_source.load_hub(spec, split=split), None, name, options)
    if not isinstance(spec, (str, os.PathLike)):
        raise DataError(
            f"data is a {type(spec).__name__}; pass a built-in name, a path, hf://NAME, a "
            "pandas DataFrame, a datasets.Dataset, or a LabelledData"
        )
    text = os.fspath(spec)
    if not str(text).strip():
        raise DataError("data is an empty string; pass a built-in name or a path")
    if isinstance(spec, str) and spec in BUILTIN_DATASETS and not Path(spec).exists():
        _no_columns(options, spec)
        return _given(load_builtin(spec), task)
    path = Path(text).expanduser()
    try:
        return _load_path(path, options, split)
    except PermissionError as exc:
        raise DataError(
            f"{exc.filename or path} cannot be read: permission denied; fix its permissions "
            "or copy the data somewhere readable"
        ) from None


def _given(data: LabelledData, task: str) -> LabelledData:
    """Data already loaded: the task asked for must be the one it has."""
    if task not in ("auto", data.task):
        raise DataError(
            f"data {data.name!r} was loaded as {data.task}, but task={task!r} was asked for; "
            f"load it again with task={task!r} (or pass task='auto')"
        )
    return data


def _from_dataset(obj, split, name: str, options: dict) -> LabelledData:
    from advisor.data.table_data import table_to_data

    table, splits, skipped = hf_source.dataset_tables(obj, split=split, name=name)
    return table_to_data(table, user_splits=splits, skipped=skipped, **options)


def _load_path(path: Path, options: dict, split) -> LabelledData:
    if not path.exists():
        names = ", ".join(BUILTIN_DATASETS)
        raise DataError(
            f"data path {path} does not exist; pass an image folder, a .csv/.tsv/.jsonl, "
            f"a .parquet, a .npz, a save_to_disk folder, hf://NAME, or a built-in dataset "
            f"name ({names})"
        )
    if path.is_dir():
        if hf_source.is_saved_dataset(path):
            return _from_dataset(hf_source.load_saved(path), split, str(path), options)
        _no_columns(options, str(path))
        from advisor.data.image_folder import load_image_folder

        return _given(load_image_folder(path), options["task"])
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES or suffix in PARQUET_SUFFIXES:
        from advisor.data.table_data import table_to_data
        from advisor.data.table_reader import read_table

        table = hf_source.parquet_table(path) if suffix in PARQUET_SUFFIXES else read_table(path)
        return table_to_data(table, **options)
    if suffix == ".npz":
        _no_columns(options, str(path))
        from advisor.data.feature_file import load_features_npz

        return load_features_npz(path, task=options["task"])
    raise DataError(
        f"{path} has unsupported file type '{path.suffix or 'no extension'}'; pass an image "
        f"folder, a {'/'.join(TABLE_SUFFIXES + PARQUET_SUFFIXES)} table, or a .npz with "
        "features and labels"
    )


def _no_columns(options: dict, what: str) -> None:
    given = [
        flag
        for flag, key in (
            ("--text-column", "text_column"),
            ("--label-column", "label_column"),
            ("--image-column", "image_column"),
            ("--text-pair-column", "text_pair_column"),
        )
        if options.get(key)
    ]
    if given:
        raise DataError(
            f"{', '.join(given)} only apply to .csv/.tsv/.jsonl/.parquet tables and datasets, "
            f"not to {what}; drop the option"
        )
