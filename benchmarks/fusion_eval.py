"""Leave-one-dataset-out and leave-one-table-out evaluation of the fusion on every table.

For every table and target it records the weighted Kendall tau, Kendall tau, Pearson, Rel@1
and top-1 regret of:

* ``fused``       : the fusion, fitted on every other target of every table (LODO);
* ``fused_loto``  : the fusion, fitted on the other tables only (leave one table out);
* ``prior``       : the fold's prior alone (ImageNet top-1, data scale, track record at the
                    fold's fitted weight), with the fold's track record (LODO);
* ``prior_loto``  : the same, leave one table out;
* ``prior_imagenet``: the old prior (ImageNet top-1 and data scale, no track record);
* each probe column alone, and ``best_single_probe``: per table, the probe with the best
  mean tau over that table's targets (chosen in hindsight, so a strict bar);
* ablations at each LODO fold's fitted parameters: ``fused_no_agreement`` (gate and prior
  shift off) and ``fused_no_track_record`` (track-record weight 0).

Track records used for a target never include that target (LODO) or its table (LOTO).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from advisor.ranking.fusion import fuse_scores
from advisor.ranking.fusion_params import FusionParams
from advisor.verification.metrics import mean_measures, ranking_measures
from benchmarks import fusion_fit as ff
from benchmarks import track_record as tr


def _fitted_defaults(has_source_probs: bool) -> tuple[str, ...]:
    """`advisor rank`'s default probes as the fit names them (NCE, source entropy -> LEEP)."""
    from advisor.ranking.fusion_params import DEFAULT_PARAMS
    from probes import default_probes

    proxies = DEFAULT_PARAMS["proxies"]
    names = {proxies.get(p, p) for p in default_probes("multiclass", has_source_probs)}
    return tuple(sorted(names & set(ff.FITTED_PROBES)))


DEFAULT_IMAGE_SET = _fitted_defaults(True)
DEFAULT_TEXT_SET = _fitted_defaults(False)


def _prior_alone(target, params: FusionParams) -> pd.Series:
    return fuse_scores(
        pd.DataFrame(index=target.accuracy.index), target.entries, params=params
    ).final


def _record(out: dict, method: str, target, predicted) -> None:
    out.setdefault(method, {})[target.name] = ranking_measures(predicted, target.accuracy)


def evaluate(tables: dict, base: FusionParams, *, log=print) -> dict:
    """{table: {targets, per_method, mean, folds, loto, losses}} plus the global fit."""
    preps = ff.prepare(tables, base)
    rows = tr.relative_rows(tables)
    clip = base.clip
    result: dict = {
        name: {"targets": [t.name for t in targets], "per_method": {}, "folds": {}}
        for name, targets in tables.items()
    }
    # Leave one table out: fit on the other tables, records without the held-out table.
    starts = {}
    for name in tables:
        train = [p for p in preps if p.table != name]
        theta, train_score = ff.fit(train, ff.fold_tracks(train, rows, clip, exclude_tables={name}))
        params = theta.params(base, tr.records(rows, exclude_tables={name}))
        per_method = result[name]["per_method"]
        for target in tables[name]:
            _record(
                per_method,
                "fused_loto",
                target,
                fuse_scores(target.scores, target.entries, params=params).final,
            )
            _record(per_method, "prior_loto", target, _prior_alone(target, params))
        result[name]["loto"] = {**theta.as_dict(), "train_objective": round(train_score, 4)}
        starts[name] = theta
        log(f"  LOTO {name}: fitted on {sorted(set(p.table for p in train))}")
    # Leave one dataset out: one fit per target, on every other target of every table. It
    # starts from its table's LOTO fit, which never saw the held-out target either.
    for i, prep in enumerate(preps):
        held = (prep.table, prep.target.name)
        train = [p for j, p in enumerate(preps) if j != i]
        theta, train_score = ff.fit(
            train, ff.fold_tracks(train, rows, clip, exclude={held}), start=starts[prep.table]
        )
        record = tr.records(rows, exclude={held})
        params = theta.params(base, record)
        per_method = result[prep.table]["per_method"]
        target = prep.target
        _record(
            per_method,
            "fused",
            target,
            fuse_scores(target.scores, target.entries, params=params).final,
        )
        _record(per_method, "prior", target, _prior_alone(target, params))
        _record(
            per_method,
            "fused_no_agreement",
            target,
            fuse_scores(
                target.scores,
                target.entries,
                params=replace(
                    params, probe_gate=None, disagree_threshold=None, disagree_prior_weight=None
                ),
            ).final,
        )
        _record(
            per_method,
            "fused_no_track_record",
            target,
            fuse_scores(
                target.scores,
                target.entries,
                params=replace(
                    params,
                    prior_component_weights={**params.prior_component_weights, "track_record": 0.0},
                ),
            ).final,
        )
        _record(
            per_method,
            "prior_imagenet",
            target,
            _prior_alone(
                target, replace(params, prior_component_weights=dict(ff.FIXED_COMPONENTS))
            ),
        )
        for column in target.scores.columns:
            _record(per_method, column, target, target.scores[column])
        result[prep.table]["folds"][target.name] = {
            **theta.as_dict(),
            "train_objective": round(train_score, 4),
            "params": _params_dict(params),
        }
        log(
            f"  LODO {prep.table}/{target.name}: tau_w "
            f"{per_method['fused'][target.name]['weighted_tau']:.3f}"
        )
    for block in result.values():
        _summarise(block)
    return result


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
    "prior",
    "prior_loto",
    "prior_imagenet",
    "fused_no_agreement",
    "fused_no_track_record",
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


def fit_subset(tables: dict, base: FusionParams, probes, start: ff.Theta) -> tuple:
    """Probe and prior weights for exactly ``probes`` (the rules and track weight as in
    ``start``), fitted on every target of every table with those probes restricted."""
    restricted = {
        name: [
            replace(
                t,
                scores=t.scores[[c for c in t.scores.columns if base.proxies.get(c, c) in probes]],
            )
            for t in targets
        ]
        for name, targets in tables.items()
    }
    preps = ff.prepare(restricted, base)
    rows = tr.relative_rows(tables)
    tracks = ff.fold_tracks(preps, rows, base.clip)
    theta = replace(start, probe_weights={p: 0.5 for p in probes})
    return ff.fit(preps, tracks, probes=probes, start=theta, only_weights=True)
