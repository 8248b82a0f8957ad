"""How well a predicted ranking agrees with real fine-tuned accuracy.

The measures follow the transferability literature (Agostinelli et al. 2022; their
``results_analysis_utils.py``): weighted Kendall tau with scipy's default weigher (swaps near
the top count more), Kendall tau, Pearson r, relative top-1 accuracy and top-1 regret.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

MEASURES = ("weighted_tau", "kendall_tau", "pearson", "rel_at_1", "regret_points")


def ranking_measures(predicted: pd.Series, accuracy: pd.Series) -> dict[str, float]:
    """Agreement of ``predicted`` (higher = predicted better) with ``accuracy`` (0–1 or %).

    Candidates missing from either series, or with NaN, are left out. ``regret_points`` is
    the accuracy lost by taking the predicted best instead of the true best, in percentage
    points; ``rel_at_1`` is the chosen candidate's accuracy over the best one's.
    Correlations are NaN when fewer than 3 candidates remain or a side is constant.
    """
    pred = pd.to_numeric(pd.Series(predicted), errors="coerce").astype(float)
    acc = pd.to_numeric(pd.Series(accuracy), errors="coerce").astype(float)
    both = pd.concat([pred.rename("pred"), acc.rename("acc")], axis=1, join="inner").dropna()
    out = dict.fromkeys(MEASURES, math.nan)
    out["n"] = len(both)
    if both.empty:
        return out
    scale = 100.0 if both["acc"].max() <= 1.0 + 1e-9 else 1.0
    # A tie for the top prediction is broken at random: report the expected regret over the
    # tied candidates, so input order never favours a method that cannot decide.
    top = both.index[both["pred"] == both["pred"].max()]
    picked = both.loc[top, "acc"]
    best = both["acc"].max()
    out["chosen"] = str(top[0]) if len(top) == 1 else " | ".join(map(str, top))
    out["true_best"] = str(both["acc"].idxmax())
    out["regret_points"] = float((best - picked.mean()) * scale)
    out["rel_at_1"] = float(picked.mean() / best) if best > 0 else math.nan
    if len(both) >= 3 and both["pred"].nunique() > 1 and both["acc"].nunique() > 1:
        from scipy import stats

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out["weighted_tau"] = float(stats.weightedtau(both["acc"], both["pred"])[0])
            out["kendall_tau"] = float(stats.kendalltau(both["acc"], both["pred"])[0])
            out["pearson"] = float(stats.pearsonr(both["acc"], both["pred"])[0])
    return out


def mean_measures(rows: list[dict]) -> dict[str, float]:
    """Unweighted mean of each measure over targets (NaN-aware), as papers report it."""
    out = {}
    for key in MEASURES:
        values = np.array([r.get(key, math.nan) for r in rows], dtype=float)
        values = values[np.isfinite(values)]
        out[key] = float(values.mean()) if values.size else math.nan
    return out
