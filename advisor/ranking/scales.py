"""Robust scores across candidates: the fusion's normalisation of every probe and prior column.

A column's robust z-score depends on which candidates it is computed over. ``ScaleReference``
lets candidates that are not ranked count in the scale (docs/ranking.md "Anytime ranking").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

SMALL_SET = 5  # below this many candidates, scale by the mean absolute deviation, not the MAD
# Mean absolute deviation × this estimates a normal standard deviation.
MEAN_AD_TO_SD = float(np.sqrt(np.pi / 2))


@dataclass(frozen=True)
class ScaleReference:
    """Candidates that are not ranked but count in each column's robust scale: the anytime
    ranking's dropped candidates (their last round's scores, shifted to the final round).

    Which candidates a column is scaled over moves the winner of a close call (docs/ranking.md
    "Anytime ranking"): with the scales of every candidate seen, the ranking of the finalists
    is the one their full table would give, even though the dropped ones embedded fewer rows.
    """

    scores: pd.DataFrame  # reference candidate x probe (the ranked table's columns)
    entries: Mapping[str, object | None]  # their catalog entries, for the prior's scales


def robust_z(values: pd.Series, clip: float = 3.0, reference=None) -> pd.Series:
    """Robust z-score across candidates: (x − median) / (1.4826·MAD), clipped to ±clip.

    Uses the mean absolute deviation from the median (×√(π/2)) instead when fewer than 5
    values are present or the MAD is zero (more than half tie), and all zeros when every
    value ties. NaN stays NaN. Unlike the standard deviation, that fallback keeps the score
    monotone: raising an outlier raises its z (the standard deviation grows faster than
    the gap, so an outlier's z could fall). ``reference``: more values that count in the
    scale (not the centre) and get no score (``ScaleReference``).
    """
    x = _floats(values)
    present = x[~np.isnan(x)]
    spread_of = present
    if reference is not None:
        extra = _floats(reference)
        spread_of = np.concatenate([present, extra[~np.isnan(extra)]])
    out = np.full_like(x, np.nan)
    if present.size:
        centre = float(np.median(present))
        scale = _robust_scale(spread_of)
        tiny = 1e-12 * max(1.0, abs(centre))
        if scale > tiny:
            out = np.clip((x - centre) / scale, -clip, clip)
        else:
            out = np.where(np.isnan(x), np.nan, 0.0)
    index, name = getattr(values, "index", None), getattr(values, "name", None)
    return pd.Series(out, index=index, name=name)


def _robust_scale(values: np.ndarray) -> float:
    """1.4826·MAD about the median; the mean absolute deviation (×√(π/2)) below 5 values or
    when the MAD is zero."""
    centre = float(np.median(values))
    scale = 1.4826 * float(np.median(np.abs(values - centre)))
    if values.size < SMALL_SET or not scale > 1e-12 * max(1.0, abs(centre)):
        # With fewer than 5 values the MAD is just the smallest gap (for 3 values), so
        # two near-ties would blow every other difference up to the clip.
        scale = MEAN_AD_TO_SD * float(np.mean(np.abs(values - centre)))
    return scale


def _floats(values) -> np.ndarray:
    """A column as floats (a copy), non-finite as NaN."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "fiub":  # numeric already
        x = series.to_numpy(dtype=float, copy=True)
    else:
        x = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, copy=True)
    x[~np.isfinite(x)] = np.nan
    return x
