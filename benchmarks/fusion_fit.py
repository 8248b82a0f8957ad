"""Fit the fusion's parameters on every table available, without the data being ranked.

The objective is the mean weighted Kendall tau (scipy's default weigher) against fine-tuned
accuracy, averaged per table first and then over tables, so the table with the most targets
does not decide alone. The search is a deterministic coordinate ascent over small grids
(probe weights, prior weight, track-record weight, the agreement gate and the prior shift),
started from equal probe weights and the rules off; a move must gain more than ``MIN_GAIN``.

Evaluation (benchmarks/published.py):
* **leave one dataset out**: each target is ranked with parameters fitted on every other
  target of every table, and with track records that never saw it;
* **leave one table out**: each table is ranked with parameters fitted on the other tables,
  and with track records built without that table.

The fit calls the product's own arithmetic (advisor.ranking.fusion_core.combine) on
precomputed z-scores; reported numbers are recomputed with ``fuse_scores``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from advisor.ranking.fusion import fuse_scores, robust_z
from advisor.ranking.fusion_core import combine, weighted_mean
from advisor.ranking.fusion_params import FusionParams
from advisor.ranking.priors import prior_components
from benchmarks import track_record as tr
from benchmarks.tables import keras_fit_targets

# Every probe column some table carries, named as the advisor's probes. The Keras tables'
# frozen-backbone accuracy is the published ``linear_probe``; nce and source_entropy are
# fitted through their proxy (LEEP), as the product weighs them.
FITTED_PROBES = (
    "gbc",
    "hscore",
    "knn",
    "leep",
    "linear_probe",
    "logme",
    "nleep",
    "regularized_hscore",
)
PROBE_GRID = (0.0, 0.5, 1.0)
PRIOR_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9)
TRACK_GRID = (0.0, 0.5, 1.0, 2.0)
GATE_GRID = (None, 0.0, 0.25, 0.5)
SHIFT_GRID = (None, *((t, a) for t in (0.0, 0.25, 0.5) for a in (0.5, 0.75, 1.0)))
MIN_GAIN = 1e-4
MAX_SWEEPS = 3
# Fixed by reasoning (docs/trust.md): data scale cannot be fitted (one corpus per table).
FIXED_COMPONENTS = {"imagenet_top1": 1.0, "data_scale": 0.5, "log_params": 0.0}


def fit_targets():
    """The 9 Keras-zoo targets with the frozen-backbone accuracy as ``linear_probe``."""
    return keras_fit_targets()


@dataclass
class Theta:
    """One point of the search: the fitted knobs."""

    probe_weights: dict
    prior_weight: float = 0.3
    track_weight: float = 0.0
    probe_gate: float | None = None
    shift: tuple | None = None  # (disagree_threshold, disagree_prior_weight)

    def params(self, base: FusionParams, track_record: Mapping | None) -> FusionParams:
        threshold, shifted = self.shift if self.shift else (None, None)
        return replace(
            # A fitted probe this point leaves out has weight 0 here, as in the objective.
            base,
            probe_weights={
                **dict.fromkeys(FITTED_PROBES, 0.0),
                **{p: float(w) for p, w in self.probe_weights.items()},
            },
            prior_weight=float(self.prior_weight),
            subsets={},
            prior_component_weights={**FIXED_COMPONENTS, "track_record": self.track_weight},
            probe_gate=self.probe_gate,
            disagree_threshold=threshold,
            disagree_prior_weight=shifted,
            track_record=track_record,
            provenance="fitted by benchmarks/fusion_fit.py",
        )

    def as_dict(self) -> dict:
        threshold, shifted = self.shift if self.shift else (None, None)
        return {
            "probe_weights": dict(self.probe_weights),
            "prior_weight": self.prior_weight,
            "track_record_weight": self.track_weight,
            "probe_gate": self.probe_gate,
            "disagree_threshold": threshold,
            "disagree_prior_weight": shifted,
        }


@dataclass
class Prepared:
    """A target with everything the objective needs precomputed (except the track record)."""

    table: str
    target: object
    columns: list  # the target's probe columns that vary
    param_of: list  # fitted probe whose weight each column takes
    z: np.ndarray  # [N, C]
    fixed_prior: np.ndarray  # [N, K] robust z of the fixed prior components that vary
    fixed_weights: np.ndarray  # [K]
    accuracy: np.ndarray  # [N]


def prepare(tables: Mapping[str, list], base: FusionParams) -> list[Prepared]:
    out = []
    for table, targets in tables.items():
        for target in targets:
            scores = target.scores
            columns = [
                c
                for c in scores.columns
                if scores[c].dropna().nunique() >= 2 and base.proxies.get(c, c) in FITTED_PROBES
            ]
            z = (
                np.column_stack([robust_z(scores[c], base.clip).to_numpy(float) for c in columns])
                if columns
                else np.zeros((len(scores), 0))
            )
            raw = prior_components(target.entries, {"models": {}, "families": {}})
            raw = raw.reindex(scores.index)
            used = [
                k for k, w in FIXED_COMPONENTS.items() if w > 0 and raw[k].dropna().nunique() >= 2
            ]
            fixed = (
                np.column_stack([robust_z(raw[k], base.clip).to_numpy(float) for k in used])
                if used
                else np.zeros((len(scores), 0))
            )
            out.append(
                Prepared(
                    table,
                    target,
                    columns,
                    [base.proxies.get(c, c) for c in columns],
                    z,
                    fixed,
                    np.array([FIXED_COMPONENTS[k] for k in used]),
                    target.accuracy.reindex(scores.index).to_numpy(float),
                )
            )
    return out


def track_z(prep: Prepared, record: Mapping, clip: float) -> np.ndarray | None:
    """Robust z of the track-record component for this target (None: it does not vary)."""
    raw = prior_components(prep.target.entries, record)["track_record"]
    raw = raw.reindex(prep.target.scores.index)
    if raw.dropna().nunique() < 2:
        return None
    return robust_z(raw, clip).to_numpy(float)


def target_tau(prep: Prepared, theta: Theta, track: np.ndarray | None) -> float:
    """Weighted tau of the fused ranking of one prepared target (the product's arithmetic)."""
    return weighted_tau(prep.accuracy, fused_scores(prep, theta, track))


def weighted_tau(accuracy: np.ndarray, score: np.ndarray) -> float:
    """scipy's weighted tau over the candidates with both values; NaN below 3 of them or when
    the scores do not vary."""
    keep = np.isfinite(accuracy) & np.isfinite(score)
    if keep.sum() < 3 or np.unique(score[keep]).size < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.weightedtau(accuracy[keep], score[keep])[0])


def prior_evidence(prep: Prepared, track: np.ndarray | None, track_weight: float) -> np.ndarray:
    """The prior as the product weighs it: the fixed components and, when it varies and is
    weighted, the track record."""
    prior_cols, prior_w = prep.fixed_prior, prep.fixed_weights
    if track is not None and track_weight > 0:
        prior_cols = np.column_stack([prior_cols, track])
        prior_w = np.append(prior_w, track_weight)
    return weighted_mean(prior_cols, prior_w)[0]


def fused_scores(prep: Prepared, theta: Theta, track: np.ndarray | None) -> np.ndarray:
    weights = np.array([theta.probe_weights.get(p, 0.0) for p in prep.param_of])
    on = weights > 0
    prior = prior_evidence(prep, track, theta.track_weight)
    any_prior = bool(np.isfinite(prior).any())
    z = prep.z[:, on]
    has_probes = bool(on.any()) and bool(np.isfinite(z).any())
    a = theta.prior_weight if any_prior else 0.0
    if not has_probes:
        a = 1.0 if any_prior else 0.0
    threshold, shifted = theta.shift if theta.shift else (None, None)
    return combine(
        z,
        weights[on],
        prior,
        a,
        probe_gate=theta.probe_gate,
        disagree_threshold=threshold,
        disagree_prior_weight=shifted,
    ).final


def objective(
    preps: Sequence[Prepared], tracks: Sequence, theta: Theta, memo: dict | None = None
) -> float:
    """Mean over tables of the mean weighted tau over that table's targets. ``memo`` caches
    each target's tau under the knobs that can change it (one fit's tracks are fixed)."""
    per_table: dict[str, list] = {}
    for k, (prep, track) in enumerate(zip(preps, tracks, strict=True)):
        key = (k, *_relevant(prep, theta, track))
        if memo is None or key not in memo:
            value = target_tau(prep, theta, track)
            if memo is None:
                per_table.setdefault(prep.table, []).append(value)
                continue
            memo[key] = value
        per_table.setdefault(prep.table, []).append(memo[key])
    means = [np.nanmean(v) for v in per_table.values() if np.isfinite(v).any()]
    return float(np.mean(means)) if means else float("nan")


def _relevant(prep: Prepared, theta: Theta, track) -> tuple:
    weights = tuple(theta.probe_weights.get(p, 0.0) for p in prep.param_of)
    track_weight = theta.track_weight if track is not None else 0.0
    if not any(weights):  # prior alone: only the prior's own knobs matter
        return (weights, track_weight)
    return (weights, track_weight, theta.prior_weight, theta.probe_gate, theta.shift)


def fit(
    preps: Sequence[Prepared],
    tracks: Sequence,
    *,
    probes: Sequence[str] = FITTED_PROBES,
    start: Theta | None = None,
    only_weights: bool = False,
) -> tuple[Theta, float]:
    """Coordinate ascent from ``start`` (default: equal weights, prior 0.3, rules off)."""
    theta = start or Theta({p: 0.5 for p in probes})
    theta = replace(theta, probe_weights={p: theta.probe_weights.get(p, 0.5) for p in probes})
    memo: dict = {}
    best = objective(preps, tracks, theta, memo)
    moves = [("probe", p, PROBE_GRID) for p in probes] + [("prior_weight", None, PRIOR_GRID)]
    if not only_weights:
        moves += [
            ("track_weight", None, TRACK_GRID),
            ("probe_gate", None, GATE_GRID),
            ("shift", None, SHIFT_GRID),
        ]
    for _ in range(MAX_SWEEPS):
        improved = False
        for kind, probe, grid in moves:
            for value in grid:
                trial = _with(theta, kind, probe, value)
                if not any(trial.probe_weights.values()) and kind == "probe":
                    continue
                score = objective(preps, tracks, trial, memo)
                if np.isfinite(score) and score > best + MIN_GAIN:
                    theta, best, improved = trial, score, True
        if not improved:
            break
    return theta, best


def _with(theta: Theta, kind: str, probe, value) -> Theta:
    if kind == "probe":
        return replace(theta, probe_weights={**theta.probe_weights, probe: value})
    return replace(theta, **{kind: value})


def fold_tracks(
    preps: Sequence[Prepared],
    rows: pd.DataFrame,
    clip: float,
    *,
    exclude: set = frozenset(),
    exclude_tables: set = frozenset(),
) -> list:
    """Track-record z per training target: without ``exclude``/``exclude_tables`` and
    without the target itself (it is never its own record)."""
    out = []
    for prep in preps:
        record = tr.records(
            rows, exclude={*exclude, (prep.table, prep.target.name)}, exclude_tables=exclude_tables
        )
        out.append(track_z(prep, record, clip))
    return out


def fuse_target(target, theta: Theta, base: FusionParams, record: Mapping) -> pd.Series:
    """The product's fused ranking of one target under ``theta`` and ``record``."""
    return fuse_scores(target.scores, target.entries, params=theta.params(base, record)).final
