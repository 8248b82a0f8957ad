"""Data from the ecosystem: pandas DataFrames, Hugging Face ``datasets`` objects, folders
written by ``save_to_disk``, Parquet files and hub dataset names -> rows of a Table.

``datasets`` and ``pyarrow`` (the ``hf`` extra) are imported here only, when such data is
loaded; objects are recognised by their type's module, so nothing is imported to check.
A ``DatasetDict``'s train/validation/test splits become the user's own split. ``ClassLabel``
columns are read as their class names. Image columns may hold paths, encoded bytes or PIL
images (``datasets.Image`` columns are read undecoded, as bytes).

Hub names (``hf://NAME``, ``hf://NAME:CONFIG``, or ``hf_dataset=NAME``) are loaded with
``datasets.load_dataset`` when online. Offline, they fail fast: with HF_HUB_OFFLINE or
HF_DATASETS_OFFLINE set, only the local cache is tried; otherwise one TCP connection to the
hub (3 s timeout) decides before any download starts, so a machine without network never
hangs in retries.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from advisor.data.labels import normalise_split
from advisor.data.table_reader import Table
from advisor.errors import DataError

HF_PREFIX = "hf://"
HF_INSTALL = 'pip install "transfer-advisor[hf]" (datasets and pyarrow)'
CONNECT_TIMEOUT_S = 3.0
_OFFLINE_VARS = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
_SAVED_MARKERS = ("dataset_dict.json", "state.json")


# ----------------------------------------------------------------------- recognising
def _type_of(obj) -> tuple[str, str]:
    kind = type(obj)
    return kind.__module__.split(".")[0], kind.__name__


def is_dataframe(obj) -> bool:
    return _type_of(obj) == ("pandas", "DataFrame")


def is_hf_dataset(obj) -> bool:
    module, name = _type_of(obj)
    return module == "datasets" and name in ("Dataset", "DatasetDict")


def is_saved_dataset(folder: Path) -> bool:
    """A folder written by ``Dataset.save_to_disk`` / ``DatasetDict.save_to_disk``."""
    return any((folder / marker).is_file() for marker in _SAVED_MARKERS)


def is_hub_name(spec) -> bool:
    return isinstance(spec, str) and spec.startswith(HF_PREFIX)


def _require_datasets(what: str):
    try:
        import datasets
    except ImportError:
        raise DataError(f"{what} needs the `datasets` package; {HF_INSTALL}") from None
    return datasets


# ----------------------------------------------------------------------- to tables
def dataframe_table(frame, name: str = "DataFrame") -> Table:
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        raise DataError(f"the DataFrame names a column twice ({columns}); rename the columns")
    rows = [
        dict(zip(columns, values, strict=True))
        for values in frame.itertuples(index=False, name=None)
    ]
    return Table(Path(name), columns, rows, list(range(1, len(rows) + 1)), unit="row")


def dataset_tables(obj, *, split: str | None, name: str) -> tuple[Table, list[str] | None, list]:
    """(table, the user's split per row or None, skipped) for a Dataset or DatasetDict."""
    if _type_of(obj)[1] == "Dataset":
        if split is not None:
            raise DataError(
                f"split={split!r} picks a part of a DatasetDict, but this is one Dataset; "
                "drop the split option"
            )
        rows = _dataset_rows(obj)
        return _table(obj.column_names, rows, name), None, []
    parts = list(obj.keys())
    if split is not None:
        if split not in obj:
            raise DataError(
                f"the dataset has no split {split!r}; its splits are {', '.join(parts)}: pass "
                "one of them"
            )
        chosen = obj[split]
        return _table(chosen.column_names, _dataset_rows(chosen), f"{name}[{split}]"), None, []
    known = {p: normalise_split(p) for p in parts}
    used = [p for p in parts if known[p]]
    if not used:
        raise DataError(
            f"the dataset's splits ({', '.join(parts)}) include no train, validation or test; "
            "pass split=NAME (--split NAME) to use one of them"
        )
    rows, splits = [], []
    for part in sorted(used, key=lambda p: ("train", "val", "test").index(known[p])):
        part_rows = _dataset_rows(obj[part])
        rows += part_rows
        splits += [known[part]] * len(part_rows)
    skipped = [
        (f"split '{p}'", f"not a train/validation/test split: {obj[p].num_rows:,} rows left out")
        for p in parts
        if not known[p]
    ]
    columns = obj[used[0]].column_names
    user_splits = splits if len({*splits}) > 1 else None  # a lone train part is no split
    return _table(columns, rows, name), user_splits, skipped


def _table(columns: list[str], rows: list[dict], name: str) -> Table:
    if not rows:
        raise DataError(f"the dataset {name} has no rows; pass a dataset with examples")
    return Table(Path(name), list(columns), rows, list(range(1, len(rows) + 1)), unit="row")


def _dataset_rows(ds) -> list[dict]:
    """Rows as dicts: images undecoded ({"bytes", "path"}), ClassLabels as their names.

    Read through the Arrow table (not ``to_list``), which decodes nothing and casts nothing.
    """
    rows = ds.with_format("arrow")[:].to_pylist()
    for column, feature in ds.features.items():
        names = _class_names(feature)
        if names is None:
            continue
        for row in rows:
            row[column] = _named(row.get(column), names)
    return rows


def _class_names(feature) -> list[str] | None:
    if type(feature).__name__ == "ClassLabel":
        return list(feature.names)
    inner = (
        feature[0] if isinstance(feature, list) and feature else getattr(feature, "feature", None)
    )
    if inner is not None and type(inner).__name__ == "ClassLabel":
        return list(inner.names)
    return None


def _named(value, names: list[str]):
    if isinstance(value, list):
        return [_named(v, names) for v in value]
    if isinstance(value, int) and 0 <= value < len(names):
        return names[value]
    return None if isinstance(value, int) and value < 0 else value  # -1: no label


def parquet_table(path: Path) -> Table:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(f"reading {path.name} needs pyarrow; {HF_INSTALL}") from None
    try:
        arrow = pq.read_table(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for a damaged file
        if _module(exc) != "pyarrow" and not isinstance(exc, OSError):
            raise
        raise DataError(
            f"{path} is not a readable Parquet file ({exc}); re-create it, e.g. with "
            "DataFrame.to_parquet or Dataset.to_parquet"
        ) from None
    rows = arrow.to_pylist()
    if not rows:
        raise DataError(f"{path} has no rows; add labelled examples")
    return Table(path, list(arrow.column_names), rows, list(range(1, len(rows) + 1)), unit="row")


def load_saved(folder: Path):
    datasets = _require_datasets(f"the save_to_disk folder {folder}")
    try:
        return datasets.load_from_disk(str(folder))
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise DataError(
            f"{folder} looks like a save_to_disk folder but cannot be loaded ({exc}); "
            "save it again with Dataset.save_to_disk"
        ) from None


# ----------------------------------------------------------------------- hub names
def load_hub(name: str, *, split: str | None):
    """A hub dataset by name (``NAME`` or ``NAME:CONFIG``); fails fast when offline."""
    name = name[len(HF_PREFIX) :] if name.startswith(HF_PREFIX) else name
    repo, _, config = name.partition(":")
    if not repo.strip():
        raise DataError("the hub dataset name is empty; pass hf://OWNER/NAME")
    fix = (
        f"go online, or on a machine that is, run datasets.load_dataset({repo!r}"
        + (f", {config!r}" if config else "")
        + ").save_to_disk('FOLDER') and pass that FOLDER instead"
    )
    offline = [v for v in _OFFLINE_VARS if _truthy(os.environ.get(v))]
    if not offline:
        problem = hub_unreachable()
        if problem:
            raise DataError(f"the hub dataset {repo} cannot be downloaded: {problem}; {fix}")
    datasets = _require_datasets(f"the hub dataset {repo}")
    try:
        return datasets.load_dataset(repo, config or None, split=split)
    except Exception as exc:  # datasets raises many kinds when offline or for a bad name
        if not isinstance(exc, (OSError, ValueError)) and _module(exc) not in _HUB_MODULES:
            raise
        why = f"offline ({offline[0]}=1) and not in the local cache" if offline else str(exc)
        raise DataError(f"the hub dataset {repo} cannot be loaded: {why}; {fix}") from None


def hub_unreachable(timeout: float = CONNECT_TIMEOUT_S) -> str | None:
    """None when the hub (or the HTTPS proxy) accepts a TCP connection, else why not."""
    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    target = urlparse(proxy if proxy else endpoint)
    host = target.hostname or "huggingface.co"
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"no connection to {host}:{port} within {timeout:g} s ({exc.__class__.__name__})"


_HUB_MODULES = ("datasets", "huggingface_hub", "requests", "httpx", "fsspec")


def _module(exc: BaseException) -> str:
    return type(exc).__module__.split(".")[0]


def _truthy(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")
