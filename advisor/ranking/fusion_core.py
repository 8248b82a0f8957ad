"""The fusion's arithmetic on plain arrays: one implementation, used by ``fuse_scores`` and by
the benchmarks' fitter (benchmarks/fusion_fit.py), so the fitted numbers are the product's.

Evidence that disagrees is shrunk, not averaged in at full weight (docs/trust.md §1):

* **Probe gate.** Each probe is compared with the consensus of the *other* evidence (the
  mean of the other weighted probes and the prior, one equal vote each) by rank
  correlation across the candidates. At or above ``probe_gate`` it keeps its weight; below,
  its weight falls linearly to 0 at ``probe_gate - GATE_WIDTH``. A probe that fails on one
  target (points the wrong way while the rest agree) so loses its vote on that target only.
* **Prior shift.** The rank correlation between the (gated) probe evidence and the prior
  measures how much they disagree. Below ``disagree_threshold`` the prior weight moves
  linearly toward ``disagree_prior_weight``, reaching it ``SHIFT_WIDTH`` lower: the fit decides
  which side is the more reliable one when they disagree.

Both are label-free (they read only the scores being fused) and deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

GATE_WIDTH = 0.5
# The prior shift ramps over a narrower band: a middling correlation is still agreement.
SHIFT_WIDTH = 0.25
# Below this many candidates with both values, a rank correlation says too little to act on.
MIN_AGREEMENT_N = 4


@dataclass
class Combined:
    final: np.ndarray  # [N] fused score before signals (NaN: no probe and no prior)
    probe_part: np.ndarray  # [N] gated weighted mean of the probes (NaN: none present)
    weights: np.ndarray  # [P] effective probe weights after the gate
    mass: np.ndarray  # [N] sum of effective weights of the probes each candidate has
    gates: np.ndarray  # [P] in [0, 1]
    agreement: np.ndarray  # [P] rank correlation of each probe with the rest (NaN: n/a)
    prior_agreement: float  # rank correlation of probe evidence with the prior (NaN: n/a)
    prior_weight: float  # the prior weight actually used


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NaN-aware row mean of ``values`` [N, K] with weights [K]: (mean [N], mass [N]);
    the mean is NaN where a row has none of the weighted columns."""
    values = np.asarray(values, float).reshape(len(values), -1)
    weights = np.asarray(weights, float)
    if values.shape[1] == 0:
        return np.full(len(values), np.nan), np.zeros(len(values))
    present = ~np.isnan(values)
    mass = present @ weights
    total = np.where(present, values, 0.0) @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(mass > 0, total / np.where(mass > 0, mass, 1.0), np.nan)
    return mean, mass


def rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman correlation over the rows where both are finite; NaN when fewer than
    MIN_AGREEMENT_N rows remain or a side is constant."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    both = np.isfinite(x) & np.isfinite(y)
    if both.sum() < MIN_AGREEMENT_N:
        return float("nan")
    rx, ry = average_ranks(x[both]), average_ranks(y[both])
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denom = float(np.sqrt((rx @ rx) * (ry @ ry)))
    return float(rx @ ry / denom) if denom > 0 else float("nan")


def column_rank_correlation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``rank_correlation`` of each column of ``x`` with the same column of ``y``."""
    if np.isfinite(x).all() and np.isfinite(y).all() and len(x) >= MIN_AGREEMENT_N:
        from scipy.stats import rankdata

        rx, ry = rankdata(x, axis=0), rankdata(y, axis=0)
        rx, ry = rx - rx.mean(axis=0), ry - ry.mean(axis=0)
        denom = np.sqrt((rx * rx).sum(axis=0) * (ry * ry).sum(axis=0))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(
                denom > 0, (rx * ry).sum(axis=0) / np.where(denom > 0, denom, 1), np.nan
            )
    return np.array([rank_correlation(x[:, j], y[:, j]) for j in range(x.shape[1])])


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 0..n-1 with ties sharing their mean rank (scipy.stats.rankdata's "average",
    shifted by one; numpy only, because the fitter calls this thousands of times)."""
    order = np.argsort(x, kind="mergesort")
    ordered = x[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    counts = np.diff(np.append(starts, len(x)))
    group = np.repeat(np.arange(len(starts)), counts)
    ranks = np.empty(len(x))
    ranks[order] = (starts + (counts - 1) / 2.0)[group]
    return ranks


def blend(probe_part: np.ndarray, prior: np.ndarray, prior_weight: float) -> np.ndarray:
    """(1 - a)·probes + a·prior. A candidate without a prior is judged on its probes alone
    (a = 0 for it); one without probe scores counts its probe part as 0, the median
    candidate's. NaN where a candidate has neither."""
    a_each = np.where(np.isnan(prior), 0.0, prior_weight)  # broadcasts over columns
    out = (1 - a_each) * np.nan_to_num(probe_part) + a_each * np.nan_to_num(prior)
    return np.where(np.isnan(probe_part) & np.isnan(prior), np.nan, out)


def combine(
    z: np.ndarray,
    weights: np.ndarray,
    prior: np.ndarray,
    prior_weight: float,
    *,
    probe_gate: float | None = None,
    disagree_threshold: float | None = None,
    disagree_prior_weight: float | None = None,
) -> Combined:
    """Fuse robust z-scores ``z`` [N, P] (weights [P] > 0) with the prior evidence [N]."""
    z = np.asarray(z, float).reshape(len(prior), -1)
    weights = np.asarray(weights, float)
    prior = np.asarray(prior, float)
    n_probes = z.shape[1]
    gates = np.ones(n_probes)
    agreement = np.full(n_probes, np.nan)
    if probe_gate is not None and n_probes:
        # Each other probe and the prior cast one equal vote: weighting the consensus by the
        # fitted weights would let a heavy probe that fails make the others look wrong.
        voters = np.column_stack([z, prior])
        filled, present = np.nan_to_num(voters), ~np.isnan(voters)
        total, mass = filled.sum(axis=1), present.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            rest_mass = mass[:, None] - present[:, :n_probes]
            rest = np.where(
                rest_mass > 0,
                (total[:, None] - filled[:, :n_probes]) / np.where(rest_mass > 0, rest_mass, 1.0),
                np.nan,
            )
        agreement = column_rank_correlation(z, rest)
        finite = np.isfinite(agreement)
        gates[finite] = np.clip(
            (agreement[finite] - (probe_gate - GATE_WIDTH)) / GATE_WIDTH, 0.0, 1.0
        )
    effective = weights * gates
    probe_part, mass = weighted_mean(z, effective)
    prior_agreement = rank_correlation(probe_part, prior)
    used = float(prior_weight)
    if (
        disagree_threshold is not None
        and disagree_prior_weight is not None
        and np.isfinite(prior_agreement)
    ):
        step = float(np.clip((disagree_threshold - prior_agreement) / SHIFT_WIDTH, 0.0, 1.0))
        used = prior_weight + (disagree_prior_weight - prior_weight) * step
    return Combined(
        final=blend(probe_part, prior, used),
        probe_part=probe_part,
        weights=effective,
        mass=mass,
        gates=gates,
        agreement=agreement,
        prior_agreement=prior_agreement,
        prior_weight=used,
    )


PRIOR_FEATURE = "prior"  # the ranker's name for the prior evidence


@dataclass
class Stacked:
    final: np.ndarray  # [N] weighted / scale_weighted + ranker / scale_ranker (NaN: no evidence)
    scale_weighted: float
    scale_ranker: float
    terms: dict  # supplier (a column, or PRIOR_FEATURE) -> [N] its ranker term, scaled
    suppliers: dict  # ranker feature -> the column that supplied it (ranker_suppliers)


def ranker_suppliers(
    columns: Sequence[str], proxies: Mapping[str, str], ranker: Mapping[str, float]
) -> dict[str, str]:
    """Which computed column supplies each ranker feature: the probe of that name, else the
    first column whose proxy it is (NCE for LEEP). The prior feature is not a column's."""
    out = {}
    for feature in ranker:
        if feature == PRIOR_FEATURE:
            continue
        if feature in columns:
            out[feature] = feature
            continue
        proxy = next((c for c in columns if proxies.get(c) == feature), None)
        if proxy is not None:
            out[feature] = proxy
    return out


def spread(values: np.ndarray) -> float:
    """Standard deviation of the finite values; 1 when they do not vary (nothing to scale)."""
    finite = values[np.isfinite(values)]
    scale = float(finite.std()) if finite.size >= 2 else 0.0
    return scale if scale > 1e-12 else 1.0


def stack(
    weighted: np.ndarray,
    z_by_column: Mapping[str, np.ndarray],
    prior: np.ndarray,
    ranker: Mapping[str, float],
    proxies: Mapping[str, str],
    evidence: np.ndarray | None = None,
) -> Stacked:
    """The stacked fusion: the weighted fusion's score and the ranker's linear score, each
    divided by its spread across the candidates so that neither dominates by scale.

    The ranker is a pairwise logistic ranker fitted on the group's published targets
    (benchmarks/fusion_stack.py); its inputs are robust z-scores, a missing score 0 (the
    median candidate's) and a missing prior the candidate's weighted (probe) evidence.
    ``evidence`` marks the candidates with any score or prior (default: a finite
    ``weighted``); one without weighted evidence but with probe scores is judged on the
    ranker; NaN where there is no evidence at all.
    """
    weighted = np.asarray(weighted, float)
    n = len(weighted)
    supplied = ranker_suppliers(list(z_by_column), proxies, ranker)
    inputs = {
        column: np.nan_to_num(np.asarray(z_by_column[column], float))
        for column in supplied.values()
    }
    raw = {column: float(ranker[feature]) * inputs[column] for feature, column in supplied.items()}
    if PRIOR_FEATURE in ranker:
        # A candidate without a prior (not in the catalog) is judged on its probes alone, as
        # in the weighted part: its probe evidence stands in for the prior it lacks.
        prior = np.asarray(prior, float)
        known = np.where(np.isfinite(prior), prior, np.nan_to_num(weighted))
        raw[PRIOR_FEATURE] = float(ranker[PRIOR_FEATURE]) * known
    score = np.sum(list(raw.values()), axis=0) if raw else np.zeros(n)
    evidence = np.isfinite(weighted) if evidence is None else np.asarray(evidence, bool)
    scale_w = spread(weighted)
    scale_r = spread(np.where(evidence, score, np.nan))
    terms = {k: np.where(evidence, v / scale_r, np.nan) for k, v in raw.items()}
    final = np.where(evidence, np.nan_to_num(weighted) / scale_w + score / scale_r, np.nan)
    return Stacked(final, scale_w, scale_r, terms, supplied)
