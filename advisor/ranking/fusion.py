"""Prior-aware stacked fusion: one final score per candidate from probe scores, catalog
priors and domain-similarity signals.

Method (the reasoning and the measurements are in docs/trust.md):

1. Each probe column is normalised across the candidates with a robust z-score
   (median / 1.4826·MAD, falling back to the standard deviation when most values tie) and
   clipped to ±``clip``. This makes probes with wildly different scales (H-score in the
   thousands, LogME around 1) comparable, is invariant to any positive affine rescaling of a
   column, and stops one outlying candidate from dominating.
2. The parameters are those fitted for the data's task group (image, text; ``task_group``),
   on that group's published targets. A probe the tables never scored takes the fitted
   weight of its declared relative (``proxies``, e.g. NCE -> LEEP: both read the source
   head), else ``default_probe_weight``.
3. The prior (priors.py: ImageNet top-1, pretraining scale, size, transfer track record) is
   normalised the same way and averaged with its component weights.
4. The weighted fusion: a weighted mean of the probes, blended with the prior. Each weight
   comes from how well that source ranked the group's targets elsewhere. Disagreement
   shrinks (fusion_core.py): when the probes as a whole disagree with the prior, the prior
   weight moves toward ``disagree_prior_weight`` (and an optional gate cuts a probe that
   contradicts the rest). The notes say when this happened and what the fusion leaned on.
5. The stack (fusion_core.stack): a pairwise ranker's linear score on the same z-scores is
   added, each part divided by its spread across the candidates; then signal penalties.

The weights are never tuned on the dataset being ranked: they are read from
``catalog/data/fusion_params.json`` (fusion_params.py), fitted by ``benchmarks/published.py
--fit`` (benchmarks/fusion_stack.py) and measured leave one dataset out and leave one table
out (the file records how).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from advisor.errors import AdvisorError
from advisor.ranking.fusion_core import (
    combine,
    rank_correlation,
    ranker_suppliers,
    stack,
    weighted_mean,
)
from advisor.ranking.fusion_params import FusionParams, load_params, task_group_of
from advisor.ranking.priors import PRIOR_COMPONENTS, prior_components
from advisor.ranking.scales import ScaleReference, robust_z

# Below this rank correlation between the probes and the prior, the notes call it a
# disagreement and say which side the ranking leaned on.
DISAGREEMENT_NOTE = 0.0
# A probe gated below this share of its weight, or a prior weight moved by more than
# STRONG_SHIFT, is reported in the notes; smaller adjustments only in `agreement`.
STRONG_CUT = 0.5
STRONG_SHIFT = 0.1


@dataclass
class FusionResult:
    final: pd.Series  # candidate -> final score, higher is better (NaN: no evidence at all)
    contributions: pd.DataFrame  # candidate x component; rows sum to `final`
    method: str
    notes: list[str] = field(default_factory=list)
    # How much the evidence agreed: per-probe rank correlation with the rest, probe-vs-prior
    # correlation, the gates and the prior weight used (empty when nothing was compared).
    agreement: dict = field(default_factory=dict)
    # probe -> the weight it was fused with, after agreement gating (0: no say in `final`).
    probe_weights: dict[str, float] = field(default_factory=dict)


def prior_evidence(
    raw: pd.DataFrame, params: FusionParams, reference: pd.DataFrame | None = None
) -> tuple[pd.Series, list[str]]:
    """Weighted mean of the robust-z prior components (NaN: no prior evidence), and the
    components used (weighted, and not the same for every candidate). ``reference``: the
    components of candidates that count in the scales only (``ScaleReference``)."""
    z = pd.DataFrame(
        {
            k: robust_z(raw[k], params.clip, None if reference is None else reference[k])
            for k in PRIOR_COMPONENTS
        },
        index=raw.index,
    )
    used = [
        k
        for k in PRIOR_COMPONENTS
        if params.prior_component_weights.get(k, 0.0) > 0 and _distinct(raw[k]) >= 2
    ]
    weights = np.array([params.prior_component_weights[k] for k in used])
    part, _ = weighted_mean(z[used].to_numpy(float), weights)
    return pd.Series(part, index=raw.index), used


def fuse_scores(
    scores: pd.DataFrame,
    entries: Mapping[str, object | None],
    signals: pd.DataFrame | Mapping[str, Mapping[str, float]] | None = None,
    *,
    params: FusionParams | None = None,
    task_group: str | None = None,
    scale_reference: ScaleReference | None = None,
) -> FusionResult:
    """Fuse a candidate × probe table (higher = better) with priors and signals.

    ``entries`` maps candidate id to its catalog Entry (or None when unknown: fused on probes
    only). ``signals`` is candidate × FeatureSet.stats (unk_rate, truncation_rate,
    upscale_factor → size_mismatch), "badness" in absolute units; a signal that is the same
    for every candidate is ignored. ``task_group`` picks the parameters fitted for that kind
    of data (default: text for text encoders, else image; see FusionParams.for_group).
    ``scale_reference``: candidates that count in the columns' scales but are not ranked.
    """
    group = task_group or task_group_of(entries)
    params = (params or load_params()).for_group(group)
    if not isinstance(scores, pd.DataFrame):
        raise AdvisorError("scores must be a pandas DataFrame (candidate x probe)")
    candidates = [str(c) for c in scores.index]
    if len(set(candidates)) != len(candidates):
        dupes = sorted({c for c in candidates if candidates.count(c) > 1})
        raise AdvisorError(f"scores has duplicate candidates {dupes}; give one row each")
    table = scores.copy()
    table.index = candidates
    notes: list[str] = []

    contributions = pd.DataFrame(index=candidates, dtype=float)
    probe_cols = [c for c in table.columns if table[c].notna().any()]
    dropped = [c for c in table.columns if c not in probe_cols]
    if dropped:
        notes.append(f"probes with no scores ignored: {', '.join(map(str, dropped))}")
    if len(candidates) > 1:
        # A column that is the same for every candidate says nothing about which is better;
        # counting it would only dilute the informative ones.
        flat = [c for c in probe_cols if _distinct(table[c]) < 2]
        if flat:
            notes.append(f"probes equal for every candidate ignored: {', '.join(map(str, flat))}")
        probe_cols = [c for c in probe_cols if c not in flat]
    ref = scale_reference
    z = pd.DataFrame(
        {
            p: robust_z(
                table[p], params.clip, ref.scores[p] if ref and p in ref.scores.columns else None
            )
            for p in probe_cols
        },
        index=candidates,
    )
    fitted_weights, prior_weight = params.for_probes(probe_cols)
    weights = pd.Series(fitted_weights, index=probe_cols, dtype=float)
    unweighted = [str(p) for p in weights.index[~(weights > 0)]]
    weights = weights[weights > 0]

    raw_prior = prior_components({c: entries.get(c) for c in candidates}, params.track_record)
    ref_prior = None if ref is None else prior_components(ref.entries, params.track_record)
    prior_part, prior_used = prior_evidence(raw_prior, params, ref_prior)
    any_prior = bool(prior_part.notna().any())
    unknown = [c for c in candidates if entries.get(c) is None]
    if unknown:
        notes.append("not in the catalog, fused on probes only (no prior): " + ", ".join(unknown))

    has_probes = len(weights) > 0 and bool(z[weights.index].notna().any().any())
    a = prior_weight if any_prior else 0.0
    ranked = bool(ranker_suppliers(probe_cols, params.proxies, params.ranker))
    if not has_probes:
        a = 1.0 if any_prior else 0.0
        if not (ranked and len(candidates) > 1):  # else the ranker reads the probes
            notes.append("no probe scores: ranked by the catalog prior alone")
    fused = combine(
        z[weights.index].to_numpy(float),
        weights.to_numpy(float),
        prior_part.to_numpy(float),
        a,
        probe_gate=params.probe_gate,
        disagree_threshold=params.disagree_threshold,
        disagree_prior_weight=params.disagree_prior_weight,
    )
    effective = pd.Series(fused.weights, index=weights.index)
    mass = pd.Series(fused.mass, index=candidates)
    # A candidate with no prior evidence (unknown id) is judged on its probes alone, so it is
    # neither rewarded nor punished for what the catalog does not know.
    a_each = pd.Series(fused.prior_weight, index=candidates).where(prior_part.notna(), 0.0)
    for p in weights.index:
        if effective[p] > 0:
            contributions[p] = (1.0 - a_each) * z[p] * effective[p] / mass.where(mass > 0)
    if any_prior:
        contributions["prior"] = a_each * prior_part
    agreement = _agreement_notes(fused, weights, a, has_probes and any_prior, notes)
    stacked = bool(params.ranker) and len(candidates) > 1
    say = dict.fromkeys(map(str, table.columns), 0.0)
    weighed = {str(p): float(w) for p, w in effective.items()}
    say.update(params.say(probe_cols, weighed) if stacked else weighed)
    # Any score (even one that ties with everybody) or any catalog fact is evidence; a
    # candidate with neither gets NaN and ranks last.
    evidence = table.notna().any(axis=1) | prior_part.notna()
    if stacked:
        contributions, supplied = _stacked(
            fused.final, z, prior_part, evidence, contributions, params
        )
        if not (has_probes and any_prior):  # else _agreement_notes compared them already
            _ranker_agreement(contributions, supplied, prior_part, agreement, notes)

    for name, values in _signal_penalties(signals, candidates, params).items():
        contributions[name] = values

    if len(candidates) == 1 and entries.get(candidates[0]) is not None:
        evidence[:] = True  # a lone catalog candidate: nothing to compare, but rankable
    final = contributions.fillna(0.0).sum(axis=1).where(evidence)
    contributions = contributions.where(evidence, np.nan)
    method = describe(params, effective[effective > 0], fused.prior_weight, unweighted, prior_used)
    return FusionResult(
        final=final.rename("final_score"),
        contributions=contributions,
        method=method,
        notes=notes,
        agreement=agreement,
        probe_weights=say,
    )


def _stacked(weighted, z: pd.DataFrame, prior_part: pd.Series, evidence, contributions, params):
    """The weighted fusion's contributions rescaled and the ranker's terms added to the
    columns that supply them (fusion_core.stack); and those columns."""
    columns = {str(c): z[c].to_numpy(float) for c in z.columns}
    prior = prior_part.to_numpy(float)
    stacked = stack(
        weighted, columns, prior, params.ranker, params.proxies, evidence.to_numpy(bool)
    )
    out = contributions / stacked.scale_weighted
    for column, term in stacked.terms.items():
        previous = out[column].fillna(0.0) if column in out.columns else 0.0
        out[column] = previous + pd.Series(term, index=out.index).fillna(0.0)
    return out, list(stacked.suppliers.values())


def _ranker_agreement(contributions, supplied, prior_part, agreement, notes) -> None:
    """Where no probe is weighed in the weighted part, compare the ranker's probe terms with
    the prior: disagreement is uncertainty the user should hear about."""
    probe_terms = [c for c in supplied if c in contributions.columns]
    if not probe_terms or not prior_part.notna().any():
        return
    evidence = contributions[probe_terms].fillna(0.0).sum(axis=1).to_numpy(float)
    rho = rank_correlation(evidence, prior_part.to_numpy(float))
    if not np.isfinite(rho):
        return
    agreement["ranker_prior_agreement"] = round(float(rho), 4)
    if rho < DISAGREEMENT_NOTE:
        notes.append(
            f"unsure: the probes and the catalog prior disagree (rank correlation {rho:+.2f}); "
            "the ranking weighs both as fitted on the published tables. "
            "Fine-tune the top candidates before trusting the order (advisor verify)."
        )


def _agreement_notes(fused, weights: pd.Series, a: float, both: bool, notes: list) -> dict:
    """Say when the evidence disagreed and what the ranking leaned on; the numbers behind it."""
    out = {}
    for p, gate, rho in zip(weights.index, fused.gates, fused.agreement, strict=True):
        if np.isfinite(rho):
            out.setdefault("probe_agreement", {})[str(p)] = round(float(rho), 4)
        if gate < 1.0:
            out.setdefault("gates", {})[str(p)] = round(float(gate), 4)
        if gate < STRONG_CUT:  # a small trim is in `agreement`; only a real cut is news
            notes.append(
                f"unsure: {p} ranks the candidates against the other evidence (rank "
                f"correlation {rho:+.2f}); its weight was cut from {weights[p]:g} to "
                f"{weights[p] * gate:.2g}"
            )
    if not both:
        return out
    rho = fused.prior_agreement
    out["prior_agreement"] = None if not np.isfinite(rho) else round(float(rho), 4)
    out["prior_weight"] = round(float(fused.prior_weight), 4)
    used = fused.prior_weight
    if np.isfinite(rho) and (rho < DISAGREEMENT_NOTE or abs(used - a) > STRONG_SHIFT):
        if abs(used - a) > 1e-9:
            side = "more on the catalog prior" if used > a else "more on the probes"
            weight = f"prior weight {a:g} -> {used:.2f}"
        else:
            side = "on the catalog prior" if used > 0.5 else "on the probes"
            weight = f"prior weight {used:.2f}"
        notes.append(
            f"unsure: the probes and the catalog prior disagree (rank correlation "
            f"{rho:+.2f}); the ranking leans {side} ({weight}). "
            "Fine-tune the top candidates before trusting the order (advisor verify)."
        )
    return out


def _distinct(values: pd.Series) -> int:
    """How many distinct finite numbers (numpy on numeric columns: called per probe per
    fusion, and the bootstrap fuses once per replicate)."""
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        x = np.asarray(values, dtype=float)
    else:
        x = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    return int(np.unique(x[np.isfinite(x)]).size)


def _signal_penalties(signals, candidates: Sequence[str], params: FusionParams) -> dict:
    """Negative contributions for domain mismatch, relative to the best-matched candidate."""
    if signals is None:
        return {}
    frame = (
        signals
        if isinstance(signals, pd.DataFrame)
        else pd.DataFrame.from_dict(dict(signals), orient="index")
    )
    frame = frame.reindex([c for c in candidates])
    if "size_mismatch" not in frame.columns and "upscale_factor" in frame.columns:
        # Octaves between the model's native input size and the data's image size.
        factor = pd.to_numeric(frame["upscale_factor"], errors="coerce").astype(float)
        frame["size_mismatch"] = np.abs(np.log2(factor.where(factor > 0)))
    out = {}
    for name, weight in params.signal_weights.items():
        if name not in frame.columns or not weight:
            continue
        values = pd.to_numeric(frame[name], errors="coerce").astype(float)
        if values.notna().sum() < 2 or float(values.max() - values.min()) <= 0:
            continue  # the same for every candidate: says nothing about which is better
        out[f"signal:{name}"] = -float(weight) * (values - values.min()).fillna(0.0)
    return out


def describe(
    params: FusionParams,
    weights: pd.Series,
    prior_weight: float,
    unweighted: Sequence[str] = (),
    prior_used: Sequence[str] = (),
) -> str:
    # Softmax weights as shares of the probe part; one under a thousandth only breaks exact
    # ties: not shown. Fitted weights as they are.
    total = float(weights.sum()) if len(weights) and params.reliability else 1.0
    shown = {p: w / total for p, w in weights.items() if total and w / total >= 1e-3}
    used = ", ".join(f"{p} {w:.3g}" for p, w in shown.items()) or "none"
    how = (
        f"softmax of each source's published reliability (temperature {params.temperature:g})"
        if params.reliability
        else "fitted"
    )
    text = (
        f"prior-aware robust fusion: robust z per probe (clip ±{params.clip:g}); probe "
        f"weights ({how}) {used}; prior weight {prior_weight:.3g}"
    )
    if prior_used:
        text += f" ({', '.join(prior_used)})"
    if params.probe_gate is not None:
        text += f"; agreement gate {params.probe_gate:g}"
    if params.ranker:
        terms = ", ".join(f"{f} {c:+.3g}" for f, c in params.ranker.items() if c)
        text += f"; stacked with a fitted pairwise ranker ({terms})"
    if unweighted:
        # Computed and shown, but the published fit gives them no say (docs/trust.md).
        text += f"; weight 0 (published fit): {', '.join(unweighted)}"
    return f"{text}; parameters: {params.provenance or 'built-in'}"


def fuse(scores, *, candidates=None, catalog=None):
    """Public ``advisor.fuse``: rank candidates from a table of probe scores computed anywhere.

    ``scores``: a DataFrame (a ``candidate`` column or the index = candidate ids; one column
    per probe of ``probes.REGISTRY``, higher = better, empty = not computed), a list of dicts
    with those keys, or the path of such a CSV. ``candidates``: None (every row), a list of
    ids (those rows only), or a mapping row id -> Entry / catalog id. ``catalog``: None (the
    built-in catalog), a Catalog, or catalog TOML path(s) added to it, for the priors.
    Unknown ids are fused on probes only, with a note. Bad input raises ``AdvisorError``.
    """
    import os

    from advisor.ranking.result import build_ranking
    from advisor.ranking.table_input import entries_for, scores_frame

    table = scores_frame(scores)
    entries = entries_for(table, candidates, catalog=catalog)
    ignored = table.attrs.get("ignored_columns", [])
    table = table.loc[list(entries)]
    result = fuse_scores(table, entries)
    source = os.fspath(scores) if isinstance(scores, (str, os.PathLike)) else "advisor.fuse"
    notes = [f"not probe scores, left out: {', '.join(ignored)}"] if ignored else []
    settings = {"source": source, "probes": list(table.columns)}  # notes: Ranking.notes
    return build_ranking(table, entries, result, settings=settings, notes=notes)
