"""What a dataset left out, said in a few short lines; and leaving out, for the ranking,
the images found unreadable only when decoded and the classes too small for the probes.

``describe_skipped`` is the one summary of the skipped inputs (unreadable, invalid, empty)
and the dropped ones (duplicates, conflicting labels, classes too small) that the CLI
prints, the ranking carries in its notes and the TUI shows in its data step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from advisor.data.labelled import LabelledData, reason_kind
from advisor.data.labels import require_mostly_readable, require_two_classes
from advisor.errors import DataError

SHOWN = 3  # examples named per reason
_NAME_WIDTH = 40  # a longer path keeps its end, where the file name is


def describe_skipped(data: LabelledData, *, examples: int = SHOWN) -> list[str]:
    """One line per reason inputs were left out: how many, why, and the first few.

    e.g. ``skipped 2 files (truncated): cat/0003.jpg, dog/0010.jpg`` or
    ``dropped 5 rows (exact duplicate): line 12, line 40, line 41 and 2 more``.
    Empty when nothing was left out.
    """
    lines = []
    for verb, items in (("skipped", data.skipped), ("dropped", data.dropped)):
        groups: dict[str, list[str]] = {}
        for item, reason in items:
            groups.setdefault(reason_kind(reason), []).append(str(item))
        for kind, names in sorted(groups.items(), key=lambda g: -len(g[1])):
            noun = _noun(names)
            if noun.startswith("class"):  # "class 'cat'" reads "'cat'" after "2 classes"
                names = [name.removeprefix("class ") for name in names]
            shown = ", ".join(_short(name) for name in names[:examples])
            more = f" and {len(names) - examples} more" if len(names) > examples else ""
            lines.append(f"{verb} {len(names)} {noun} ({kind}): {shown}{more}")
    return lines


def drop_unreadable(
    data: LabelledData, rows: Mapping[int, tuple[str, str]]
) -> tuple[LabelledData, np.ndarray]:
    """``data`` without the images at ``rows`` (position -> (file as shown, reason)), which
    join its ``skipped``; returns (the rest, positions kept). The same rows go for every
    candidate, so feature rows stay aligned and the fingerprint (the cache key) names what
    is used."""
    bad = list(rows.values())
    require_mostly_readable(len(data), bad, data.source, "image files")
    keep = np.setdiff1d(np.arange(len(data), dtype=np.int64), np.fromiter(rows, dtype=np.int64))
    rest = data.subset(keep)
    rest.skipped.extend(bad)
    present = [rest.class_names[c] for c in np.unique(rest.labels)]
    require_two_classes(present, data.source)
    return rest, keep


def drop_small_classes(data: LabelledData, minimum: int = 2) -> tuple[LabelledData, np.ndarray]:
    """``data`` without the classes that have fewer than ``minimum`` examples, each noted in
    its ``dropped``; returns (the rest, positions kept). The probes compare examples within
    a class, so one example of a class would leave every probe without a score."""
    counts = np.bincount(data.labels, minlength=data.num_classes)
    small = np.flatnonzero((counts > 0) & (counts < minimum))
    if not small.size:
        return data, np.arange(len(data), dtype=np.int64)
    big = np.flatnonzero(counts >= minimum)
    if not big.size:
        raise DataError(
            f"every class in {data.source} has fewer than {minimum} examples ({small.size} "
            f"classes among {len(data)} examples); the probes need at least {minimum} per "
            f"class. If the label column is an id or a measured value, give a column of class "
            f"names or bin the values into classes (and keep min_per_class >= {minimum})"
        )
    if big.size < 2:
        shown = ", ".join(f"'{data.class_names[c]}'" for c in small[:SHOWN])
        raise DataError(
            f"only class '{data.class_names[big[0]]}' in {data.source} has {minimum} or more "
            f"examples ({shown}{' ...' if small.size > SHOWN else ''} "
            f"{'has' if small.size == 1 else 'have'} fewer); ranking "
            "needs 2 classes with enough examples: add examples of the others"
        )
    keep = np.flatnonzero(np.isin(data.labels, big)).astype(np.int64)
    rest = data.subset(keep)
    rest.dropped.extend(
        (
            f"class '{data.class_names[c]}'",
            f"too few examples: {counts[c]}, the probes need at least {minimum} per class",
        )
        for c in small
    )
    return rest, keep


def _noun(names: list[str]) -> str:
    one = len(names) == 1
    if all(name.startswith("class '") for name in names):
        return "class" if one else "classes"
    if all(name.startswith(("line ", "row ", "synset ")) for name in names):
        return "row" if one else "rows"
    if all(name.startswith("split '") for name in names):
        return "split" if one else "splits"
    if all(name.endswith("/") for name in names):
        return "folder" if one else "folders"
    return "file" if one else "files"


def _short(name: str) -> str:
    return name if len(name) <= _NAME_WIDTH else "…" + name[-(_NAME_WIDTH - 1) :]


def shown_path(data: LabelledData, path: str) -> str:
    """A file's path as the load-time reports name it: relative to the folder or table."""
    source = Path(str(data.source))
    for base in (source, source.parent):
        try:
            return Path(path).relative_to(base.resolve()).as_posix()
        except (ValueError, OSError):
            continue
    return os.fspath(path)
