"""Fit the fusion weights on published tables, leave-one-dataset-out.

A small grid (probe weights in {0, 0.5, 1}, prior weight in a handful of values) is scored by
mean weighted Kendall tau over the training targets. For the benchmark, every target is scored
with weights fitted on the *other* targets only. The shipped parameters
(catalog/data/fusion_params.json) are fitted on all targets, and the file records the grid,
the per-fold choices and the source table's checksum.

The table's frozen-backbone accuracy (a linear classifier trained on frozen features) is the
published measurement of the advisor's ``linear_probe``, so ``fit_targets`` adds it as a
``linear_probe`` column and it is fitted like any other probe.

The grid search uses a vectorised copy of fusion.py's arithmetic (no NaN in these tables);
reported numbers are recomputed with the product's own ``fuse_scores``.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from advisor.ranking.fusion import FusionParams, fuse_scores, load_params, robust_z
from advisor.ranking.priors import PRIOR_COMPONENTS, prior_components
from advisor.verification.metrics import ranking_measures
from benchmarks.tables import KERAS_PROBES, keras_targets

# The table's columns, named as the advisor's probes: the five published transferability
# scores plus the frozen-backbone accuracy, which is what the advisor's linear_probe measures
# (on a 1000-example subsample with cross-validation rather than the full training set).
PUBLISHED_PROBES = tuple(sorted((*KERAS_PROBES, "linear_probe")))

PROBE_GRID = (0.0, 0.5, 1.0)
PRIOR_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9)


def fit_targets():
    """The 9 Keras-zoo targets (fine-tuned accuracy is the ground truth), each with the
    frozen-backbone accuracy of the same target as its ``linear_probe`` column."""
    frozen = {t.name: t.accuracy for t in keras_targets(trainable_backbone=False)}
    return [replace(t, scores=t.scores.assign(linear_probe=frozen[t.name].reindex(
        t.scores.index))[list(PUBLISHED_PROBES)]) for t in keras_targets(trainable_backbone=True)]


def _candidate_grid(probes):
    combos = [w for w in itertools.product(PROBE_GRID, repeat=len(probes)) if any(w)]
    # Simplest first, so ties go to the sparsest weights (fewer probes = less to trust).
    combos.sort(key=lambda w: (sum(x > 0 for x in w), -sum(w)))
    return [(w, a) for a in PRIOR_GRID for w in combos]


def _prior_z(target, base: FusionParams) -> np.ndarray:
    raw = prior_components(target.entries).reindex(target.scores.index)
    pw = {k: base.prior_component_weights.get(k, 0.0) for k in PRIOR_COMPONENTS}
    z = pd.DataFrame({k: robust_z(raw[k], base.clip) for k in PRIOR_COMPONENTS})
    used = [k for k, w in pw.items() if w > 0 and raw[k].dropna().nunique() >= 2]
    if not used:
        return np.zeros(len(raw))
    w = np.array([pw[k] for k in used])
    vals = z[used].to_numpy(float)
    mass = (~np.isnan(vals)) @ w
    return np.where(mass > 0, np.nan_to_num(vals) @ w / np.where(mass > 0, mass, 1), 0.0)


def grid_taus(targets, probes, base: FusionParams):
    """Weighted tau of every grid point on every target: array [grid, targets]."""
    grid = _candidate_grid(probes)
    W = np.array([w for w, _ in grid])  # [G, P]
    A = np.array([a for _, a in grid])  # [G]
    out = np.empty((len(grid), len(targets)))
    for j, target in enumerate(targets):
        Z = np.column_stack([robust_z(target.scores[p], base.clip).to_numpy(float)
                             for p in probes])  # [N, P]
        probe_part = (Z @ W.T) / W.sum(axis=1)  # [N, G]
        final = (1 - A) * probe_part + A * _prior_z(target, base)[:, None]
        acc = target.accuracy.reindex(target.scores.index).to_numpy(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[:, j] = [stats.weightedtau(acc, final[:, g])[0] for g in range(len(grid))]
    return grid, out


def pick(grid, taus: np.ndarray, columns) -> tuple[tuple, float]:
    """Grid point with the best mean weighted tau over ``columns`` (first wins ties)."""
    best = pick_index(taus, columns)
    return grid[best], float(np.nanmean(taus[best, columns]))


def params_for(weights, prior_weight, probes, base: FusionParams) -> FusionParams:
    return FusionParams(
        clip=base.clip,
        probe_weights={p: float(w) for p, w in zip(probes, weights)},
        default_probe_weight=base.default_probe_weight,
        prior_weight=float(prior_weight),
        prior_component_weights=dict(base.prior_component_weights),
        signal_weights=dict(base.signal_weights),
        proxies=dict(base.proxies),
        provenance="fitted by benchmarks/fusion_fit.py",
    )


def leave_one_out(targets, probes, base: FusionParams | None = None):
    """{held-out target: (FusionParams fitted on the others, their training mean tau)}."""
    base = base or load_params()
    grid, taus = grid_taus(targets, probes, base)
    folds = {}
    for j, target in enumerate(targets):
        others = [k for k in range(len(targets)) if k != j]
        (w, a), train_tau = pick(grid, taus, others)
        folds[target.name] = (params_for(w, a, probes, base), train_tau)
    (w, a), all_tau = pick(grid, taus, list(range(len(targets))))
    return folds, (params_for(w, a, probes, base), all_tau), len(grid)


def pool_resamples(targets, probes, base: FusionParams, *, n_pools: int = 100, keep: int = 17,
                   seed: int = 0, baseline=None) -> dict:
    """Is the fused ranking's lead robust to which candidates are ranked?

    Following Agostinelli et al. (2022), who found that conclusions about transferability
    metrics flip when the candidate pool changes, draw ``n_pools`` random pools of ``keep``
    candidates; in each, refit leave-one-dataset-out and compare the mean weighted tau of the
    fused ranking with the prior alone and with each single probe. With ``baseline`` (another
    probe set), the same pools also refit that set, for a paired comparison of tau and regret.
    """
    rng = np.random.default_rng(seed)
    names = list(targets[0].scores.index)
    rows = []
    for _ in range(n_pools):
        kept = sorted(rng.choice(names, size=keep, replace=False))
        pool = [replace(t, scores=t.scores.loc[kept], accuracy=t.accuracy.reindex(kept),
                        entries={c: t.entries[c] for c in kept}) for t in targets]
        fused, regret = _lodo_fused(pool, probes, base)
        singles = {p: np.mean([_tau(t.accuracy, t.scores[p]) for t in pool]) for p in probes}
        prior = np.mean([_tau(t.accuracy, _prior_z(t, base)) for t in pool])
        row = {"fused": fused, "prior": prior, **singles, "regret:fused": regret}
        if baseline is not None:
            row["baseline"], row["regret:baseline"] = _lodo_fused(pool, baseline, base)
        rows.append(row)
    frame = pd.DataFrame(rows)
    taus = frame[[c for c in frame if not c.startswith("regret:") and c != "baseline"]]
    margin = frame["fused"] - taus.drop(columns="fused").max(axis=1)
    out = {
        "pools": n_pools, "candidates_per_pool": keep, "seed": seed, "probes": list(probes),
        "mean_weighted_tau": taus.mean().round(4).to_dict(),
        "mean_regret_points": {"fused": round(float(frame["regret:fused"].mean()), 4)},
        "share_fused_beats_prior": float((frame["fused"] > frame["prior"]).mean()),
        "share_fused_beats_every_single": float((margin > 0).mean()),
        "margin_over_best_other": _spread(margin),
    }
    if baseline is not None:
        gain = frame["fused"] - frame["baseline"]
        regret_gain = frame["regret:baseline"] - frame["regret:fused"]
        out["baseline"] = {
            "probes": list(baseline),
            "mean_weighted_tau": round(float(frame["baseline"].mean()), 4),
            "mean_regret_points": round(float(frame["regret:baseline"].mean()), 4),
            "share_fused_tau_higher": float((gain > 1e-9).mean()),
            "share_fused_tau_lower": float((gain < -1e-9).mean()),
            "tau_gain": _spread(gain),
            "share_fused_regret_lower": float((regret_gain > 1e-9).mean()),
            "share_fused_regret_higher": float((regret_gain < -1e-9).mean()),
            "regret_reduction_points": _spread(regret_gain),
        }
    return out


def _lodo_fused(pool, probes, base: FusionParams) -> tuple[float, float]:
    """Mean weighted tau and mean top-1 regret (points) of the leave-one-dataset-out fusion of
    ``probes`` over the targets of ``pool``; the regret uses the product's ``fuse_scores``."""
    grid, taus = grid_taus(pool, probes, base)
    tau, regret = [], []
    for j, target in enumerate(pool):
        best = pick_index(taus, [k for k in range(len(pool)) if k != j])
        tau.append(taus[best, j])
        params = params_for(*grid[best], probes, base)
        final = fuse_scores(target.scores[list(probes)], target.entries, params=params).final
        regret.append(ranking_measures(final, target.accuracy)["regret_points"])
    return float(np.mean(tau)), float(np.mean(regret))


def _spread(values: pd.Series) -> dict:
    return {"min": float(values.min()), "p05": float(values.quantile(0.05)),
            "median": float(values.median()), "mean": float(values.mean()),
            "max": float(values.max())}


def pick_index(taus: np.ndarray, columns) -> int:
    """Row of the grid point with the best mean weighted tau over ``columns`` (as ``pick``)."""
    return int(np.argmax(np.round(np.nanmean(taus[:, columns], axis=1), 9)))


def _tau(accuracy, predicted) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.weightedtau(np.asarray(accuracy, float),
                                       np.asarray(predicted, float))[0])
