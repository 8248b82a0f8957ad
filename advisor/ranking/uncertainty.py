"""How sure is the ranking? Resample the probe subsample, recompute probes, re-fuse.

Each replicate draws half of the examples of every class without replacement (the same rows
for every candidate, so candidates are compared on identical data), recomputes the probes
with ``compute_probe_scores`` and fuses them with the same priors and signals. Half-sampling
estimates the same spread as the classical bootstrap (Efron & Tibshirani 1993, ch. 10)
without duplicated rows, which would flatter neighbour-based probes (a duplicate is its
own nearest neighbour).

Per candidate: the 5–95 % interval of its rank (widened to include the point rank when it
is given), P(best) (ties share the win), and ``too_close`` when its interval overlaps the
leader's. ``frame.attrs["suggestion"]`` names the cheapest candidate among the leader and
those too close to call, when it is not the leader.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from advisor.data.sampling import half_sample
from advisor.errors import Cancelled

COLUMNS = ("rank_low", "rank_high", "p_best", "too_close")


def _project(featureset, max_dim: int | None):
    """The featureset with features on their top ``max_dim`` principal axes (full width when
    already narrower). Rank-preserving enough for intervals, and much cheaper to probe."""
    from dataclasses import replace

    x = np.asarray(featureset.features, dtype=np.float32)
    if max_dim is None or x.shape[1] <= max_dim or x.shape[0] <= max_dim:
        return featureset
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return replace(featureset, features=np.ascontiguousarray(centred @ vt[:max_dim].T))


def _subset(featureset, rows: np.ndarray):
    from dataclasses import replace

    probs = featureset.source_probs
    return replace(
        featureset,
        features=featureset.features[rows],
        source_probs=None if probs is None else probs[rows],
        labels=featureset.labels[rows],
    )


def bootstrap_ranks(
    featuresets: Mapping[str, object],
    probe_names,
    entries: Mapping[str, object | None],
    *,
    n_boot: int = 50,
    seed: int = 0,
    signals=None,
    cancel=None,
    point: pd.Series | None = None,
    costs: Mapping[str, float] | None = None,
    fraction: float = 0.5,
    max_dim: int | None = 128,
    on_resample=None,
) -> pd.DataFrame:
    """Rank intervals, P(best) and "too close to call" per candidate (see module doc).

    ``point``: the point-estimate final scores (fixes the leader and widens intervals to
    contain the point rank); computed from the full featuresets when None (pass rank()'s
    to save that pass). ``costs``: candidate -> cost for the suggestion (default: the cost
    axis of ``advisor.ranking.cost``: parameters from the catalog, else measured latency).
    ``max_dim``: replicates score each candidate's features projected on their top
    ``max_dim`` principal axes (one SVD per candidate, reused by every replicate): several
    times cheaper for 1000-wide embeddings; None keeps the full width.
    ``on_resample(done, total)`` is called after each replicate.
    """
    from advisor.ranking.fusion import fuse_scores
    from advisor.ranking.scoring import compute_probe_scores

    candidates = list(featuresets)
    if n_boot < 1 or len(candidates) < 2:
        raise ValueError(
            f"n_boot must be >= 1 and there must be >= 2 candidates "
            f"(got n_boot={n_boot}, {len(candidates)} candidates)"
        )
    labels = np.asarray(next(iter(featuresets.values())).labels)
    for cid, fs in featuresets.items():
        if len(fs.labels) != len(labels) or not np.array_equal(fs.labels, labels):
            raise ValueError(
                f"featuresets[{cid!r}] has different labels from the others; "
                "every candidate must be scored on the same examples"
            )
    if point is None:  # the full-sample ranking, exactly as rank() computes it
        full = compute_probe_scores(featuresets, probe_names, seed=seed)
        point = fuse_scores(full, entries, signals).final
    reduced = {c: _project(featuresets[c], max_dim) for c in candidates}
    rng = np.random.default_rng(seed)
    ranks = np.zeros((n_boot, len(candidates)))
    wins = np.zeros(len(candidates))
    for b in range(n_boot):
        if cancel is not None and cancel.is_set():
            raise Cancelled("uncertainty bootstrap cancelled")
        rows = half_sample(labels, rng, fraction)
        subsets = {c: _subset(reduced[c], rows) for c in candidates}
        scores = compute_probe_scores(subsets, probe_names, seed=seed + b + 1, cancel=cancel)
        final = fuse_scores(scores, entries, signals).final.reindex(candidates)
        values = final.fillna(-np.inf).to_numpy(float)
        ranks[b] = pd.Series(values).rank(ascending=False, method="min").to_numpy()
        best = np.flatnonzero(values == values.max())
        wins[best] += 1.0 / len(best)
        if on_resample is not None:
            on_resample(b + 1, n_boot)
    if costs is None:
        costs = _comparable_costs(entries, featuresets)
    return summarise(candidates, ranks, wins / n_boot, point, costs)


def summarise(candidates, ranks: np.ndarray, p_best: np.ndarray, point=None, costs=None):
    """Intervals and flags from a [replicates x candidates] matrix of ranks."""
    low = np.floor(np.percentile(ranks, 5, axis=0, method="lower")).astype(int)
    high = np.ceil(np.percentile(ranks, 95, axis=0, method="higher")).astype(int)
    frame = pd.DataFrame({"rank_low": low, "rank_high": high, "p_best": p_best}, index=candidates)
    if point is not None:
        point_rank = (
            pd.Series(point, dtype=float)
            .reindex(candidates)
            .fillna(-np.inf)
            .rank(ascending=False, method="min")
            .astype(int)
        )
        frame["rank_low"] = np.minimum(frame["rank_low"], point_rank)
        frame["rank_high"] = np.maximum(frame["rank_high"], point_rank)
        leader = str(point_rank.idxmin())
    else:
        median = pd.Series(np.median(ranks, axis=0), index=candidates)
        leader = str(max(candidates, key=lambda c: (frame.at[c, "p_best"], -median[c])))
    frame["too_close"] = [
        c != leader and frame.at[c, "rank_low"] <= frame.at[leader, "rank_high"] for c in candidates
    ]
    frame.attrs["leader"] = leader
    frame.attrs["suggestion"] = _suggestion(frame, leader, costs or {})
    return frame


def _suggestion(frame: pd.DataFrame, leader: str, costs: Mapping[str, float]) -> dict | None:
    close = [c for c in frame.index if frame.at[c, "too_close"]]
    pool = [c for c in [leader, *close] if _finite(costs.get(c))]
    if not close or leader not in pool:
        return None
    cheapest = min(pool, key=lambda c: (costs[c], c))
    if cheapest == leader or costs[cheapest] >= costs[leader]:
        return None
    return {
        "candidate": cheapest,
        "instead_of": leader,
        "reason": f"too close to call with {leader} (P(best) {frame.at[cheapest, 'p_best']:.2f} "
        f"vs {frame.at[leader, 'p_best']:.2f}) and cheaper "
        f"({costs[cheapest]:.3g} vs {costs[leader]:.3g})",
    }


def _comparable_costs(entries, featuresets) -> dict[str, float]:
    """The cost axis of ``advisor.ranking.cost`` (parameters, else measured latency)."""
    from advisor.ranking.cost import candidate_costs, cost_axis

    _, cost = cost_axis(candidate_costs(entries, featuresets))
    return {str(c): float(v) for c, v in cost.items() if _finite(v)}


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
