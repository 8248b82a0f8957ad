"""The zoo's ground truth over several fine-tuning seeds, and how sure each measure is.

Each seed is one run of the verification protocol (``advisor.verify(seed=s)``): the seed picks
the stratified subsample, the train/val/test split and the fine-tuning randomness, so the
spread over seeds is the whole noise of one measured accuracy. The ground truth of a
candidate is its mean over seeds, with the standard error std / sqrt(n) (ddof=1).

The interval of each ranking measure is a bootstrap over that noise: every resample draws,
for every candidate independently, its seed accuracies with replacement, averages them into
a new ground truth, and scores each method's (fixed) prediction against it with the one
``ranking_measures``. Percentile interval, 95 % by default. With 3 seeds it is coarse, but it
says when a tau is a coin flip on the ground truth.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from advisor.verification.metrics import ranking_measures


def seed_accuracies(per_seed_rows: list[list[dict]]) -> dict[str, list[float]]:
    """{candidate: [test accuracy of each seed that finished]} from verify's rows per seed."""
    out: dict[str, list[float]] = {}
    for rows in per_seed_rows:
        for row in rows:
            value = row.get("test_accuracy")
            if value is not None and math.isfinite(float(value)):
                out.setdefault(row["candidate"], []).append(float(value))
    return out


def ground_truth(accuracies: dict[str, list[float]]) -> dict[str, dict]:
    """{candidate: {"mean", "se", "n", "accuracies"}}; se is None below 2 seeds."""
    out = {}
    for candidate, values in accuracies.items():
        array = np.asarray(values, dtype=float)
        se = float(array.std(ddof=1) / math.sqrt(len(array))) if len(array) >= 2 else None
        out[candidate] = {
            "mean": float(array.mean()),
            "se": se,
            "n": len(array),
            "accuracies": [float(v) for v in array],
        }
    return out


def mean_accuracy(truth: dict[str, dict]) -> pd.Series:
    return pd.Series({c: t["mean"] for c, t in truth.items()}, dtype=float)


def separation(truth: dict[str, dict]) -> dict:
    """How clearly the best candidate beats the runner-up: the gap, in points and in standard
    errors of the gap (sqrt(se1^2 + se2^2)); "within one SE" means the top is noise."""
    ordered = sorted(truth.items(), key=lambda item: -item[1]["mean"])
    if len(ordered) < 2:
        return {}
    (best, first), (second, runner) = ordered[0], ordered[1]
    gap = 100.0 * (first["mean"] - runner["mean"])
    ses = [t["se"] for t in (first, runner)]
    gap_se = 100.0 * math.hypot(*ses) if None not in ses else None
    return {
        "best": best,
        "runner_up": second,
        "gap_points": gap,
        "gap_se_points": gap_se,
        "gap_in_se": gap / gap_se if gap_se else None,
        "mean_se_points": _mean_se_points(truth),
    }


def _mean_se_points(truth: dict[str, dict]) -> float | None:
    ses = [t["se"] for t in truth.values() if t["se"] is not None]
    return 100.0 * float(np.mean(ses)) if ses else None


def bootstrap_intervals(
    methods: dict[str, pd.Series],
    accuracies: dict[str, list[float]],
    *,
    measures: tuple[str, ...] = ("weighted_tau", "regret_points"),
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, dict[str, list[float] | None]]:
    """{method: {measure: [low, high]}} over seed resamples of the ground truth (see module)."""
    rng = np.random.default_rng(seed)
    names = list(accuracies)
    values = [np.asarray(accuracies[c], dtype=float) for c in names]
    draws: dict[str, dict[str, list[float]]] = {m: {k: [] for k in measures} for m in methods}
    for _ in range(n_resamples):
        resampled = pd.Series(
            [v[rng.integers(0, len(v), len(v))].mean() for v in values], index=names, dtype=float
        )
        for method, prediction in methods.items():
            scored = ranking_measures(prediction, resampled)
            for key in measures:
                draws[method][key].append(scored[key])
    tail = 100.0 * (1.0 - level) / 2.0
    out = {}
    for method, by_measure in draws.items():
        out[method] = {}
        for key, sample in by_measure.items():
            finite = np.asarray(sample, dtype=float)
            finite = finite[np.isfinite(finite)]
            out[method][key] = (
                [float(np.percentile(finite, tail)), float(np.percentile(finite, 100 - tail))]
                if finite.size
                else None
            )
    return out
