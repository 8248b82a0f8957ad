"""Helpers for set-level probes, which score every candidate against the others."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from probes.errors import ProbeInputError


def candidate_inputs(features, labels) -> list[tuple[object, object]]:
    """Pair each candidate's features with its labels (one shared array or one per candidate)."""
    if isinstance(features, np.ndarray) or not isinstance(features, Sequence):
        raise ProbeInputError(
            "features must be a list with one [N, D] array per candidate for a set-level probe; "
            "wrap a single matrix as [features]"
        )
    if len(features) < 2:
        raise ProbeInputError(
            f"features has {len(features)} candidate(s); set-level probes normalise across "
            "candidates, so pass at least 2"
        )
    per_candidate = (
        isinstance(labels, Sequence)
        and not isinstance(labels, (str, bytes))
        and len(labels) == len(features)
        and all(np.ndim(item) >= 1 for item in labels)
    )
    if per_candidate:
        return list(zip(features, labels, strict=True))
    return [(f, labels) for f in features]


def minmax(values) -> np.ndarray:
    """Scale to [0, 1] across candidates; all-equal values map to 0 (no information)."""
    values = np.asarray(values, dtype=np.float64)
    span = values.max() - values.min()
    if span <= 0:
        return np.zeros_like(values)
    return (values - values.min()) / span
