"""Run transferability probes from ``probes.REGISTRY`` on each candidate's features.

Per-candidate probes see one FeatureSet at a time (so a caller can score a candidate as
soon as its features exist); set-level probes (NCTI, ETran) need every candidate at once.
A probe that needs a source head gets NaN for candidates without one; a probe that
raises on degenerate input gets NaN and its message is kept in ``frame.attrs["errors"]``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from advisor.errors import AdvisorError

TASK = "multiclass"  # the registry's name for classification (LabelledData class indices)
# advisor task (advisor.data.tasks.TASKS) -> probes.REGISTRY task
REGISTRY_TASKS = {
    "classification": "multiclass",
    "multilabel": "multilabel",
    "regression": "regression",
}

# N-LEEP fits a Gaussian mixture with about N/10 components, so its cost grows as N^2
# (1-2 s at N=1000, 14 s at 3000): above the cap it scores a seeded, class-stratified
# subsample, which keeps large --budget runs usable.
SAMPLE_CAPS = {"nleep": 1000}


def registry() -> Mapping[str, Any]:
    from probes import REGISTRY

    return REGISTRY


@dataclass
class CandidateScores:
    scores: dict[str, float]
    seconds: float
    errors: dict[str, str] = field(default_factory=dict)


def needs_source(spec: Any) -> bool:
    return "source_probs" in spec.needs or "source_labels" in spec.needs


def registry_task(task: str | None) -> str:
    """The probes.REGISTRY task for an advisor task (or a registry task name, unchanged)."""
    if task is None:
        return TASK
    if task in REGISTRY_TASKS.values():
        return task
    if task not in REGISTRY_TASKS:
        raise AdvisorError(f"task must be one of {', '.join(REGISTRY_TASKS)} (got {task!r})")
    return REGISTRY_TASKS[task]


def task_of(featureset: Any) -> str:
    """The registry task of a FeatureSet (classification when it carries none)."""
    return registry_task(getattr(featureset, "task", None) or "classification")


def task_word(task: str) -> str:
    """The advisor's name of a registry task, for messages ("classification", ...)."""
    return "classification" if task == TASK else task


def not_defined(spec: Any, task: str) -> str:
    """The probe-error message of a probe asked for a task it does not define."""
    applies = ", ".join(task_word(t) for t in spec.tasks)
    return f"not defined for {task_word(task)}: {spec.name} scores {applies} only"


def default_probe_names(has_source_head: bool = True, task: str | None = None) -> list[str]:
    """The registry's default set for the task (source-head probes only when useful)."""
    from probes import default_probes

    return default_probes(registry_task(task), has_source_probs=has_source_head)


def undefined_probes(task: str | None) -> list[str]:
    """Registry probes the task leaves out (for the ranking's note: never silently skipped)."""
    target = registry_task(task)
    return [name for name, spec in registry().items() if target not in spec.tasks]


def plan_probes(
    probe_names: Iterable[str] | str | None,
    *,
    has_source_head: bool = True,
    task: str | None = None,
) -> list:
    """Validated registry specs for the requested probes (None = the task's default set).
    A named probe the task does not define is kept: every candidate then gets NaN for it
    with the message ``not_defined`` gives, so the table says why."""
    reg = registry()
    names = (
        default_probe_names(has_source_head, task)
        if probe_names is None
        else _split_names(probe_names)
    )
    unknown = [n for n in names if n not in reg]
    if unknown:
        raise AdvisorError(
            f"probes has unknown name(s) {', '.join(unknown)}; choose from {', '.join(reg)}"
        )
    if not names:
        raise AdvisorError("probes is empty; name at least one probe, e.g. logme")
    return [reg[n] for n in names]


def score_candidate(
    featureset: Any,
    specs: Sequence[Any],
    *,
    seed: int = 0,
    cancel: Any = None,
    cache: Any = None,
    group: str | None = None,
    build: Any = None,
    rows: str = "all",
) -> CandidateScores:
    """Every per-candidate probe on one FeatureSet; set-level probes are left out.
    ``cancel`` (a threading.Event) is checked before each probe.

    ``cache``: a ProbeCache (or FeatureCache, folder; None: no caching) answering probes
    already computed on this evidence (advisor/ranking/probe_cache.py). ``group``: the
    evidence's cache key when the caller knows it (default: the features' fingerprint);
    ``build``: called for the features only if a probe must run (``featureset`` then only
    tells the task and whether there is a source head); ``rows``: the digest of the rows
    of the group's features these are (a bootstrap replicate's), part of each key."""
    from advisor.ranking import probe_cache

    scores: dict[str, float] = {}
    errors: dict[str, str] = {}
    task = task_of(featureset)
    store = probe_cache.resolve(cache)
    if store is not None and group is None:
        group = probe_cache.group_key("full", probe_cache.fingerprint(featureset))
    new: dict[str, dict] = {}
    data = None if build is not None else featureset
    start = time.perf_counter()
    for spec in specs:
        if spec.level == "set":
            continue
        _check_cancel(cancel)
        if task not in spec.tasks:
            scores[spec.name] = float("nan")
            errors[spec.name] = not_defined(spec, task)
            continue
        if needs_source(spec) and featureset.source_probs is None:
            scores[spec.name] = float("nan")  # no source head: the probe does not apply
            continue
        cap = SAMPLE_CAPS.get(spec.name)
        key = None
        if store is not None and probe_cache.cacheable(spec):
            key = probe_cache.entry_key(spec, seed=seed, cap=cap, task=task, rows=rows)
            hit = store.lookup(group, key)
            if hit is not None:
                scores[spec.name] = probe_cache.decode_score(hit)
                if hit.get("error"):
                    errors[spec.name] = hit["error"]
                continue
        if data is None:
            data = build()
        features, labels, source_probs = _capped(data, cap, seed)
        probe_cache.STATS.computed += 1
        try:
            scores[spec.name] = float(
                spec.compute(
                    features=features,
                    labels=labels,
                    source_probs=source_probs,
                    seed=seed,
                    task=task,
                )
            )
        except Exception as exc:  # noqa: BLE001 - one probe must not sink the candidate
            scores[spec.name] = float("nan")
            errors[spec.name] = _message(exc)
        if key is not None:
            new[key] = {"score": scores[spec.name], "error": errors.get(spec.name)}
    if new:
        store.update(group, new)
    return CandidateScores(scores, time.perf_counter() - start, errors)


def _check_cancel(cancel: Any) -> None:
    if cancel is not None and cancel.is_set():
        from advisor.errors import Cancelled

        raise Cancelled("probing cancelled")


def probe_labels(featureset: Any):
    """What the probes score against: the classes, or the targets of regression/multilabel."""
    targets = getattr(featureset, "targets", None)
    return featureset.labels if task_of(featureset) == TASK or targets is None else targets


def _capped(featureset: Any, cap: int | None, seed: int):
    """(features, labels or targets, source_probs), on a stratified subsample of ``cap`` rows
    if larger (stratified by the labels: the classes, or the strata of other tasks)."""
    import numpy as np

    labels = np.asarray(featureset.labels)
    if cap is None or len(labels) <= cap:
        return featureset.features, probe_labels(featureset), featureset.source_probs
    from advisor.data.sampling import half_sample

    rows = half_sample(labels, np.random.default_rng(seed), fraction=cap / len(labels))
    probs = featureset.source_probs
    return (
        np.asarray(featureset.features)[rows],
        np.asarray(probe_labels(featureset))[rows],
        None if probs is None else np.asarray(probs)[rows],
    )


def score_set_level(
    featuresets: Mapping[str, Any],
    specs: Sequence[Any],
    *,
    seed: int = 0,
    cancel: Any = None,
    cache: Any = None,
    group: str | None = None,
    build: Any = None,
    rows: str = "all",
    on_probe: Any = None,
) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Set-level probes across candidates: {probe: {candidate: score}}, {probe: error}.

    ``cache``, ``group``, ``build``, ``rows``: as for ``score_candidate``; the default group is the
    candidate set itself (ids and fingerprints, in order), since every score depends on
    all of them. ``on_probe(name, done, total)`` is called before each set-level probe."""
    from advisor.ranking import probe_cache

    results: dict[str, dict[str, float]] = {}
    errors: dict[str, str] = {}
    store = probe_cache.resolve(cache)
    if store is not None and group is None:
        group = probe_cache.group_key(
            "set", *[f"{c}={probe_cache.fingerprint(fs)}" for c, fs in featuresets.items()]
        )
    set_specs = [s for s in specs if s.level == "set"]
    new: dict[str, dict] = {}
    given = featuresets
    for done, spec in enumerate(set_specs):
        _check_cancel(cancel)
        if on_probe is not None:
            on_probe(spec.name, done, len(set_specs))
        key = None
        if store is not None and probe_cache.cacheable(spec):
            task = task_of(next(iter(featuresets.values()))) if featuresets else TASK
            key = probe_cache.entry_key(spec, seed=seed, cap=None, task=task, rows=rows)
            hit = store.lookup(group, key)
            if hit is not None and isinstance(hit.get("scores"), dict):
                results[spec.name] = {
                    c: probe_cache.decode_score({"score": hit["scores"].get(c)})
                    for c in featuresets
                }
                if hit.get("error"):
                    errors[spec.name] = hit["error"]
                continue
        if build is not None and featuresets is given:
            featuresets = build()
        probe_cache.STATS.computed += 1
        _score_one_set(spec, featuresets, seed, results, errors)
        if key is not None:
            new[key] = {"score": None, "error": errors.get(spec.name), "scores": results[spec.name]}
    if new:
        store.update(group, new)
    return results, errors


def _score_one_set(spec, featuresets, seed, results, errors) -> None:
    """One set-level probe into ``results`` / ``errors``."""
    usable = [
        c for c, fs in featuresets.items() if not (needs_source(spec) and fs.source_probs is None)
    ]
    results[spec.name] = {c: float("nan") for c in featuresets}
    task = task_of(next(iter(featuresets.values()))) if featuresets else TASK
    if task not in spec.tasks:
        errors[spec.name] = not_defined(spec, task)
        return
    if len(usable) < 2:
        errors[spec.name] = f"{spec.name} compares candidates, so it needs at least two"
        return
    inputs = [
        {
            "features": featuresets[c].features,
            "labels": probe_labels(featuresets[c]),
            "source_probs": featuresets[c].source_probs,
        }
        for c in usable
    ]
    try:
        values = spec.compute_set(inputs, seed=seed)
    except Exception as exc:  # noqa: BLE001 - one probe must not sink the ranking
        errors[spec.name] = _message(exc)
        return
    results[spec.name].update(dict(zip(usable, map(float, values), strict=True)))


def compute_probe_scores(
    featuresets: Mapping[str, Any],
    probe_names: Iterable[str] | None,
    *,
    seed: int = 0,
    cancel: Any = None,
    cache: Any = None,
) -> pd.DataFrame:
    """index: candidate id; columns: probe names (higher = better; NaN = not computed).

    ``frame.attrs`` holds ``errors`` ({candidate or "*set*": {probe: message}}) and
    ``seconds`` ({candidate: probe wall time}). ``cache``: see ``score_candidate``.
    """
    has_source = any(fs.source_probs is not None for fs in featuresets.values())
    task = task_of(next(iter(featuresets.values()))) if featuresets else TASK
    plans = plan_probes(probe_names, has_source_head=has_source, task=task)
    rows, errors, seconds = {}, {}, {}
    for candidate, featureset in featuresets.items():
        result = score_candidate(featureset, plans, seed=seed, cancel=cancel, cache=cache)
        rows[candidate], seconds[candidate] = result.scores, result.seconds
        if result.errors:
            errors[candidate] = result.errors
    set_scores, set_errors = score_set_level(
        featuresets, plans, seed=seed, cancel=cancel, cache=cache
    )
    return assemble_frame(rows, set_scores, plans, errors, set_errors, seconds)


def assemble_frame(
    rows: Mapping[str, Mapping[str, float]],
    set_scores: Mapping[str, Mapping[str, float]],
    plans: Sequence[Any],
    errors: Mapping[str, Mapping[str, str]],
    set_errors: Mapping[str, str],
    seconds: Mapping[str, float],
) -> pd.DataFrame:
    # Built column by column (not cell by cell with .at: that was most of a warm re-rank).
    index = list(rows)
    index += [c for c in dict.fromkeys(c for v in set_scores.values() for c in v) if c not in rows]
    position = {c: i for i, c in enumerate(index)}
    nan = float("nan")
    table: dict[str, list[float]] = {p.name: [nan] * len(index) for p in plans}
    cells = [(c, n, v) for c, row in rows.items() for n, v in row.items()]
    cells += [(c, n, v) for n, values in set_scores.items() for c, v in values.items()]
    for candidate, name, value in cells:
        table.setdefault(name, [nan] * len(index))[position[candidate]] = value
    frame = pd.DataFrame(table, index=index, columns=list(table), dtype=float)
    frame.attrs["errors"] = {k: dict(v) for k, v in errors.items()}
    if set_errors:
        frame.attrs["errors"]["*set*"] = dict(set_errors)
    frame.attrs["seconds"] = dict(seconds)
    return frame


def _split_names(names: Iterable[str]) -> list[str]:
    if isinstance(names, str):
        names = [names]
    out: list[str] = []
    for item in names:
        out.extend(part.strip().lower() for part in str(item).split(",") if part.strip())
    return list(dict.fromkeys(out))


def _message(exc: Exception) -> str:
    """The probe's own message for bad input (ValueError); the type too for anything else."""
    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, ValueError) else f"{type(exc).__name__}: {text}"
