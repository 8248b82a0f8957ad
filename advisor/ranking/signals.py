"""Domain-similarity signals for the fusion: each candidate's numeric extraction stats."""

from __future__ import annotations


def extraction_signals(featuresets):
    """candidate x stat (unk_rate, truncation_rate, upscale_factor...), None without any."""
    import pandas as pd

    rows = {c: dict(fs.stats or {}) for c, fs in featuresets.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    numeric = frame.apply(pd.to_numeric, errors="coerce") if len(frame.columns) else frame
    numeric = numeric.dropna(axis=1, how="all")
    return numeric if len(numeric.columns) else None
