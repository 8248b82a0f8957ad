"""Fit the shipped (stacked) fusion per task group, never on the data being ranked.

For each task group (image, text, segmentation: what the product knows about the user's
data, never a table's name) and from that group's training targets only (every training
target when the group has fewer than ``MIN_GROUP_TARGETS``):

* **reliability**: each evidence source (each fitted probe, and the prior as a whole) gets
  its mean weighted tau alone on those targets; the product weighs the sources it computed
  by a softmax of it at temperature ``TEMPERATURE`` (FusionParams.reliability_weights), so
  the source that ranked this kind of data best elsewhere leads and the others break its
  ties;
* **prior shift** (fusion_core.combine): its (threshold, weight) chosen by an inner
  leave-one-target-out over the training targets;
* **pairwise ranker** (fusion_core.stack): an L2 logistic regression without intercept and
  with non-negative coefficients (``nonnegative_logistic``) on the differences of the
  candidates' z-scores (each fitted probe and the prior), each target one unit of weight and
  each pair weighted 1/rank_i + 1/rank_j, so the top matters most.

The product's final score is the weighted fusion plus the ranker's score, each divided by
its spread across the candidates (advisor/ranking/fusion_core.py: stack). Track records
never include the held-out target (LODO) or table (LOTO); the reserved SFDA / Model-Spider
tables are never read. benchmarks/fusion_eval.py evaluates it through ``fuse_scores``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
from scipy import stats

from advisor.ranking.fusion_core import PRIOR_FEATURE, combine
from advisor.ranking.fusion_params import FusionParams
from benchmarks import fusion_fit as ff

TEMPERATURE = 0.003  # tau units: a source 0.01 less reliable keeps ~4% of the weight
TRACK_WEIGHT = 2.0  # the track record's weight in the prior (the coordinate-ascent fit's)
PAIRWISE_C = 0.1
MIN_GROUP_TARGETS = 2
FEATURES = (*ff.FITTED_PROBES, PRIOR_FEATURE)
PRIOR_COMPONENTS = {**ff.FIXED_COMPONENTS, "track_record": TRACK_WEIGHT}


def group(prep: ff.Prepared) -> str:
    """The task group of a table target: segmentation for that table (its task), else the
    product's own rule (advisor.ranking.fusion_params.task_group_of)."""
    from advisor.ranking.fusion_params import task_group_of

    if prep.table == "keras_segmentation":
        return "segmentation"
    return task_group_of(prep.target.entries)


def sources(prep: ff.Prepared, track) -> dict:
    """Source -> score per candidate: each probe column under its fitted name (its own
    column first, else its first proxy: as fusion_core.ranker_suppliers) and the prior."""
    out = {}
    for k, (column, name) in enumerate(zip(prep.columns, prep.param_of, strict=True)):
        if name not in out or column == name:
            out[name] = prep.z[:, k]
    prior = ff.prior_evidence(prep, track, TRACK_WEIGHT)
    if np.unique(prior[np.isfinite(prior)]).size >= 2:
        out[PRIOR_FEATURE] = prior
    return out


def reliabilities(taus: Sequence[dict]) -> dict:
    """Mean tau per source over the targets that have it."""
    out = {}
    for name in sorted({s for t in taus for s in t}):
        values = [t[name] for t in taus if np.isfinite(t.get(name, np.nan))]
        if values:
            out[name] = float(np.mean(values))
    return out


def source_weights(reliability: Mapping[str, float], sources) -> tuple[dict, float]:
    """The product's softmax weights (FusionParams.reliability_weights) of the probe
    ``sources`` present, and the prior weight."""
    fitted = FusionParams(reliability=dict(reliability), temperature=TEMPERATURE)
    return fitted.reliability_weights([s for s in sources if s != PRIOR_FEATURE])


def weighted_part(src: dict, weights: Mapping[str, float], a: float, shift) -> np.ndarray:
    """The weighted fusion of one target's sources as fuse_scores computes it (fusion_core.
    combine without a gate): probe weights renormalised over the probes present, prior
    weight ``a``."""
    n = len(next(iter(src.values())))
    probes = [s for s in src if s != PRIOR_FEATURE and weights.get(s, 0.0) > 0]
    prior = src.get(PRIOR_FEATURE, np.full(n, np.nan))
    if not probes:
        a = 1.0
    z = np.column_stack([src[s] for s in probes]) if probes else np.zeros((n, 0))
    threshold, shifted = shift if shift else (None, None)
    return combine(
        z,
        np.array([weights[s] for s in probes]),
        prior,
        a,
        disagree_threshold=threshold,
        disagree_prior_weight=shifted,
    ).final


def choose_shift(
    train_src: Sequence[dict], taus: Sequence[dict], accuracies: Sequence, tables: Sequence[str]
):
    """The shift with the best mean (over tables) inner leave-one-target-out tau."""
    inner = [
        source_weights(reliabilities([*taus[:k], *taus[k + 1 :]]), src)
        for k, src in enumerate(train_src)
    ]
    best, best_score = None, -np.inf
    for shift in ff.SHIFT_GRID:
        per_table: dict = {}
        for k, src in enumerate(train_src):
            score = weighted_part(src, *inner[k], shift)
            per_table.setdefault(tables[k], []).append(ff.weighted_tau(accuracies[k], score))
        means = [np.nanmean(v) for v in per_table.values() if np.isfinite(v).any()]
        score = float(np.mean(means)) if means else -np.inf
        if score > best_score + 1e-4:
            best, best_score = shift, score
    return best


def features(src: dict) -> np.ndarray:
    """The ranker's inputs, a missing value 0. (The product puts a missing prior at the
    candidate's probe evidence instead; on these tables every candidate whose prior varies
    has one, so the two agree.)"""
    n = len(next(iter(src.values())))
    return np.column_stack([np.nan_to_num(src.get(f, np.zeros(n))) for f in FEATURES])


def fit_pairwise(xs: Sequence[np.ndarray], accuracies: Sequence[np.ndarray]) -> np.ndarray:
    """Coefficients of the pairwise ranker; each target counts once."""
    diffs, labels, weights = [], [], []
    for x, acc in zip(xs, accuracies, strict=True):
        rank = stats.rankdata(-np.nan_to_num(acc, nan=-np.inf))
        rows = [
            (i, j)
            for i in range(len(acc))
            for j in range(len(acc))
            if i != j and np.isfinite(acc[i]) and np.isfinite(acc[j]) and acc[i] != acc[j]
        ]
        if not rows:
            continue
        w = np.array([1 / rank[i] + 1 / rank[j] for i, j in rows])
        diffs += [x[i] - x[j] for i, j in rows]
        labels += [int(acc[i] > acc[j]) for i, j in rows]
        weights += list(w / w.sum())
    if not diffs:
        return np.zeros(len(FEATURES))
    return nonnegative_logistic(
        np.array(diffs), np.array(labels) * 2.0 - 1.0, np.array(weights) * len(xs), PAIRWISE_C
    )


def nonnegative_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float) -> np.ndarray:
    """argmin over beta >= 0 of C·sum w·log(1 + exp(-y·x·beta)) + |beta|^2 / 2: scikit-learn's
    L2 logistic regression without intercept, with the bound a probe needs (higher is
    better by construction, so a fitted negative weight is collinearity, and it would break
    the fusion's monotonicity: a better probe score must never lower a candidate). L-BFGS-B,
    as scikit-learn's solver, because LogisticRegression takes no bounds."""
    from scipy.optimize import minimize
    from scipy.special import expit

    def loss(beta):
        margin = y * (x @ beta)
        value = c * float(w @ (np.logaddexp(0.0, -margin))) + 0.5 * float(beta @ beta)
        grad = -c * (x.T @ (w * y * expit(-margin))) + beta
        return value, grad

    start = np.zeros(x.shape[1])
    fitted = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=[(0.0, None)] * x.shape[1])
    return fitted.x


def training_set(held_group: str, train: Sequence[ff.Prepared]) -> list[int]:
    """The training targets of the held-out target's group (all when too few)."""
    same = [k for k, p in enumerate(train) if group(p) == held_group]
    return same if len(same) >= MIN_GROUP_TARGETS else list(range(len(train)))


def fit_group(held_group: str, train: Sequence[ff.Prepared], tracks: Sequence) -> dict:
    """The knobs for data of ``held_group``, from the training targets (and their
    fold-wise track records) only: a ``FusionParams.groups`` entry."""
    chosen = training_set(held_group, train)
    preps = [train[k] for k in chosen]
    src = [sources(p, tracks[k]) for p, k in zip(preps, chosen, strict=True)]
    accuracies = [p.accuracy for p in preps]
    taus = [
        {s: ff.weighted_tau(acc, v) for s, v in one.items()}
        for acc, one in zip(accuracies, src, strict=True)
    ]
    shift = choose_shift(src, taus, accuracies, [p.table for p in preps])
    coef = fit_pairwise([features(s) for s in src], accuracies)
    threshold, shifted = shift if shift else (None, None)
    return {
        "reliability": {s: round(r, 6) for s, r in reliabilities(taus).items()},
        "temperature": TEMPERATURE,
        "prior_component_weights": dict(PRIOR_COMPONENTS),
        "probe_gate": None,
        "disagree_threshold": threshold,
        "disagree_prior_weight": shifted,
        "ranker": {f: round(float(c), 6) for f, c in zip(FEATURES, coef, strict=True)},
        "targets": [f"{p.table}/{p.target.name}" for p in preps],
    }


def group_params(base: FusionParams, fitted: Mapping[str, dict], record) -> FusionParams:
    """Parameters whose groups are ``fitted`` (group -> fit_group's dict), with ``record``
    as the track records; the top level takes the image group's knobs."""
    groups = {g: dict(v) for g, v in fitted.items()}
    top = groups.get("image") or next(iter(groups.values()))
    known = {k: v for k, v in top.items() if k in FusionParams.__dataclass_fields__}
    return replace(base, **known, subsets={}, groups=groups, track_record=record)
