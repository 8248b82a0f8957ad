"""Prior-aware robust fusion: one final score per candidate from probe scores, catalog priors
and domain-similarity signals.

Method (the reasoning and the measurements are in docs/trust.md):

1. Each probe column is normalised across the candidates with a robust z-score
   (median / 1.4826·MAD, falling back to the standard deviation when most values tie) and
   clipped to ±``clip``. This makes probes with wildly different scales (H-score in the
   thousands, LogME around 1) comparable, is invariant to any positive affine rescaling of a
   column, and stops one outlying candidate from dominating.
2. The probe evidence is a weighted mean of the available normalised probes (NaN-aware:
   weights are renormalised over the probes a candidate has). A probe the published tables
   never scored takes the fitted weight of its declared relative (``proxies``, e.g. NCE ->
   LEEP: both read the source head), else ``default_probe_weight``.
3. The prior (priors.py: ImageNet top-1, pretraining scale, size, transfer track record) is
   normalised the same way and averaged with its component weights.
4. Disagreement shrinks (fusion_core.py): a probe that ranks the candidates against the
   consensus of the other evidence loses weight on this data (``probe_gate``), and when the
   probes as a whole disagree with the prior, the prior weight moves toward the fitted
   ``disagree_prior_weight``. The notes say when this happened and what the fusion leaned on.
5. final = (1 − a)·probes + a·prior − signal penalties.

The weights are never tuned on the dataset being ranked: they are read from
``catalog/data/fusion_params.json`` (fusion_params.py), fitted on every published table
available, leave one dataset out and leave one table out, by ``benchmarks/published.py --fit``
(the file records how).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from advisor.errors import AdvisorError
from advisor.ranking.fusion_core import combine, weighted_mean
from advisor.ranking.fusion_params import FusionParams, load_params
from advisor.ranking.priors import PRIOR_COMPONENTS, prior_components

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


SMALL_SET = 5  # below this many candidates, scale by the standard deviation, not the MAD


def robust_z(values: pd.Series, clip: float = 3.0) -> pd.Series:
    """Robust z-score across candidates: (x − median) / (1.4826·MAD), clipped to ±clip.

    Uses the (population) standard deviation instead when fewer than 5 values are present
    or the MAD is zero (more than half tie), and all zeros when every value ties. NaN stays
    NaN.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "fiub":  # numeric already
        x = series.to_numpy(dtype=float, copy=True)
    else:
        x = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, copy=True)
    x[~np.isfinite(x)] = np.nan
    present = x[~np.isnan(x)]
    out = np.full_like(x, np.nan)
    if present.size:
        centre = float(np.median(present))
        scale = 1.4826 * float(np.median(np.abs(present - centre)))
        tiny = 1e-12 * max(1.0, abs(centre))
        if present.size < SMALL_SET or not scale > tiny:
            # With fewer than 5 values the MAD is just the smallest gap (for 3 values), so
            # two near-ties would blow every other difference up to the clip.
            scale = float(present.std())
        if scale > tiny:
            out = np.clip((x - centre) / scale, -clip, clip)
        else:
            out = np.where(np.isnan(x), np.nan, 0.0)
    return pd.Series(out, index=series.index, name=series.name)


def prior_evidence(raw: pd.DataFrame, params: FusionParams) -> tuple[pd.Series, list[str]]:
    """Weighted mean of the robust-z prior components (NaN: no prior evidence), and the
    components used (weighted, and not the same for every candidate)."""
    z = pd.DataFrame({k: robust_z(raw[k], params.clip) for k in PRIOR_COMPONENTS}, index=raw.index)
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
) -> FusionResult:
    """Fuse a candidate × probe table (higher = better) with priors and signals.

    ``entries`` maps candidate id to its catalog Entry (or None when unknown: fused on probes
    only). ``signals`` is candidate × FeatureSet.stats (unk_rate, truncation_rate,
    upscale_factor → size_mismatch), "badness" in absolute units; a signal that is the same
    for every candidate is ignored.
    """
    params = params or load_params()
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
    z = pd.DataFrame({p: robust_z(table[p], params.clip) for p in probe_cols}, index=candidates)
    fitted_weights, prior_weight = params.for_probes(probe_cols)
    weights = pd.Series(fitted_weights, index=probe_cols, dtype=float)
    unweighted = [str(p) for p in weights.index[~(weights > 0)]]
    weights = weights[weights > 0]

    raw_prior = prior_components({c: entries.get(c) for c in candidates}, params.track_record)
    prior_part, prior_used = prior_evidence(raw_prior, params)
    any_prior = bool(prior_part.notna().any())
    unknown = [c for c in candidates if entries.get(c) is None]
    if unknown:
        notes.append("not in the catalog, fused on probes only (no prior): " + ", ".join(unknown))

    has_probes = len(weights) > 0 and bool(z[weights.index].notna().any().any())
    a = prior_weight if any_prior else 0.0
    if not has_probes:
        a = 1.0 if any_prior else 0.0
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

    for name, values in _signal_penalties(signals, candidates, params).items():
        contributions[name] = values

    # Any score (even one that ties with everybody) or any catalog fact is evidence; a
    # candidate with neither gets NaN and ranks last.
    evidence = table.notna().any(axis=1) | prior_part.notna()
    if len(candidates) == 1 and entries.get(candidates[0]) is not None:
        evidence[:] = True  # a lone catalog candidate: nothing to compare, but rankable
    final = contributions.fillna(0.0).sum(axis=1).where(evidence)
    contributions = contributions.where(evidence, np.nan)
    method = describe(params, effective[effective > 0], fused.prior_weight, unweighted, prior_used)
    used = {str(p): float(effective.get(p, 0.0)) for p in table.columns}
    return FusionResult(
        final=final.rename("final_score"),
        contributions=contributions,
        method=method,
        notes=notes,
        agreement=agreement,
        probe_weights=used,
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
    used = ", ".join(f"{p} {w:.3g}" for p, w in weights.items()) or "none"
    text = (
        f"prior-aware robust fusion: robust z per probe (clip ±{params.clip:g}); probe "
        f"weights {used}; prior weight {prior_weight:.3g}"
    )
    if prior_used:
        text += f" ({', '.join(prior_used)})"
    if params.probe_gate is not None:
        text += f"; agreement gate {params.probe_gate:g}"
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
