"""The per-candidate part of a ranking: features (or the cache), budgets, probes, progress.

Candidates are scored one after another so memory holds one network at a time; each
candidate's probe scores are sent with its ``CandidateDone`` event as soon as they exist.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor import events
from advisor.data.image_files import UnreadableImages
from advisor.errors import AdvisorError, Cancelled, DataError
from advisor.events import ProgressEvent
from advisor.ranking.candidates import FEATURES_CANDIDATE, Candidate

# Extraction stats copied into records (text: tokenizer fit; image: resolution and colour gap).
RECORD_STATS = (
    "unk_rate",
    "truncation_rate",
    "upscale_factor",
    "grayscale_fraction",
    "examples_per_second",
)


@dataclass
class LoopResult:
    featuresets: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    extra: dict[str, dict] = field(default_factory=dict)  # record keys per candidate
    probe_errors: dict[str, dict[str, str]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)  # over a cost budget


class Emitter:
    """Sends typed progress events (advisor.events) to the caller's callback."""

    def __init__(self, callback: Callable[[ProgressEvent], None] | None):
        self.callback = callback

    def __call__(self, event: ProgressEvent) -> None:
        if self.callback is not None:
            self.callback(event)


def score_candidates(
    chosen: Sequence[Candidate],
    data: Any,
    specs: Sequence[Any],
    *,
    cache: Any,
    device: Any,
    seed: int,
    emit: Emitter,
    cancel: Any = None,
    max_latency_ms: float | None = None,
    layers: str = "last",
) -> LoopResult:
    """Extract and probe every candidate; failures are recorded, never raised (but Cancelled is).
    ``layers``: "last", or a layer mode of advisor.ranking.layers (extracts every layer)."""
    from advisor.ranking import scoring

    out = LoopResult()
    total = len(chosen)
    for done, candidate in enumerate(chosen):
        check_cancel(cancel)
        emit(events.CandidateStarted(candidate.id, done, total))
        try:
            featureset = _features_for(
                candidate, data, cache, device, cancel, emit, done, total, layers != "last"
            )
        except (Cancelled, UnreadableImages):  # rank() leaves those files out for everyone
            raise
        except Exception as exc:  # noqa: BLE001 - one bad candidate must not sink the ranking
            if os.environ.get("ADVISOR_DEBUG"):
                raise
            out.failures[candidate.id] = failure_reason(exc)
            reason = out.failures[candidate.id]
            emit(events.CandidateFailed(candidate.id, done, total, reason=reason))
            continue
        over = _over_latency(featureset, max_latency_ms)
        if over:
            out.excluded[candidate.id] = over
            skip = f"skipped: {over}"
            emit(events.CandidateFailed(candidate.id, done, total, skip, skipped=True))
            continue
        emit(events.Probing(candidate.id, done, total, cached=bool(featureset.cached)))
        layer_extra = {}
        if layers == "last":
            scored = scoring.score_candidate(featureset, specs, seed=seed, cancel=cancel)
        else:  # set-level probes and the bootstrap see the features the mode stands for
            from advisor.ranking.layers import score_layers

            by_layer = score_layers(featureset, specs, layers, seed=seed, cancel=cancel)
            scored, featureset, layer_extra = by_layer.scores, by_layer.featureset, by_layer.extra
        out.featuresets[candidate.id] = featureset
        out.scores[candidate.id] = scored.scores
        if scored.errors:
            out.probe_errors[candidate.id] = scored.errors
        out.extra[candidate.id] = {**record_extras(featureset, scored.seconds), **layer_extra}
        record = {"candidate": candidate.id, **scored.scores, **out.extra[candidate.id]}
        emit(events.CandidateDone(candidate.id, done, total, record, bool(featureset.cached)))
    return out


def _features_for(
    candidate: Candidate, data, cache, device, cancel, emit, done, total, layers=False
):
    if candidate.id == FEATURES_CANDIDATE:
        return given_features(data)
    from advisor.features import extract

    def on_extract(event: dict) -> None:
        steps = event.get("total")
        emit(
            events.Extracting(
                candidate.id,
                done,
                total,
                done=int(event.get("done") or 0),
                total=int(steps) if steps else None,
                cached=bool(event.get("cached")),
            )
        )

    # With an Entry, extract answers a cache hit without building the network.
    target = candidate.backbone if candidate.backbone is not None else candidate.entry
    return extract(
        target, data, cache=cache, progress=on_extract, cancel=cancel, device=device, layers=layers
    )


def given_features(data):
    """Precomputed features (.npz): the probes run on them as one pseudo-candidate."""
    from advisor.features import FeatureSet

    if data.features is None:
        raise DataError("data has modality 'features' but no features array; reload the .npz")
    return FeatureSet(
        features=np.asarray(data.features, dtype=np.float32),
        source_probs=None,
        labels=np.asarray(data.labels),
        candidate=FEATURES_CANDIDATE,
        seconds=0.0,
        cached=False,
        stats={},
    )


def record_extras(featureset, probe_seconds: float) -> dict:
    from advisor.ranking.cost import measured_latency_ms

    latency = measured_latency_ms(featureset)
    keys = {
        "extract_seconds": 0.0 if featureset.cached else float(featureset.seconds),
        "cached": bool(featureset.cached),
        "probe_seconds": round(float(probe_seconds), 4),
        "latency_ms": None if np.isnan(latency) else round(latency, 3),
    }
    stats = featureset.stats or {}
    for key in RECORD_STATS:
        value = stats.get(key)
        if isinstance(value, int | float | np.number) and not isinstance(value, bool):
            keys[key] = float(value)
    return keys


def _over_latency(featureset, max_latency_ms: float | None) -> str | None:
    from advisor.ranking.cost import measured_latency_ms, over_budget

    if max_latency_ms is None:
        return None
    return over_budget(latency_ms=measured_latency_ms(featureset), max_latency_ms=max_latency_ms)


def check_cancel(cancel) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("ranking cancelled")


def failure_reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, AdvisorError):
        return text
    if isinstance(exc, MemoryError) or "out of memory" in text.lower():
        return f"out of memory: {text.splitlines()[0]}; lower --budget or use a smaller model"
    return f"{type(exc).__name__}: {text.splitlines()[0]}"
