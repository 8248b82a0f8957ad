"""load_data: one entry point for built-in names, image folders, tables and feature files."""

from __future__ import annotations

import os
from pathlib import Path

from advisor.data.builtins import BUILTIN_DATASETS, load_builtin
from advisor.data.labelled import LabelledData
from advisor.data.table_reader import TABLE_SUFFIXES
from advisor.errors import DataError


def load_data(
    spec,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    image_column: str | None = None,
) -> LabelledData:
    """Load labelled data from a built-in name, an image folder, a .csv/.tsv/.jsonl, or a .npz.

    A LabelledData is returned as is. Column options apply to tables only.
    """
    if isinstance(spec, LabelledData):
        return spec
    if not isinstance(spec, (str, os.PathLike)):
        raise DataError(
            f"data is a {type(spec).__name__}; pass a built-in name, a path, or a LabelledData"
        )
    text = os.fspath(spec)
    if not str(text).strip():
        raise DataError("data is an empty string; pass a built-in name or a path")
    if isinstance(spec, str) and spec in BUILTIN_DATASETS and not Path(spec).exists():
        _no_columns(text_column, label_column, image_column, spec)
        return load_builtin(spec)
    path = Path(text).expanduser()
    try:
        return _load_path(path, text_column, label_column, image_column)
    except PermissionError as exc:
        raise DataError(
            f"{exc.filename or path} cannot be read: permission denied; fix its permissions "
            "or copy the data somewhere readable"
        ) from None


def _load_path(path: Path, text_column, label_column, image_column) -> LabelledData:
    if not path.exists():
        names = ", ".join(BUILTIN_DATASETS)
        raise DataError(
            f"data path {path} does not exist; pass an image folder, a .csv/.tsv/.jsonl, "
            f"a .npz, or a built-in dataset name ({names})"
        )
    if path.is_dir():
        _no_columns(text_column, label_column, image_column, str(path))
        from advisor.data.image_folder import load_image_folder

        return load_image_folder(path)
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        from advisor.data.table_data import load_table

        return load_table(
            path, text_column=text_column, label_column=label_column, image_column=image_column
        )
    if suffix == ".npz":
        _no_columns(text_column, label_column, image_column, str(path))
        from advisor.data.feature_file import load_features_npz

        return load_features_npz(path)
    raise DataError(
        f"{path} has unsupported file type '{path.suffix or 'no extension'}'; pass an image "
        f"folder, a {'/'.join(TABLE_SUFFIXES)} table, or a .npz with features and labels"
    )


def _no_columns(text_column, label_column, image_column, what: str) -> None:
    given = [
        flag
        for flag, value in (
            ("--text-column", text_column),
            ("--label-column", label_column),
            ("--image-column", image_column),
        )
        if value
    ]
    if given:
        raise DataError(
            f"{', '.join(given)} only apply to .csv/.tsv/.jsonl tables, not to {what}; "
            "drop the option"
        )
