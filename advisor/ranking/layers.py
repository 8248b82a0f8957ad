"""Layer modes of ``advisor.rank(layers=...)``: score more than the last layer.

The modes are TransformerRanker's (flairNLP/transformer-ranker, ``layer_aggregator``):

* ``last``: today's path, the final embedding only (no hidden-state copies are made);
* ``layermean``: average the per-layer pooled embeddings, then score the average;
* ``bestlayer``: score every layer, and each probe keeps its best layer's score.

Either layer mode also reports every layer's probe scores (``layer_scores``) and the layer
to use for frozen features (``best_layer``, the argmax of ``BEST_LAYER_PROBES``' first
requested probe). Probes that read only the source head (LEEP, NCE) do not depend on the
layer and are scored once. See docs/ranking.md "Layer-wise evidence".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from advisor.features.layers import LAYER_MODES, layer_mean

# Which probe names the frozen-feature layer: LogME first (Garbas et al. 2024 used it for
# their layer study), then the cheap closed-form and supervised probes.
BEST_LAYER_PROBES = ("logme", "regularized_hscore", "hscore", "linear_probe", "knn")


@dataclass
class LayerResult:
    scores: Any  # scoring.CandidateScores: the mode's score per probe
    featureset: Any  # the features the mode stands for (set-level probes and bootstrap use it)
    extra: dict  # record keys: layer_scores, best_layer, best_layer_probe, layers_used


def uses_features(spec: Any) -> bool:
    return "features" in spec.needs


def best_layer_probe(specs: Sequence[Any]) -> str | None:
    """The probe that names best_layer: the first of BEST_LAYER_PROBES requested, else the
    first requested per-candidate probe that reads features."""
    names = [s.name for s in specs if s.level != "set" and uses_features(s)]
    for name in BEST_LAYER_PROBES:
        if name in names:
            return name
    return names[0] if names else None


def score_layers(
    featureset: Any, specs: Sequence[Any], mode: str, *, seed: int = 0, cancel: Any = None
) -> LayerResult:
    """Per-layer probe scores of one candidate and its score under ``mode``."""
    from advisor.ranking import scoring

    if mode not in LAYER_MODES or mode == "last":
        raise ValueError(f"mode must be 'layermean' or 'bestlayer', got {mode!r}")
    layers = featureset.layer_features() or {"final": featureset.features}
    final = featureset.final_layer or "final"
    feature_specs = [s for s in specs if uses_features(s)]
    other_specs = [s for s in specs if not uses_features(s)]
    per_layer = {
        name: scoring.score_candidate(
            _view(featureset, array), feature_specs, seed=seed, cancel=cancel
        )
        for name, array in layers.items()
    }
    judge = best_layer_probe(specs)
    best = _argmax_layer(per_layer, judge) if judge else None
    layer_scores = {
        name: {probe: _json_number(v) for probe, v in result.scores.items()}
        for name, result in per_layer.items()
    }
    if mode == "layermean":
        mean, used = layer_mean(layers, final)
        chosen = _view(featureset, mean)
        result = scoring.score_candidate(chosen, specs, seed=seed, cancel=cancel)
    else:
        used = list(layers)
        chosen = _view(featureset, layers[best if best else final])
        result = _best_scores(per_layer, featureset, other_specs, seed, cancel)
    extra = {
        "layer_scores": layer_scores,
        "best_layer": best,
        "best_layer_probe": judge,
        "layers_used": used,
    }
    seconds = result.seconds + sum(r.seconds for r in per_layer.values())
    return LayerResult(replace(result, seconds=seconds), chosen, extra)


def _best_scores(per_layer, featureset, other_specs, seed, cancel):
    """Each feature probe's best score over the layers; source-only probes scored once."""
    from advisor.ranking import scoring

    base = scoring.score_candidate(featureset, other_specs, seed=seed, cancel=cancel)
    scores, errors = dict(base.scores), dict(base.errors)
    probes = next(iter(per_layer.values())).scores.keys()
    for probe in probes:
        values = [r.scores[probe] for r in per_layer.values() if _finite(r.scores[probe])]
        scores[probe] = max(values) if values else math.nan
        if not values:  # no layer could be scored: keep a layer's reason
            errors[probe] = next(
                (r.errors[probe] for r in per_layer.values() if probe in r.errors),
                "no layer could be scored",
            )
    return scoring.CandidateScores(scores, base.seconds, errors)


def _argmax_layer(per_layer, probe: str) -> str | None:
    best, best_value = None, -math.inf
    for name, result in per_layer.items():  # network order: a tie goes to the earlier layer
        value = result.scores.get(probe, math.nan)
        if _finite(value) and value > best_value:
            best, best_value = name, value
    return best


def _view(featureset, features):
    """The candidate's FeatureSet with other features (no layers: nothing to recurse into)."""
    return replace(featureset, features=features, layers=None, final_layer=None)


def _finite(value) -> bool:
    return isinstance(value, float | int) and math.isfinite(value)


def _json_number(value):
    return float(value) if _finite(value) else None


def layer_lines(ranking: Any, limit: int = 10) -> list[str]:
    """Which layer to use for frozen features, per candidate (empty for layers='last')."""
    mode = (getattr(ranking, "settings", None) or {}).get("layers", "last")
    rows = [r for r in ranking.records if r.get("layer_scores")]
    if mode == "last" or not rows:
        return []
    lines = [
        f"layers: {mode}; frozen features: the layer with the best "
        f"{rows[0].get('best_layer_probe') or 'probe'} score (all layers: --format json, "
        "layer_scores)"
    ]
    for record in rows[:limit]:
        best, probe = record.get("best_layer"), record.get("best_layer_probe")
        scores = record["layer_scores"]
        if not best or not probe:
            lines.append(f"  {record['candidate']}: no layer could be scored")
            continue
        final = list(scores)[-1]
        shown = f"{probe} {_fmt(scores[best].get(probe))}"
        if best != final:
            shown += f"; vs {final}: {_fmt(scores[final].get(probe))}"
        lines.append(f"  {record['candidate']}: use layer {best} ({shown})")
    return lines


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4g}"
