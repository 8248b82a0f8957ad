"""Measured fusion variants (not shipped), leave one dataset out and leave one table out.

    python benchmarks/fusion_variants.py     # ~2-5 min; writes results/fusion_variants.json

They take the same precomputed z-scores and fold-wise track records as the shipped fit
(benchmarks/fusion_fit.py), so their numbers compare one to one with published.json:

* ``reliability`` (below);
* ``pairwise``: a pairwise logistic-regression ranker (scikit-learn, no intercept, C 0.1 per
  target) on
  the differences of the candidates' z-scores (each fitted probe and the prior; a missing
  column is 0, the median), fitted on the training targets of the same task group, each
  target one unit of weight and each pair weighted 1/rank_i + 1/rank_j (the top matters
  most, as in weighted tau);
* ``ensemble``: the sum of the candidates' ranks under ``reliability`` and ``pairwise``;
* ``select``: per held-out target, the best of ``pairwise`` and each single source by an
  inner leave-one-target-out over the same group's training targets (model selection done
  inside the fold).

``reliability``: each evidence source (each probe column, and the prior as a whole) gets a
*reliability*: its mean weighted tau alone on the training targets of the same task group (image
classification, text classification, segmentation: what the product knows about the user's
data, never the table's name), falling back to every training target when the group has
none. Weights are a softmax of reliability with a small temperature, so the fusion leans
on the source that has ranked this kind of data best elsewhere and keeps the others as
tie-breakers; then the product's prior shift (fusion_core.combine) moves weight toward the
prior when the probes disagree with it. The shift (threshold, weight) is chosen inside each
fold by an inner leave-one-target-out over the training targets only. Track records never
see the held-out target (LODO) or table (LOTO); the reserved SFDA / Model-Spider tables are
never read. docs/trust.md §2 reports the numbers against the shipped fusion.
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from scipy import stats
from sklearn.linear_model import LogisticRegression

from advisor import atomic
from advisor.ranking.fusion_core import combine, weighted_mean
from advisor.ranking.fusion_params import DEFAULT_PARAMS, FusionParams
from benchmarks import fusion_fit as ff
from benchmarks import track_record as tr
from benchmarks.tables import all_tables

RESULTS = Path(__file__).resolve().parent / "results" / "fusion_variants.json"
TEMPERATURE = 0.003  # tau units: a source 0.01 less reliable keeps ~4% of the weight
TRACK_WEIGHT = 2.0  # the shipped fit's track-record weight (catalog/data/fusion_params.json)
PAIRWISE_C = 0.1
FEATURES = (*ff.FITTED_PROBES, "prior")
SHIFT_GRID = (None, *((t, a) for t in (0.0, 0.25, 0.5) for a in (0.5, 0.75, 1.0)))


def group(prep: ff.Prepared) -> str:
    """The task group: what the product knows about the user's data (its task, from the
    labels, and its modality), never which table it came from."""
    if prep.table == "keras_segmentation":  # the task of every target of that table
        return "segmentation"
    modalities = {getattr(e, "modality", None) for e in prep.target.entries.values()}
    return "text" if "text" in modalities else "image"


def _tau(accuracy: np.ndarray, score: np.ndarray) -> float:
    keep = np.isfinite(accuracy) & np.isfinite(score)
    if keep.sum() < 3 or np.unique(score[keep]).size < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.weightedtau(accuracy[keep], score[keep])[0])


def sources(prep: ff.Prepared, track) -> dict:
    """Source name -> score per candidate: each probe column and the prior (if it varies)."""
    out = {name: prep.z[:, k] for k, name in enumerate(prep.param_of)}
    cols, weights = prep.fixed_prior, prep.fixed_weights
    if track is not None:
        cols, weights = np.column_stack([cols, track]), np.append(weights, TRACK_WEIGHT)
    prior, _ = weighted_mean(cols, weights)
    if np.unique(prior[np.isfinite(prior)]).size >= 2:
        out["prior"] = prior
    return out


def reliabilities(taus: list[dict], groups: list[str], mine: str) -> dict:
    """Mean tau per source over the same group's targets, else over all of them."""
    out = {}
    for name in {s for t in taus for s in t}:
        same = [
            t[name]
            for t, g in zip(taus, groups, strict=True)
            if g == mine and np.isfinite(t.get(name, np.nan))
        ]
        pooled = [t[name] for t in taus if np.isfinite(t.get(name, np.nan))]
        values = same or pooled
        if values:
            out[name] = float(np.mean(values))
    return out


def fused(src: dict, reliability: dict, shift) -> np.ndarray:
    """Softmax-of-reliability weights, then fusion_core.combine with the prior shift."""
    known = {s: reliability[s] for s in src if reliability.get(s, 0.0) > 0}
    if not known:
        return np.full(len(next(iter(src.values()))), np.nan) if src else np.array([])
    top = max(known.values())
    weight = {s: float(np.exp((r - top) / TEMPERATURE)) for s, r in known.items()}
    probes = [s for s in known if s != "prior"]
    n = len(next(iter(src.values())))
    prior = src.get("prior", np.full(n, np.nan))
    w_prior = weight.get("prior", 0.0)
    total = sum(weight[s] for s in probes) + w_prior
    a = w_prior / total if probes else (1.0 if w_prior else 0.0)
    z = np.column_stack([src[s] for s in probes]) if probes else np.zeros((n, 0))
    threshold, shifted = shift if shift else (None, None)
    return combine(
        z,
        np.array([weight[s] for s in probes]),
        prior,
        a,
        disagree_threshold=threshold,
        disagree_prior_weight=shifted,
    ).final


def choose_shift(train: list, train_src: list, train_taus: list) -> tuple:
    """The shift with the best mean (over tables) inner leave-one-target-out tau."""
    groups = [group(p) for p in train]
    inner = [
        reliabilities(train_taus[:k] + train_taus[k + 1 :], groups[:k] + groups[k + 1 :], groups[k])
        for k in range(len(train))
    ]
    best, best_score = None, -np.inf
    for shift in SHIFT_GRID:
        per_table: dict = {}
        for k, prep in enumerate(train):
            per_table.setdefault(prep.table, []).append(
                _tau(prep.accuracy, fused(train_src[k], inner[k], shift))
            )
        score = float(np.mean([np.nanmean(v) for v in per_table.values() if np.isfinite(v).any()]))
        if score > best_score + 1e-4:
            best, best_score = shift, score
    return best, best_score


def evaluate_fold(held: ff.Prepared, held_track, train: list, train_tracks: list) -> dict:
    train_src = [sources(p, t) for p, t in zip(train, train_tracks, strict=True)]
    train_taus = [
        {s: _tau(p.accuracy, v) for s, v in src.items()}
        for p, src in zip(train, train_src, strict=True)
    ]
    shift, inner = choose_shift(train, train_src, train_taus)
    reliability = reliabilities(train_taus, [group(p) for p in train], group(held))
    src = sources(held, held_track)
    scores, pairwise, select, chosen = _pairwise_and_select(held, src, train, train_src, train_taus)
    by_reliability = fused(src, reliability, shift)
    return {
        "reliability": _tau(held.accuracy, by_reliability),
        "pairwise": pairwise,
        "ensemble": _tau(held.accuracy, _ranks(by_reliability) + _ranks(scores)),
        "select": select,
        "selected": chosen,
        "prior": _tau(held.accuracy, src["prior"]) if "prior" in src else None,
        **{s: _tau(held.accuracy, v) for s, v in src.items() if s != "prior"},
        "shift": list(shift) if shift else None,
        "inner_objective": round(inner, 4),
        "source_reliability": {s: round(r, 4) for s, r in sorted(reliability.items())},
    }


def features(src: dict) -> np.ndarray:
    n = len(next(iter(src.values())))
    return np.column_stack([np.nan_to_num(src.get(f, np.zeros(n))) for f in FEATURES])


def fit_pairwise(xs: list, accuracies: list) -> np.ndarray:
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
    # Sample weights sum to the number of targets squared: C is per target, as explored.
    weights = np.array(weights) * len(xs)
    model = LogisticRegression(C=PAIRWISE_C, fit_intercept=False, max_iter=2000)
    return model.fit(np.array(diffs), np.array(labels), sample_weight=weights).coef_[0]


def _pairwise_and_select(held, src, train, train_src, train_taus) -> tuple:
    mine = group(held)
    same = [k for k, p in enumerate(train) if group(p) == mine] or list(range(len(train)))
    xs = [features(train_src[k]) for k in same]
    accs = [train[k].accuracy for k in same]
    scores = features(src) @ fit_pairwise(xs, accs)
    pairwise = _tau(held.accuracy, scores)
    inner = {"pairwise": []}
    for pos, k in enumerate(same):
        if len(same) > 1:
            beta = fit_pairwise(xs[:pos] + xs[pos + 1 :], accs[:pos] + accs[pos + 1 :])
            inner["pairwise"].append(_tau(accs[pos], xs[pos] @ beta))
        for name, value in train_taus[k].items():
            inner.setdefault(name, []).append(value)
    means = {m: float(np.nanmean(v)) for m, v in inner.items() if np.isfinite(v).any()}
    allowed = {m: v for m, v in means.items() if m == "pairwise" or m in src}
    chosen = max(allowed, key=allowed.get)
    select = pairwise if chosen == "pairwise" else _tau(held.accuracy, src[chosen])
    return scores, pairwise, select, chosen


def _ranks(score: np.ndarray) -> np.ndarray:
    """Average ranks, a candidate without a score last."""
    finite = np.isfinite(score)
    low = score[finite].min() - 1 if finite.any() else 0.0
    return stats.rankdata(np.where(finite, score, low))


def main() -> int:
    started = time.perf_counter()
    tables = all_tables()
    base = replace(FusionParams.from_dict(DEFAULT_PARAMS), track_record=None)
    preps = ff.prepare(tables, base)
    rows = tr.relative_rows(tables)
    out: dict = {"lodo": {}, "loto": {}}
    for i, prep in enumerate(preps):
        key = (prep.table, prep.target.name)
        train = [p for j, p in enumerate(preps) if j != i]
        tracks = ff.fold_tracks(train, rows, base.clip, exclude={key})
        track = ff.track_z(prep, tr.records(rows, exclude={key}), base.clip)
        out["lodo"].setdefault(prep.table, {})[prep.target.name] = evaluate_fold(
            prep, track, train, tracks
        )
        print(
            f"LODO {key}: {out['lodo'][prep.table][prep.target.name]['reliability']:.3f}",
            file=sys.stderr,
        )
    for name in tables:
        train = [p for p in preps if p.table != name]
        tracks = ff.fold_tracks(train, rows, base.clip, exclude_tables={name})
        record = tr.records(rows, exclude_tables={name})
        for prep in (p for p in preps if p.table == name):
            out["loto"].setdefault(name, {})[prep.target.name] = evaluate_fold(
                prep, ff.track_z(prep, record, base.clip), train, tracks
            )
    out["mean"] = {
        split: {table: _means(rows_) for table, rows_ in blocks.items()}
        for split, blocks in out.items()
        if split in ("lodo", "loto")
    }
    out["seconds"] = time.perf_counter() - started
    out["command"] = "python benchmarks/fusion_variants.py"
    atomic.write_json(RESULTS, out, digits=6)
    for split, blocks in out["mean"].items():
        for table, means in blocks.items():
            print(split, table, {k: round(v, 3) for k, v in means.items()})
    return 0


def _means(rows: dict) -> dict:
    names = {k for r in rows.values() for k, v in r.items() if isinstance(v, float)}
    return {
        k: float(np.nanmean([r.get(k) if r.get(k) is not None else np.nan for r in rows.values()]))
        for k in sorted(names)
    }


if __name__ == "__main__":
    raise SystemExit(main())
