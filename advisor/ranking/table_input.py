"""Turn user-supplied score tables (DataFrame, list of dicts, CSV) into the candidate x probe
frame that fusion expects, and look the candidate ids up in the catalog.

This is the boundary of ``advisor.fuse`` and ``advisor fuse``: every score that reaches the
fusion is a finite number in a column named after a probe of ``probes.REGISTRY``, on a row
named by a candidate id.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from advisor.errors import AdvisorError
from advisor.ranking.candidates import load_catalog_arg
from advisor.validation import ParameterError, message

ID_COLUMNS = ("candidate", "model", "id")
_SHAPE = (
    "a 'candidate' column (catalog ids where possible) and one column per probe, "
    "e.g. candidate,logme,leep"
)


def scores_frame(scores: Any, *, name: str = "scores") -> pd.DataFrame:
    """A float DataFrame indexed by candidate id, one column per probe.

    Accepts a DataFrame (candidate ids in a ``candidate``/``model``/``id`` column or in the
    index, not row numbers), a list of dicts with the same keys, or a path to a CSV file.
    Columns of text only (notes, family...) are left out, listed in ``attrs["ignored_columns"]``.
    """
    if isinstance(scores, (str, os.PathLike)):
        scores = _read_csv(Path(scores))
        name = f"scores file {scores.attrs['path']}"
    if isinstance(scores, (list, tuple)):
        if not scores or not all(isinstance(r, Mapping) for r in scores):
            raise AdvisorError(
                f"{name} must be a non-empty list of dicts, one per candidate, "
                "e.g. [{'candidate': 'resnet50.a1_in1k', 'logme': 1.2}]"
            )
        scores = pd.DataFrame(list(scores))
    if not isinstance(scores, pd.DataFrame):
        raise AdvisorError(
            f"{name} must be a DataFrame, a list of dicts or a CSV path "
            f"(got {type(scores).__name__}); give {_SHAPE}"
        )
    frame = scores.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty or len(frame.index) == 0:
        raise AdvisorError(f"{name} has no rows; give one row per candidate")
    frame = _index_by_candidate(frame, name)
    dupes = sorted(set(frame.index[frame.index.duplicated()]))
    if dupes:
        raise AdvisorError(f"{name} lists candidates {dupes} more than once; keep one row each")
    numeric, ignored = {}, []
    for col in frame.columns:
        values = _score_column(frame[col], col, name)
        if values is None:
            ignored.append(col)
        elif col.lower() in numeric:
            raise AdvisorError(f"{name} has two {col.lower()!r} columns; keep one")
        else:
            numeric[col.lower()] = values
    if not numeric:
        raise AdvisorError(
            f"{name} has no numeric probe columns; add columns such as "
            "'logme', 'leep', 'hscore' with one number per candidate"
        )
    out = pd.DataFrame(numeric, index=frame.index)
    if out.isna().all().all():  # a ranking with no evidence must not be presented as one
        raise AdvisorError(
            f"{name} has no scores: every cell of {', '.join(out.columns)} is "
            "empty; give at least one number per probe"
        )
    out.attrs["ignored_columns"] = ignored
    return out


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise AdvisorError(f"scores file {path} {what}; pass a CSV with {_SHAPE}")
    try:
        frame = pd.read_csv(path, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise AdvisorError(
            f"scores file {path} is not a readable CSV ({exc}); save it as comma-separated text"
        ) from None
    except OSError as exc:
        raise AdvisorError(f"cannot read scores file {path}: {exc.strerror or exc}") from None
    frame.attrs["path"] = str(path)
    return frame


def _index_by_candidate(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    id_col = next((c for c in frame.columns if c.lower() in ID_COLUMNS), None)
    if id_col is not None:
        frame = frame.set_index(id_col)
    elif frame.index.name is None and pd.api.types.is_integer_dtype(frame.index):
        # Row numbers (a filtered frame's too) are not candidates: fusing them would rank "0"...
        raise AdvisorError(
            f"{name} has no candidate column (columns: {list(frame.columns)}); give {_SHAPE}"
        )
    blank = [i for i, c in enumerate(frame.index, start=1) if _blank(c)]
    if blank:
        raise AdvisorError(
            f"{name} has no candidate id on row(s) {blank[:5]}; "
            "give every row an id, or delete the row"
        )
    frame.index = [str(i).strip() for i in frame.index]
    return frame


def _score_column(column: pd.Series, col: str, name: str) -> pd.Series | None:
    """The column as finite floats (NaN = not computed), or None for a text-only column."""
    from probes import REGISTRY

    values = pd.to_numeric(column, errors="coerce").astype(float)
    given = column.notna() & (column.astype(str).str.strip() != "")
    is_probe = col.lower() in REGISTRY
    if not is_probe and values.notna().sum() == 0 and given.any():
        return None  # a text column (notes, family...): not a probe
    if not is_probe:
        raise AdvisorError(
            f"{name} column {col!r} is not a probe name, so it cannot be fused; rename it to "
            f"one of {', '.join(sorted(REGISTRY))}, or drop it"
        )
    bad = column[given & values.isna()]
    if len(bad):
        shown = ", ".join(f"{c}: {v!r}" for c, v in list(bad.items())[:3])
        raise AdvisorError(
            f"{name} column {col!r} holds text where a number belongs ({shown}); "
            "write a number, or leave the cell empty when it was not computed"
        )
    infinite = values[values.notna() & ~values.map(math.isfinite)]
    if len(infinite):
        shown = ", ".join(f"{c}: {v}" for c, v in list(infinite.items())[:3])
        raise AdvisorError(
            f"{name} column {col!r} holds infinite scores ({shown}); a score must "
            "be a finite number (leave the cell empty when it was not computed)"
        )
    return values


def _blank(value: Any) -> bool:
    return (
        value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip()
    )


def entries_for(table: pd.DataFrame, candidates: Any = None, *, catalog: Any = None) -> dict:
    """Map each candidate id of ``table`` to its catalog Entry (None when not in the catalog).

    ``candidates``: None (all rows), a list of ids (those rows, in that order), or a mapping
    row id -> Entry or catalog id (for tables whose row names are not catalog ids).
    ``catalog``: as ``load_catalog_arg`` takes it.
    """
    if candidates is None:
        ids = list(table.index)
        mapping = {}
    elif isinstance(candidates, Mapping):
        ids = [str(c) for c in candidates]
        mapping = {str(k): v for k, v in candidates.items()}
    elif isinstance(candidates, (list, tuple)) and all(isinstance(c, str) for c in candidates):
        ids = list(candidates)
        mapping = {}
    else:
        raise ParameterError(
            message(
                "candidates",
                "None, a list of row ids or a mapping row id -> catalog id",
                candidates,
                "pass ids such as ['resnet50.a1_in1k'], or None for every row",
            )
        )
    missing = [c for c in ids if c not in table.index]
    if missing:
        raise AdvisorError(
            f"candidates {missing} have no row in scores; rows are {list(table.index)[:10]}"
        )
    loaded = load_catalog_arg(catalog)
    out = {}
    for cid in ids:
        ref = mapping.get(cid, cid)
        out[cid] = ref if (ref is None or not isinstance(ref, str)) else _lookup(loaded, ref)
    return out


def _lookup(catalog, cid: str):
    for entry in catalog:
        if entry.id == cid:
            return entry
    return None
