"""The one-sentence "why" of each ranked candidate: its strongest and weakest evidence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def explain(
    candidate: str,
    record: Mapping[str, Any],
    probes: list[str],
    total: int,
    contributions: pd.DataFrame | None,
) -> str:
    """One short sentence: the strongest and the weakest evidence for this candidate."""
    if total == 1:
        return "The only candidate ranked, so there is nothing to compare; see its probe scores."
    parts = _contribution_parts(candidate, contributions)
    if parts is None:
        ranked = [(p, record.get(f"{p}_rank")) for p in probes if record.get(f"{p}_rank")]
        if not ranked:
            return "No probe could be computed for this candidate."
        ranked.sort(key=lambda item: (item[1], item[0]))
        parts = [(p, None) for p, _ in ranked]
    labels = [_evidence_label(name, value, record, total) for name, value in parts]
    text = (
        f"Only evidence: {labels[0]}"
        if len(labels) == 1
        else (f"Strongest evidence: {labels[0]}; weakest: {labels[-1]}")
    )
    ranked = [record.get(f"{p}_rank") for p in probes if record.get(f"{p}_rank") is not None]
    if len(ranked) > 1 and total > 1:
        top = sum(r == 1 for r in ranked)
        text += (
            f"; top on {top} of {len(ranked)} probes"
            if top
            else f"; median rank {_ordinal(int(np.median(ranked)))} across {len(ranked)} probes"
        )
    return text + "."


def _contribution_parts(
    candidate: str, contributions: pd.DataFrame | None
) -> list[tuple[str, float]] | None:
    if contributions is None or candidate not in getattr(contributions, "index", ()):
        return None
    row = pd.to_numeric(contributions.loc[candidate], errors="coerce").dropna()
    if row.empty:
        return None
    ordered = row.sort_values(ascending=False, kind="mergesort")
    picks = [0, len(ordered) - 1] if len(ordered) > 1 else [0]
    return [(str(ordered.index[i]), float(ordered.iloc[i])) for i in picks]


def _evidence_label(name: str, contribution: float | None, record: Mapping, total: int) -> str:
    rank = record.get(f"{name}_rank")
    if rank is not None:
        return f"{name} ranks it {_ordinal(rank)} of {total}"
    if contribution is not None:
        return f"{_component_name(name)} ({contribution:+.2f})"
    return name


def _component_name(name: str) -> str:
    """Fusion component ids as words: 'prior' -> 'catalog prior', 'signal:x' -> 'x signal'."""
    if name == "prior":
        return "catalog prior"
    if name.startswith("signal:"):
        return f"{name.split(':', 1)[1].replace('_', ' ')} signal"
    return name


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
