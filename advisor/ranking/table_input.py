"""Turn user-supplied score tables (DataFrame, list of dicts, CSV) into the candidate x probe
frame that fusion expects, and look the candidate ids up in the catalog."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from advisor.errors import AdvisorError

ID_COLUMNS = ("candidate", "model", "id")


def scores_frame(scores) -> pd.DataFrame:
    """A float DataFrame indexed by candidate id, one column per probe.

    Accepts a DataFrame (candidate ids in a ``candidate``/``model``/``id`` column or in the
    index), a list of dicts with the same keys, or a path to a CSV file.
    """
    if isinstance(scores, (str, Path)):
        path = Path(scores)
        if not path.is_file():
            raise AdvisorError(f"scores file {path} does not exist; pass a CSV with a "
                               "'candidate' column and one column per probe")
        try:
            scores = pd.read_csv(path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise AdvisorError(f"scores file {path} is not a readable CSV ({exc}); "
                               "save it as comma-separated text") from None
    if isinstance(scores, (list, tuple)):
        if not scores or not all(isinstance(r, Mapping) for r in scores):
            raise AdvisorError("scores must be a non-empty list of dicts, one per candidate, "
                               "e.g. [{'candidate': 'resnet50.a1_in1k', 'logme': 1.2}]")
        scores = pd.DataFrame(list(scores))
    if not isinstance(scores, pd.DataFrame):
        raise AdvisorError(f"scores must be a DataFrame, a list of dicts or a CSV path, "
                           f"not {type(scores).__name__}")
    frame = scores.copy()
    id_col = next((c for c in ID_COLUMNS if c in frame.columns), None)
    if id_col is not None:
        frame = frame.set_index(id_col)
    frame.index = [str(i).strip() for i in frame.index]
    if frame.empty or len(frame.index) == 0:
        raise AdvisorError("scores has no rows; give one row per candidate")
    dupes = sorted(set(frame.index[frame.index.duplicated()]))
    if dupes:
        raise AdvisorError(f"scores lists candidates {dupes} more than once; keep one row each")
    numeric = {}
    for col in frame.columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        if values.notna().sum() == 0 and frame[col].notna().any():
            continue  # a text column (notes, family...): not a probe
        numeric[str(col)] = values.astype(float)
    if not numeric:
        raise AdvisorError("scores has no numeric probe columns; add columns such as "
                           "'logme', 'leep', 'hscore' with one number per candidate")
    return pd.DataFrame(numeric, index=frame.index)


def entries_for(table: pd.DataFrame, candidates=None) -> dict:
    """Map each candidate id of ``table`` to its catalog Entry (None when not in the catalog).

    ``candidates``: None (all rows), a list of ids (those rows, in that order), or a mapping
    row id -> Entry or catalog id (for tables whose row names are not catalog ids).
    """
    if candidates is None:
        ids = list(table.index)
        mapping = {}
    elif isinstance(candidates, Mapping):
        ids = list(candidates)
        mapping = dict(candidates)
    else:
        ids = [str(c) for c in candidates]
        mapping = {}
    missing = [c for c in ids if c not in table.index]
    if missing:
        raise AdvisorError(f"candidates {missing} have no row in scores; rows are "
                           f"{list(table.index)[:10]}")
    catalog = _catalog()
    out = {}
    for cid in ids:
        ref = mapping.get(cid, cid)
        out[cid] = ref if (ref is None or not isinstance(ref, str)) else _lookup(catalog, ref)
    return out


def _catalog():
    try:
        from catalog import load_catalog
    except ImportError:
        return None
    try:
        return load_catalog()
    except Exception:  # a broken user TOML must not stop fusing: no priors instead
        return None


def _lookup(catalog, cid: str):
    if catalog is None:
        return None
    for entry in catalog:
        if entry.id == cid:
            return entry
    return None
