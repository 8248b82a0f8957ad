"""The one conversion of results, settings and configs to strict JSON values.

``to_jsonable`` is used by every JSON the advisor writes (rankings, verify reports, run
configs, feature-cache sidecars, benchmark results), so they agree on what NaN, numpy
scalars and paths become. ``dumps`` is ``json.dumps`` of that, with ``allow_nan=False`` as
the proof that the text is strict JSON.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import os
import sys
from collections.abc import Mapping
from typing import Any


def to_jsonable(value: Any, *, digits: int | None = None) -> Any:
    """A copy of ``value`` made of dict/list/str/int/float/bool/None only.

    NaN and +-inf -> None; numpy scalars and arrays (anything with ``item``/``tolist``, so
    torch tensors too) -> Python numbers and lists; paths -> str; dataclasses -> dicts;
    enums -> their value; pandas NA/NaT -> None; mapping keys -> str; tuples and sets ->
    lists (sets sorted). Any other object becomes ``str(value)``, as
    ``json.dumps(default=str)`` would write it.
    ``digits``: round floats to that many decimals (for compact, diffable benchmark files).
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)  # an IntEnum or other int subclass becomes a plain int
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(float(value), digits) if digits is not None else float(value)
    if isinstance(value, Mapping):
        return {_key(k): to_jsonable(v, digits=digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v, digits=digits) for v in value]
    if isinstance(value, set | frozenset):
        return [to_jsonable(v, digits=digits) for v in sorted(value, key=repr)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return to_jsonable(fields, digits=digits)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value, digits=digits)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, bytes | bytearray):
        return str(value)
    if _is_missing(value):
        return None
    if hasattr(value, "tolist") and getattr(value, "ndim", None) != 0:  # arrays, tensors
        return to_jsonable(value.tolist(), digits=digits)
    if hasattr(value, "item"):  # numpy / torch scalars (0-d arrays included)
        try:
            return to_jsonable(value.item(), digits=digits)
        except (TypeError, ValueError):
            pass
    return str(value)


def dumps(
    value: Any, *, indent: int | None = 2, digits: int | None = None, ensure_ascii: bool = True
) -> str:
    """Strict JSON text of ``to_jsonable(value)`` (no NaN, no Infinity); ``ensure_ascii=False``
    keeps non-ASCII text (labels, file names) readable on a terminal."""
    return json.dumps(
        to_jsonable(value, digits=digits), indent=indent, allow_nan=False, ensure_ascii=ensure_ascii
    )


def _is_missing(value: Any) -> bool:
    """pandas' NA and NaT (only when pandas is already loaded: never import it for this)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and (value is pandas.NA or value is pandas.NaT)


def _key(key: Any) -> str:
    converted = to_jsonable(key)
    return converted if isinstance(converted, str) else json.dumps(converted)
