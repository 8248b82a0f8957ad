"""Leave-one-dataset-out and leave-one-table-out evaluation of the fusion on every table.

For every table and target it records the weighted Kendall tau, Kendall tau, Pearson, Rel@1
and top-1 regret of:

* ``fused``       : the shipped stacked fusion (benchmarks/fusion_stack.py), fitted on the
                    training targets of the held-out target's task group (LODO: every other
                    target; too few in the group: every other target of every group);
* ``fused_loto``  : the same, fitted on the other tables only (leave one table out);
* ``fused_v2`` / ``fused_v2_loto``: the coordinate-ascent fusion shipped before it
                    (benchmarks/fusion_fit.py), one fit over every group: the baseline;
* ``prior``       : the fold's prior alone (ImageNet top-1, data scale, track record), with
                    the fold's track record (LODO); ``prior_loto`` the same, LOTO;
* ``prior_imagenet``: the old prior (ImageNet top-1 and data scale, no track record);
* each probe column alone, and ``best_single_probe``: per table, the probe with the best
  mean tau over that table's targets (chosen in hindsight, so a strict bar);
* ablations at each LODO fold's fitted parameters: ``fused_no_agreement`` (prior shift off),
  ``fused_no_track_record`` (track-record weight 0) and ``fused_no_ranker`` (the weighted
  fusion alone).

Every number is recomputed with the product's ``fuse_scores``. Track records used for a
target never include that target (LODO) or its table (LOTO).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from advisor.ranking.fusion import fuse_scores
from advisor.ranking.fusion_params import FusionParams
from advisor.verification.metrics import mean_measures, ranking_measures
from benchmarks import fusion_fit as ff
from benchmarks import fusion_stack as fs
from benchmarks import track_record as tr


def _prior_alone(target, params: FusionParams, group: str | None = None) -> pd.Series:
    return fuse_scores(
        pd.DataFrame(index=target.accuracy.index), target.entries, params=params, task_group=group
    ).final


def _fused(target, params: FusionParams, group: str | None = None) -> pd.Series:
    return fuse_scores(target.scores, target.entries, params=params, task_group=group).final


def _record(out: dict, method: str, target, predicted) -> None:
    out.setdefault(method, {})[target.name] = ranking_measures(predicted, target.accuracy)


def evaluate(tables: dict, base: FusionParams, *, log=print) -> dict:
    """{table: {targets, per_method, mean, folds, loto, losses}}: the shipped (stacked)
    fusion and, as the baseline it replaced, the coordinate-ascent fusion (``fused_v2``)."""
    preps = ff.prepare(tables, base)
    rows = tr.relative_rows(tables)
    result: dict = {
        name: {"targets": [t.name for t in targets], "per_method": {}, "folds": {}}
        for name, targets in tables.items()
    }
    _stacked_folds(tables, preps, rows, base, result, log)
    _coordinate_ascent_folds(tables, preps, rows, base, result, log)
    for block in result.values():
        _summarise(block)
    return result


def _stacked_folds(tables, preps, rows, base, result, log) -> None:
    """The shipped fusion: per task group, LOTO (fitted on the other tables) and LODO
    (fitted on every other target), track records without the held-out table / target."""
    clip = base.clip
    for name in tables:
        train = [p for p in preps if p.table != name]
        tracks = ff.fold_tracks(train, rows, clip, exclude_tables={name})
        record = tr.records(rows, exclude_tables={name})
        for g in sorted({fs.group(p) for p in preps if p.table == name}):
            params = fs.group_params(base, {g: fs.fit_group(g, train, tracks)}, record)
            for prep in (p for p in preps if p.table == name and fs.group(p) == g):
                target = prep.target
                per_method = result[name]["per_method"]
                _record(per_method, "fused_loto", target, _fused(target, params, g))
                _record(per_method, "prior_loto", target, _prior_alone(target, params, g))
            result[name].setdefault("loto", {})[g] = params.groups[g]
        log(f"  LOTO {name}: fitted on {sorted(set(p.table for p in train))}")
    for i, prep in enumerate(preps):
        held, g, target = (prep.table, prep.target.name), fs.group(prep), prep.target
        train = [p for j, p in enumerate(preps) if j != i]
        fitted = fs.fit_group(g, train, ff.fold_tracks(train, rows, clip, exclude={held}))
        params = fs.group_params(base, {g: fitted}, tr.records(rows, exclude={held}))
        per_method = result[prep.table]["per_method"]
        _record(per_method, "fused", target, _fused(target, params, g))
        _record(per_method, "prior", target, _prior_alone(target, params, g))
        no_shift = {**fitted, "disagree_threshold": None, "disagree_prior_weight": None}
        no_track = {
            **fitted,
            "prior_component_weights": {**fitted["prior_component_weights"], "track_record": 0.0},
        }
        ablations = (
            ("fused_no_agreement", no_shift),
            ("fused_no_track_record", no_track),
            ("fused_no_ranker", {**fitted, "ranker": {}}),
        )
        for method, variant in ablations:
            _record(
                per_method, method, target, _fused(target, replace(params, groups={g: variant}), g)
            )
        imagenet = {**fitted, "prior_component_weights": dict(ff.FIXED_COMPONENTS)}
        _record(
            per_method,
            "prior_imagenet",
            target,
            _prior_alone(target, replace(params, groups={g: imagenet}), g),
        )
        for column in target.scores.columns:
            _record(per_method, column, target, target.scores[column])
        result[prep.table]["folds"][target.name] = {
            "group": g,
            **fitted,
            "params": _params_dict(params),
        }
        log(
            f"  LODO {prep.table}/{target.name}: tau_w "
            f"{per_method['fused'][target.name]['weighted_tau']:.3f}"
        )


def _coordinate_ascent_folds(tables, preps, rows, base, result, log) -> None:
    """The fusion shipped before the stacked one (one coordinate-ascent fit over every
    table), LOTO and LODO, kept as the baseline: ``fused_v2`` and ``fused_v2_loto``."""
    clip = base.clip
    starts = {}
    for name in tables:
        train = [p for p in preps if p.table != name]
        theta, _ = ff.fit(train, ff.fold_tracks(train, rows, clip, exclude_tables={name}))
        params = theta.params(base, tr.records(rows, exclude_tables={name}))
        for target in tables[name]:
            _record(result[name]["per_method"], "fused_v2_loto", target, _fused(target, params))
        starts[name] = theta
    for i, prep in enumerate(preps):
        held = (prep.table, prep.target.name)
        train = [p for j, p in enumerate(preps) if j != i]
        theta, _ = ff.fit(
            train, ff.fold_tracks(train, rows, clip, exclude={held}), start=starts[prep.table]
        )
        params = theta.params(base, tr.records(rows, exclude={held}))
        _record(
            result[prep.table]["per_method"], "fused_v2", prep.target, _fused(prep.target, params)
        )
    log("  coordinate-ascent baseline (fused_v2) done")


def _params_dict(params: FusionParams) -> dict:
    from dataclasses import asdict

    return {k: v for k, v in asdict(params).items() if k != "subsets"}


def _summarise(block: dict) -> None:
    per_method = block["per_method"]
    # Only probes scored on every target of the table compete for "best single probe".
    probes = [
        m
        for m in per_method
        if m not in _NON_PROBES and set(per_method[m]) >= set(block["targets"])
    ]
    means = {m: mean_measures(list(rows.values())) for m, rows in per_method.items()}
    if probes:
        best = max(probes, key=lambda m: np.nan_to_num(means[m]["weighted_tau"], nan=-9))
        per_method["best_single_probe"] = per_method[best]
        means["best_single_probe"] = means[best]
        block["best_single_probe"] = best
    block["mean"] = means
    block["losses"] = _losses(block)


_NON_PROBES = {
    "fused",
    "fused_loto",
    "fused_v2",
    "fused_v2_loto",
    "prior",
    "prior_loto",
    "prior_imagenet",
    "fused_no_agreement",
    "fused_no_track_record",
    "fused_no_ranker",
    "best_single_probe",
}


def _losses(block: dict) -> dict:
    """Per target: where the fusion (LODO and LOTO) loses to the prior or the best single
    probe, and by how much (weighted tau; regret in points)."""
    out = {}
    per_method = block["per_method"]
    for fused in ("fused", "fused_loto"):
        for other in ("prior", "best_single_probe"):
            if other not in per_method or fused not in per_method:
                continue
            rows = []
            for target in block["targets"]:
                mine = per_method[fused].get(target, {}).get("weighted_tau", np.nan)
                theirs = per_method[other].get(target, {}).get("weighted_tau", np.nan)
                if np.isfinite(mine) and np.isfinite(theirs) and mine < theirs - 1e-9:
                    rows.append(
                        {"target": target, "fused": mine, other: theirs, "by": theirs - mine}
                    )
            out[f"{fused}_vs_{other}"] = rows
    return out
