"""``advisor.rank``: data -> subsample -> features per candidate -> probes -> fusion -> Ranking.

A candidate that cannot be scored (weights missing, out of memory, load error) is put in
``failures`` with its reason and the others still rank. Cancelling (the ``cancel`` event)
raises ``advisor.errors.Cancelled`` between candidates or inside extraction.
See docs/ranking.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from advisor import events
from advisor import validation as v
from advisor.errors import AdvisorError
from advisor.ranking import anytime
from advisor.ranking.candidate_loop import Emitter, check_cancel, score_readable
from advisor.ranking.candidates import load_catalog_arg, no_candidates_message, resolve_candidates
from advisor.ranking.cost import pareto_flags
from advisor.ranking.result import Ranking, bootstrap_note, build_ranking
from advisor.ranking.run_settings import build_settings

if TYPE_CHECKING:  # pragma: no cover
    from advisor.api_types import CancelFlag, CandidatesLike, DataLike, DeviceLike
    from advisor.engines.base import Engine
    from catalog import Catalog

# Bootstrap resamples when bootstrap=True: enough for P(best) to +-0.1 and 5-95% rank
# intervals, while the re-probing stays cheaper than extracting features.
DEFAULT_RESAMPLES = 30
# Stop the bootstrap after this many resamples when the leader won each one alone
# (agreement with the full 30 measured by benchmarks/bootstrap_check.py; docs/ranking.md).
EARLY_STOP = 10


@v.validate_params(
    {
        "candidates": v.CANDIDATES,
        "probes": v.PROBES,
        "budget": v.RANK_BUDGET,
        "seed": v.SEED,
        "cache_dir": v.CACHE_DIR,
        "progress": v.PROGRESS,
        "cancel": v.CANCEL,
        "device": v.DEVICE,
        "catalog": v.CATALOG,
        "min_per_class": v.MIN_PER_CLASS,
        "bootstrap": v.BOOTSTRAP,
        "max_params_m": v.MAX_PARAMS_M,
        "max_latency_ms": v.MAX_LATENCY_MS,
        "layers": v.LAYERS,
        "race": v.RACE,
        "race_budget": v.RACE_BUDGET,
        "race_top": v.RACE_TOP,
        "engine": v.ENGINE,
    }
)
def rank(
    data: DataLike,
    candidates: CandidatesLike | None = None,
    *,
    probes: Iterable[str] | str | None = None,
    budget: int | str | None = 1000,
    seed: int = 0,
    cache_dir: str | os.PathLike | None = None,
    progress: Callable[[events.ProgressEvent], None] | None = None,
    cancel: CancelFlag | None = None,
    device: DeviceLike | None = None,
    catalog: Catalog | str | os.PathLike | None = None,
    min_per_class: int = 10,
    bootstrap: bool | int = True,
    max_params_m: float | None = None,
    max_latency_ms: float | None = None,
    layers: str = "last",
    race: bool = False,
    race_budget: int | str = 2000,
    race_top: int = 3,
    task: str = "auto",
    engine: str | Engine | None = None,
) -> Ranking:
    """Rank candidate backbones for ``data``; best first, with reasons.

    data: a path, a built-in name or a LabelledData. candidates: None (every catalog
    entry of the data's modality usable without a download), ids/patterns, catalog
    Entry objects or loaded Backbones. probes: names from ``probes.REGISTRY`` (None =
    the default set). budget: examples in the seeded, stratified probe subsample (None =
    all), or "auto": embed in rounds (200, 400, 800... up to the data size, at most 4000, or
    N with "auto:N") and stop once the ranking is clear; candidates clearly out stop early
    and are listed below the finalists with their round (docs/ranking.md "Anytime
    ranking"). bootstrap: True (30 resamples), an int (that many) or False (none).
    max_params_m / max_latency_ms: cost budgets; candidates over them are skipped and
    listed in ``Ranking.excluded`` (latency is measured here, so it costs a forward pass).
    catalog: a Catalog, or a catalog TOML file (or folder) added to the built-in one.
    progress: called with the typed events of ``advisor.events`` (race events too, when
    racing).
    race: after the probes, settle the close calls (or the top ``race_top``) with successive
    halving over short real fine-tunes (``advisor.race``, docs/race.md); ``race_budget`` is
    optimizer steps (2000) or seconds ("600s"). The race's order is the final word.
    layers: "last" (the final embedding), "layermean" (score the mean of the layers' pooled
    embeddings) or "bestlayer" (each probe's best layer); both layer modes add per-layer
    ``layer_scores`` and ``best_layer`` to the records (docs/ranking.md "Layer-wise evidence").
    task: "auto" (detected from the labels), "classification", "multilabel" or "regression";
    each task probes with its own default set (docs/tasks.md).
    engine: "local" (default: here, one candidate at a time), "ray" (each candidate a Ray
    task on $RAY_ADDRESS or a local Ray; the race as Ray Tune trials) or an Engine object
    (advisor.engines); set-level probes, fusion and the bootstrap run here (docs/scale.md).
    """
    from advisor.data import describe_skipped, load_data, subsample
    from advisor.data.skipped import drop_small_classes
    from advisor.ranking import scoring

    if catalog is not None:  # a path is read now; the built-in one only when needed
        catalog = load_catalog_arg(catalog)
    from advisor.engines.select import get_engine

    engine = get_engine(engine)  # a missing ray extra fails before any work
    full = load_data(data) if task == "auto" else load_data(data, task=task)
    auto = anytime.is_auto(budget)  # the rounds subsample the whole data themselves
    if budget is None or auto:
        used, indices = full, np.arange(len(full), dtype=np.int64)
    else:
        used, indices = subsample(full, budget=budget, min_per_class=min_per_class, seed=seed)
    used, keep = drop_small_classes(used)  # before any extraction: no probe scores them
    indices = indices[keep]
    specs = scoring.plan_probes(
        probes, has_source_head=used.modality == "image", task=getattr(used, "task", None)
    )
    chosen, excluded = resolve_candidates(
        used.modality, candidates, catalog=catalog, max_params_m=max_params_m
    )
    if not chosen:
        raise AdvisorError(no_candidates_message(used.modality, excluded))

    cache = _feature_cache(cache_dir)
    emit = Emitter(progress)
    options = dict(cache=cache, device=device, seed=seed, emit=emit, cancel=cancel)
    options.update(max_latency_ms=max_latency_ms, layers=layers)
    rounds = None
    if auto:
        rounds = anytime.score_rounds(
            chosen, used, specs, budget=budget, min_per_class=min_per_class, **options
        )
        loop, used, indices = rounds.loop, rounds.used, indices[rounds.indices]
    else:
        loop, used, indices = score_readable(chosen, used, indices, specs, engine=engine, **options)
    excluded.update(loop.excluded)
    check_cancel(cancel)
    if not loop.featuresets:
        reasons = "; ".join(f"{k}: {v}" for k, v in {**loop.failures, **excluded}.items())
        raise AdvisorError(f"no candidate could be ranked ({reasons})")

    n = len(loop.featuresets)
    emit(events.PhaseStarted("fusing", f"{n} candidate{'' if n == 1 else 's'}"))
    set_scores, set_errors = scoring.score_set_level(
        loop.featuresets,
        specs,
        seed=seed,
        cancel=cancel,
        cache=cache,
        on_probe=lambda name, done, total: emit(
            events.PhaseStarted("set-level", f"{name}, {done + 1} of {total}")
        ),
    )
    scores = scoring.assemble_frame(
        loop.scores,
        set_scores,
        specs,
        loop.probe_errors,
        set_errors,
        {c: e["probe_seconds"] for c, e in loop.extra.items()},
    )
    probe_errors = scores.attrs.get("errors", {})
    _require_evidence(scores, probe_errors)
    if probes is None:  # a default probe no candidate could use (no source head) says nothing
        empty = [s.name for s in specs if scores[s.name].isna().all()]
        specs = [s for s in specs if s.name not in empty]
        scores = scores.drop(columns=empty)
    probe_names = [s.name for s in specs]

    entries = {c.id: c.entry for c in chosen if c.id in loop.featuresets}
    signals = _signals(loop.featuresets)
    # Anytime: the dropped candidates count in the fusion's scales (Run.scale_reference).
    reference = rounds.scale_reference(scores) if rounds is not None else None
    fused = _fuse(scores, entries, signals, reference)
    n_boot = DEFAULT_RESAMPLES if bootstrap is True else int(bootstrap or 0)
    uncertainty, notes = None, describe_skipped(used)  # what the data left out comes first
    notes.extend(_task_notes(getattr(used, "task", "classification"), probe_names))
    if getattr(used, "text_pairs", None) is not None:
        modes = {(fs.stats or {}).get("pair_mode", "joint") for fs in loop.featuresets.values()}
        notes.append(PAIR_NOTES["combined" if "combined" in modes else "joint"])
    if n_boot and len(loop.featuresets) > 1:
        emit(events.PhaseStarted("bootstrapping", f"{n_boot} resamples"))
        try:
            uncertainty = _bootstrap(
                loop.featuresets,
                probe_names,
                entries,
                n_boot,
                seed,
                signals,
                cancel,
                fused.final,
                emit,
                cache=cache,
                scores=scores,
                scale_reference=reference,
            )
        except ValueError as exc:  # e.g. classes too small to resample: rank without intervals
            notes.append(bootstrap_note(str(exc)))
    pareto, pareto_cost = pareto_flags(fused.final, entries, loop.featuresets)
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
        device=device,
        cache=cache,
        n_boot=int(uncertainty.attrs.get("resamples", n_boot)) if uncertainty is not None else 0,
        max_params_m=max_params_m,
        max_latency_ms=max_latency_ms,
        layers=layers,
    )
    settings["data"]["task"] = getattr(full, "task", "classification")  # an input: recorded
    settings["data"]["text_pairs"] = getattr(full, "text_pairs", None) is not None
    ranking = build_ranking(
        scores,
        entries,
        fused,
        extra=loop.extra,
        uncertainty=uncertainty,
        failures=loop.failures,
        settings=settings,
        excluded=excluded,
        pareto_cost=pareto_cost,
        notes=notes,
        probe_errors=probe_errors,
    )
    if rounds is not None:  # the dropped candidates, each record's examples, the saving
        ranking = rounds.finish(ranking)
    if race and len(ranking) > 1:
        ranking = _race(
            ranking, full, entries, race_budget, race_top, seed, device, cancel, emit, engine
        )
    return ranking


PAIR_NOTES = {  # how a text pair became one feature vector (docs/tasks.md "Text pairs")
    "joint": "text pairs: each pair was embedded through the tokenizer's pair encoding "
    "([CLS] a [SEP] b [SEP], pooled), as a cross-encoder fine-tune reads it (docs/tasks.md)",
    "combined": "text pairs: each text was embedded alone and the pair probed as "
    "[u, v, |u-v|, u*v] (docs/tasks.md); fine-tuning reads the pair encoding",
}


def _task_notes(task: str, probe_names: list[str]) -> list[str]:
    """What a task other than classification changes: which probes apply, and the fusion."""
    if task == "classification":
        return []
    from advisor.ranking.fusion_params import task_fusion_note
    from advisor.ranking.scoring import undefined_probes

    left_out = [p for p in undefined_probes(task) if p not in probe_names]
    notes = [f"task {task}: probed with {', '.join(probe_names)}"]
    if left_out:
        notes[0] += f"; not defined for {task}: {', '.join(left_out)}"
    return [*notes, task_fusion_note(task)]


def _race(ranking, data, entries, budget, top, seed, device, cancel, emit, engine=None):
    """Fine-tune the close calls rung by rung; their race order becomes the ranking's."""
    from advisor.race import race
    from advisor.race.settle import settle

    models = {cid: entry for cid, entry in entries.items() if entry is not None}
    result = race(
        data,
        ranking=ranking,
        top=top,
        budget=budget,
        seed=seed,
        models=models,
        device=None if device is None else str(device),
        cancel=cancel,
        progress=emit.callback,
        engine=engine,
    )
    return settle(ranking, result)


def _require_evidence(scores, probe_errors: dict) -> None:
    """A ranking where no probe scored any candidate has nothing to rank by: say why."""
    if scores.notna().to_numpy().any():
        return
    probes_by_message: dict[str, list[str]] = {}  # the same failure once, with its probes
    for per_probe in probe_errors.values():
        for probe, message in per_probe.items():
            named = probes_by_message.setdefault(message, [])
            if probe not in named:
                named.append(probe)
    detail = "; ".join(f"{', '.join(p)}: {m}" for m, p in probes_by_message.items())
    raise AdvisorError(
        "no probe could score any candidate, so there is no ranking"
        + (f" ({detail})" if detail else "")
        + "; check the data (enough examples per class, real classes) or choose other --probes"
    )


def _signals(featuresets):
    """Domain-similarity signals per candidate (numeric extraction stats) for the fusion."""
    from advisor.ranking.signals import extraction_signals

    return extraction_signals(featuresets)


def _fuse(scores, entries, signals, scale_reference=None):
    from advisor.ranking.fusion import fuse_scores

    return fuse_scores(scores, entries, signals=signals, scale_reference=scale_reference)


def _bootstrap(
    featuresets,
    probe_names,
    entries,
    n_boot,
    seed,
    signals,
    cancel,
    point,
    emit,
    cache=None,
    scores=None,
    scale_reference=None,
):
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
        on_resample=lambda done, total: emit(events.BootstrapProgress(done, total)),
        cache=cache,
        scores=scores,
        early_stop=EARLY_STOP,
        scale_reference=scale_reference,
    )


def _feature_cache(cache_dir):
    from pathlib import Path

    from advisor.features import FeatureCache

    return FeatureCache(Path(cache_dir) if cache_dir is not None else None)


__all__ = ["rank"]
