"""``advisor.strategy.advise``: how to adapt the chosen backbone, and what more labels buy.

A separate call from ``advisor.rank`` so the ranking stays cheap: it reads the ranking's
cached features of the probe subsample (no extraction on a cache hit), fits the learning
curve, and turns the curve, the domain-similarity signals and the layer-wise evidence of
the candidate's record into an expected accuracy and cost per strategy (estimate.py).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from advisor.errors import AdvisorError
from advisor.strategy.estimate import (
    LABELS,
    Evidence,
    StrategyEstimate,
    estimate_strategies,
    recommend,
)
from advisor.strategy.learning_curve import LearningCurve, Prediction, learning_curve
from advisor.strategy.reasoning import reasoning

if TYPE_CHECKING:  # pragma: no cover
    from advisor.api_types import DataLike
    from advisor.ranking import Ranking

TRAIN_SHARE = 0.7  # advisor.finetune's default split keeps 70% of the labels for training


@dataclass
class StrategyAdvice:
    candidate: str
    metric: str
    n_train: int
    recommended: str
    estimates: list[StrategyEstimate]
    reasoning: str
    evidence: Evidence
    curve: LearningCurve | None = None
    notes: list[str] = field(default_factory=list)

    def estimate(self, name: str) -> StrategyEstimate:
        for item in self.estimates:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def recipe(self) -> dict:
        """advisor.finetune options that run the recommended strategy."""
        return dict(self.estimate(self.recommended).recipe)

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return {
            "candidate": self.candidate,
            "metric": self.metric,
            "n_train": self.n_train,
            "recommended": self.recommended,
            "recipe": self.recipe,
            "reasoning": self.reasoning,
            "estimates": [e.to_dict() for e in self.estimates],
            "evidence": asdict(self.evidence),
            "curve": self.curve.to_dict() if self.curve is not None else None,
            "notes": list(self.notes),
        }


def advise(
    ranking: Ranking,
    data: DataLike,
    *,
    candidate: str | None = None,
    n_train: int | None = None,
    epochs: int = 3,
    repeats: int = 5,
    seed: int = 0,
    cache_dir: str | os.PathLike | None = None,
    curve: LearningCurve | None = None,
    entry=None,
) -> StrategyAdvice:
    """Strategy advice for ``candidate`` (default: the ranking's best) on ``data``.

    ``n_train``: labelled examples the fine-tune will train on (default: 70% of the whole
    data set, advisor.finetune's split). ``epochs``: the fine-tuning epochs to plan for.
    ``curve``: a learning curve already computed (else it is fitted from cached features).
    ``entry``: the candidate's catalog Entry when it is not a built-in id (a user catalog).
    """
    from advisor.data import load_data

    full = load_data(data)
    cid = candidate or ranking.best
    record = ranking.record(cid)
    if n_train is None:
        n_train = max(int(len(full) * TRAIN_SHARE), 1)
    entry = entry if entry is not None else _entry(cid)
    curve, zero = curve_and_zero_head(
        ranking,
        full,
        cid,
        n_train=n_train,
        epochs=epochs,
        repeats=repeats,
        seed=seed,
        cache_dir=cache_dir,
        entry=entry,
        curve=curve,
    )
    return advise_from(
        record,
        curve,
        modality=full.modality,
        n_train=n_train,
        epochs=epochs,
        entry=entry,
        zero_head=zero,
    )


def advise_from(
    record: dict,
    curve: LearningCurve,
    *,
    modality: str,
    n_train: int,
    epochs: int = 3,
    entry=None,
    n_eval: int | None = None,
    zero_head: Prediction | None = None,
) -> StrategyAdvice:
    """The advice from a ranking record and its learning curve (no features needed).
    ``zero_head``: what a new head reaches in the planned steps (``curve_and_zero_head``); the
    full fine-tune's estimate starts from it."""
    evidence = evidence_from(record, entry, n_train=n_train)
    frozen = curve.predict(n_train)
    if n_eval is None:
        n_eval = int(round(n_train * (0.3 / TRAIN_SHARE)))
    estimates = estimate_strategies(
        (frozen.mean, frozen.low, frozen.high),
        evidence,
        modality=modality,
        epochs=epochs,
        n_eval=n_eval,
        floor=-math.inf if curve.metric == "r2" else 0.0,
        zero_head=None if zero_head is None else (zero_head.mean, zero_head.low, zero_head.high),
    )
    chosen = recommend(estimates)
    notes = list(curve.notes)
    if zero_head is not None:
        notes.append(
            f"a new head trained {epochs} epoch(s) on the frozen features reaches "
            f"{curve.metric} {100 * zero_head.mean:.1f}% (the linear probe's head "
            f"{100 * frozen.mean:.1f}%); the full fine-tune from a new head is estimated "
            "from there"
        )
    return StrategyAdvice(
        candidate=record["candidate"],
        metric=curve.metric,
        n_train=n_train,
        recommended=chosen,
        estimates=estimates,
        reasoning=reasoning(evidence, estimates, chosen, curve),
        evidence=evidence,
        curve=curve,
        notes=notes,
    )


def curves_for(
    ranking: Ranking,
    data: DataLike,
    candidates: list[str] | None = None,
    *,
    n_full: int | None = None,
    top: int = 3,
    repeats: int = 5,
    seed: int = 0,
    cache_dir: str | os.PathLike | None = None,
    entries=None,
) -> dict[str, LearningCurve]:
    """Learning curves of ``candidates`` (default: the top ``top``) from the ranking's own
    probe subsample, read back from the feature cache. ``entries``: {id: catalog Entry}
    for candidates outside the built-in catalog."""
    from advisor.data import load_data

    full = load_data(data)
    used = probe_subsample(ranking, full)
    chosen = candidates or [r["candidate"] for r in ranking.records[:top]]
    n_full = n_full or max(int(len(full) * TRAIN_SHARE), 1)
    out = {}
    for cid in chosen:
        entry = (entries or {}).get(cid)
        features = cached_features(ranking, used, cid, cache_dir=cache_dir, entry=entry)
        out[cid] = _curve_of(features, used, cid, n_full=n_full, repeats=repeats, seed=seed)
    return out


def curve_and_zero_head(
    ranking: Ranking,
    data: DataLike,
    cid: str,
    *,
    n_train: int,
    epochs: int,
    repeats: int = 5,
    seed: int = 0,
    cache_dir: str | os.PathLike | None = None,
    entry=None,
    curve: LearningCurve | None = None,
) -> tuple[LearningCurve, Prediction | None]:
    """The candidate's learning curve (``curve`` when given) and a zero head's score after
    ``epochs`` over ``n_train`` labels (zero_head.py; None for precomputed features, which
    have no fine-tune), both from one read of its cached probe-subsample features."""
    from advisor.data import load_data
    from advisor.strategy.zero_head import zero_head_score

    full = load_data(data)
    used = probe_subsample(ranking, full)
    tunable = full.modality in ("image", "text")
    if curve is not None and not tunable:
        return curve, None
    features = cached_features(ranking, used, cid, cache_dir=cache_dir, entry=entry)
    if curve is None:
        curve = _curve_of(features, used, cid, n_full=n_train, repeats=repeats, seed=seed)
    if not tunable:
        return curve, None
    zero, _ = zero_head_score(
        features,
        used.labels,
        n_train=n_train,
        epochs=epochs,
        modality=full.modality,
        task=getattr(used, "task", "classification"),
        targets=getattr(used, "targets", None),
        seed=seed,
    )
    return curve, zero


def _curve_of(features, used, cid: str, *, n_full: int, repeats: int, seed: int) -> LearningCurve:
    return learning_curve(
        features,
        used.labels,
        n_full=n_full,
        task=getattr(used, "task", "classification"),
        targets=getattr(used, "targets", None),
        repeats=repeats,
        seed=seed,
        candidate=cid,
    )


def probe_subsample(ranking: Ranking, full):
    """The rows the ranking probed (same budget, seed and class floor; checked by hash)."""
    from advisor.data import subsample
    from advisor.data.skipped import drop_small_classes
    from advisor.ranking.run_settings import indices_hash

    settings = ranking.settings or {}
    fingerprint = (settings.get("data") or {}).get("fingerprint")
    if fingerprint and fingerprint != full.fingerprint():
        raise AdvisorError(
            "the ranking was made on other data (fingerprints differ); pass the data that "
            "advisor.rank ranked"
        )
    budget = settings.get("budget")
    if budget is not None and not isinstance(budget, int):
        try:
            budget = int(budget)
        except (TypeError, ValueError):
            raise AdvisorError(
                f"the ranking's probe subsample (budget {budget!r}) cannot be rebuilt for "
                "learning curves; rank with a whole-number --budget"
            ) from None
    if budget is None:
        used, indices = full, np.arange(len(full), dtype=np.int64)
    else:
        used, indices = subsample(
            full,
            budget=int(budget),
            min_per_class=int(settings.get("min_per_class", 10)),
            seed=int(settings.get("seed", 0)),
        )
    used, keep = drop_small_classes(used)
    expected = settings.get("subsample_indices_sha256")
    if expected and indices_hash(indices[keep]) != expected:
        raise AdvisorError(
            "the ranking's probe subsample cannot be rebuilt (unreadable files were left out "
            "during ranking); rank again, then ask for the advice"
        )
    return used


def cached_features(ranking: Ranking, used, cid: str, *, cache_dir=None, entry=None) -> np.ndarray:
    """The candidate's pooled features of the probe subsample (a cache hit after rank)."""
    from pathlib import Path

    from advisor.features import FeatureCache, extract

    if used.modality == "features":
        return np.asarray(used.features, dtype=np.float32)
    root = cache_dir or (ranking.settings or {}).get("cache_dir")
    cache = FeatureCache(Path(root) if root else None)
    target = entry if entry is not None else _entry(cid) or cid
    return np.asarray(extract(target, used, cache=cache).features)


def evidence_from(record: dict, entry=None, *, n_train: int) -> Evidence:
    """Pick the numbers the estimate uses out of a ranking record (and its catalog entry)."""

    def num(key):
        value = record.get(key)
        return float(value) if isinstance(value, int | float) and math.isfinite(value) else None

    entropy = num("source_entropy")  # the probe: minus the normalised entropy, in [-1, 0]
    classes = getattr(entry, "num_source_classes", None)
    ent_max = math.log(classes) if classes and classes > 1 else None
    ent_nats = None
    if entropy is not None:
        ent_max = ent_max or math.log(1000)
        ent_nats = -entropy * ent_max
    best, final, margin, probe = _layer_evidence(record)
    eps = num("examples_per_second")
    if eps is None and num("latency_ms"):
        eps = 1000.0 / num("latency_ms")
    return Evidence(
        n_train=int(n_train),
        params_m=num("params_m") or _float(getattr(entry, "params_m", None)),
        gmacs=_float(getattr(entry, "gmacs", None)) or num("gmacs"),
        examples_per_second=eps,
        source_entropy_nats=ent_nats,
        source_entropy_max=ent_max if ent_nats is not None else None,
        upscale_factor=num("upscale_factor"),
        grayscale_fraction=num("grayscale_fraction"),
        unk_rate=num("unk_rate"),
        truncation_rate=num("truncation_rate"),
        best_layer=best,
        final_layer=final,
        layer_margin=margin,
        layer_probe=probe,
    )


def _layer_evidence(record: dict):
    scores = record.get("layer_scores")
    best = record.get("best_layer")
    probe = record.get("best_layer_probe")
    if not isinstance(scores, dict) or not scores or not best or not probe:
        return None, None, None, None
    final = list(scores)[-1]
    try:
        margin = float(scores[best][probe]) - float(scores[final][probe])
    except (KeyError, TypeError, ValueError):
        margin = None
    return best, final, margin, probe


def _entry(cid: str):
    from catalog import load_catalog
    from catalog.errors import CatalogError

    try:
        return load_catalog().get(cid)
    except CatalogError:
        return None


def _float(value):
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


__all__ = ["LABELS", "StrategyAdvice", "advise", "advise_from", "curve_and_zero_head", "curves_for"]
