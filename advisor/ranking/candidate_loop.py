"""The per-candidate part of a ranking: features (or the cache), budgets, probes, progress.

Each candidate is one picklable work unit (``score_one``) that an engine runs: the local
engine one after another, so memory holds one network at a time; the Ray engine as Ray
tasks. Each candidate's probe scores are sent with its ``CandidateDone`` event as soon as
they exist; the set-level probes, fusion and bootstrap stay with the caller (advisor.rank).
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
from advisor.features.cache import FeatureCache
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


@dataclass(frozen=True)
class CandidateJob:
    """What every candidate's work unit shares: sent to a cluster once, not per candidate."""

    data: Any
    specs: tuple
    cache: Any  # a FeatureCache (or what extract takes); see _worker_cache
    device: Any
    seed: int
    total: int
    max_latency_ms: float | None = None
    layers: str = "last"
    write_cache: bool = True  # False: the worker's disk is not the driver's; the driver writes


@dataclass
class CandidateOutcome:
    """One candidate's part of the ranking, as a work unit returns it (picklable)."""

    candidate: str
    featureset: Any = None
    scores: dict[str, float] | None = None
    extra: dict | None = None
    probe_errors: dict[str, str] | None = None
    failure: str | None = None
    excluded: str | None = None
    cache_key: str | None = None  # where the features belong in the driver's cache


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
    engine: Any = None,
) -> LoopResult:
    """Extract and probe every candidate; failures are recorded, never raised (but Cancelled is).
    ``layers``: "last", or a layer mode of advisor.ranking.layers (extracts every layer).
    ``engine``: runs the candidates' work units (``score_one``); None = here, one by one."""
    from advisor.engines.local import LocalEngine

    engine = engine or LocalEngine()
    shared = bool(getattr(engine, "shares_files", True))
    job = CandidateJob(
        data, tuple(specs), cache, device, seed, len(chosen), max_latency_ms, layers, shared
    )
    units = list(enumerate(chosen))
    outcomes = engine.score(
        score_one, units, common=job, cancel=cancel, progress=emit, lost=_lost(emit, job)
    )
    out = LoopResult()
    for outcome in outcomes:
        cid = outcome.candidate
        if outcome.failure is not None:
            out.failures[cid] = outcome.failure
        elif outcome.excluded is not None:
            out.excluded[cid] = outcome.excluded
        else:
            out.featuresets[cid] = outcome.featureset
            out.scores[cid] = outcome.scores
            if outcome.probe_errors:
                out.probe_errors[cid] = outcome.probe_errors
            out.extra[cid] = outcome.extra
        fresh = outcome.featureset is not None and not outcome.featureset.cached
        if not shared and fresh and outcome.cache_key and hasattr(cache, "put"):
            cache.put(outcome.cache_key, outcome.featureset)  # a re-rank here reads them
    return out


def score_readable(chosen, used, indices, specs, **options):
    """score_candidates; image files found unreadable only when decoded are left out for
    every candidate and it starts again, so feature rows stay aligned across candidates
    and the data's fingerprint (the cache key) names what was used. Returns (loop, used,
    indices into the full data)."""
    from advisor.data.skipped import drop_small_classes, drop_unreadable

    while True:  # each round drops at least one row; drop_unreadable refuses a mostly bad set
        try:
            return score_candidates(chosen, used, specs, **options), used, indices
        except UnreadableImages as exc:
            used, keep = drop_unreadable(used, exc.rows)
            used, still = drop_small_classes(used)  # a class may be down to one image
            indices = indices[keep][still]


def score_one(job: CandidateJob, unit: tuple[int, Candidate], emit, cancel=None):
    """One candidate's work unit: its features (or the cache), its cost budget, its
    per-candidate probes, and its events. Picklable, so an engine may run it on a worker."""
    from advisor.ranking import scoring

    position, candidate = unit
    total = job.total
    check_cancel(cancel)
    emit(events.CandidateStarted(candidate.id, position, total))
    store = _worker_cache(job)
    try:
        featureset = _features_for(
            candidate,
            job.data,
            store,
            job.device,
            cancel,
            emit,
            position,
            total,
            job.layers != "last",
        )
    except (Cancelled, UnreadableImages):  # rank() leaves those files out for everyone
        raise
    except Exception as exc:  # noqa: BLE001 - one bad candidate must not sink the ranking
        if os.environ.get("ADVISOR_DEBUG"):
            raise
        reason = failure_reason(exc)
        emit(events.CandidateFailed(candidate.id, position, total, reason=reason))
        return CandidateOutcome(candidate.id, failure=reason)
    key = getattr(store, "last_key", None)
    over = _over_latency(featureset, job.max_latency_ms)
    if over:
        emit(events.CandidateFailed(candidate.id, position, total, f"skipped: {over}", True))
        return CandidateOutcome(candidate.id, excluded=over)
    emit(events.Probing(candidate.id, position, total, cached=bool(featureset.cached)))
    layer_extra = {}
    if job.layers == "last":
        probes_cache = job.cache if isinstance(job.cache, FeatureCache) else None
        scored = scoring.score_candidate(
            featureset, job.specs, seed=job.seed, cancel=cancel, cache=probes_cache
        )
    else:  # set-level probes and the bootstrap see the features the mode stands for
        from advisor.ranking.layers import score_layers

        by_layer = score_layers(featureset, job.specs, job.layers, seed=job.seed, cancel=cancel)
        scored, featureset, layer_extra = by_layer.scores, by_layer.featureset, by_layer.extra
    extra = {**record_extras(featureset, scored.seconds), **layer_extra}
    record = {"candidate": candidate.id, **scored.scores, **extra}
    emit(events.CandidateDone(candidate.id, position, total, record, bool(featureset.cached)))
    return CandidateOutcome(
        candidate.id, featureset, scored.scores, extra, scored.errors or None, cache_key=key
    )


def _worker_cache(job: CandidateJob):
    """The cache the work unit extracts with: the job's own where the worker shares the
    driver's disk; else one that never touches the worker's disk and only notes the key."""
    if not isinstance(job.cache, FeatureCache):
        return job.cache
    return _KeyNoting(job.cache.root, write=job.write_cache)


def _lost(emit, job: CandidateJob):
    """A candidate whose worker died on every retry is a failure, like any other."""

    def lost(unit, reason: str) -> CandidateOutcome:
        position, candidate = unit
        emit(events.CandidateFailed(candidate.id, position, job.total, reason=reason))
        return CandidateOutcome(candidate.id, failure=reason)

    return lost


class _KeyNoting(FeatureCache):
    """A FeatureCache that notes the key it was last asked to store (and with
    ``write=False`` never reads or writes the worker's disk)."""

    def __init__(self, root, *, write: bool = True):
        super().__init__(root)
        self.write, self.last_key = write, None

    def get(self, key, n_rows=None):
        return super().get(key, n_rows) if self.write else None

    def put(self, key, featureset) -> None:
        self.last_key = key
        if self.write:
            super().put(key, featureset)


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
        targets=getattr(data, "targets", None),
        task=getattr(data, "task", "classification"),
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
