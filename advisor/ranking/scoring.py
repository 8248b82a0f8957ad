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

TASK = "multiclass"  # LabelledData labels are class indices

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


def default_probe_names(has_source_head: bool = True) -> list[str]:
    """The registry's default set for class labels (source-head probes only when useful)."""
    from probes import default_probes

    return default_probes(TASK, has_source_probs=has_source_head)


def plan_probes(probe_names: Iterable[str] | str | None, *, has_source_head: bool = True) -> list:
    """Validated registry specs for the requested probes (None = the default set)."""
    reg = registry()
    names = (
        default_probe_names(has_source_head) if probe_names is None else _split_names(probe_names)
    )
    unknown = [n for n in names if n not in reg]
    if unknown:
        raise AdvisorError(
            f"probes has unknown name(s) {', '.join(unknown)}; choose from {', '.join(reg)}"
        )
    if not names:
        raise AdvisorError("probes is empty; name at least one probe, e.g. logme")
    unsupported = [n for n in names if TASK not in reg[n].tasks]
    if unsupported:
        raise AdvisorError(
            f"probes {', '.join(unsupported)} do not support class labels; drop them"
        )
    return [reg[n] for n in names]


def score_candidate(
    featureset: Any, specs: Sequence[Any], *, seed: int = 0, cancel: Any = None
) -> CandidateScores:
    """Every per-candidate probe on one FeatureSet; set-level probes are left out.
    ``cancel`` (a threading.Event) is checked before each probe."""
    scores: dict[str, float] = {}
    errors: dict[str, str] = {}
    start = time.perf_counter()
    for spec in specs:
        if spec.level == "set":
            continue
        _check_cancel(cancel)
        if needs_source(spec) and featureset.source_probs is None:
            scores[spec.name] = float("nan")  # no source head: the probe does not apply
            continue
        features, labels, source_probs = _capped(featureset, SAMPLE_CAPS.get(spec.name), seed)
        try:
            scores[spec.name] = float(
                spec.compute(
                    features=features,
                    labels=labels,
                    source_probs=source_probs,
                    seed=seed,
                    task=TASK,
                )
            )
        except Exception as exc:  # noqa: BLE001 - one probe must not sink the candidate
            scores[spec.name] = float("nan")
            errors[spec.name] = _message(exc)
    return CandidateScores(scores, time.perf_counter() - start, errors)


def _check_cancel(cancel: Any) -> None:
    if cancel is not None and cancel.is_set():
        from advisor.errors import Cancelled

        raise Cancelled("probing cancelled")


def _capped(featureset: Any, cap: int | None, seed: int):
    """(features, labels, source_probs), on a stratified subsample of ``cap`` rows if larger."""
    import numpy as np

    labels = np.asarray(featureset.labels)
    if cap is None or len(labels) <= cap:
        return featureset.features, featureset.labels, featureset.source_probs
    from advisor.data.sampling import half_sample

    rows = half_sample(labels, np.random.default_rng(seed), fraction=cap / len(labels))
    probs = featureset.source_probs
    return (
        np.asarray(featureset.features)[rows],
        labels[rows],
        None if probs is None else np.asarray(probs)[rows],
    )


def score_set_level(
    featuresets: Mapping[str, Any], specs: Sequence[Any], *, seed: int = 0, cancel: Any = None
) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Set-level probes across candidates: {probe: {candidate: score}}, {probe: error}."""
    results: dict[str, dict[str, float]] = {}
    errors: dict[str, str] = {}
    for spec in specs:
        if spec.level != "set":
            continue
        _check_cancel(cancel)
        usable = [
            c
            for c, fs in featuresets.items()
            if not (needs_source(spec) and fs.source_probs is None)
        ]
        results[spec.name] = {c: float("nan") for c in featuresets}
        if len(usable) < 2:
            errors[spec.name] = f"{spec.name} compares candidates, so it needs at least two"
            continue
        inputs = [
            {
                "features": featuresets[c].features,
                "labels": featuresets[c].labels,
                "source_probs": featuresets[c].source_probs,
            }
            for c in usable
        ]
        try:
            values = spec.compute_set(inputs, seed=seed)
        except Exception as exc:  # noqa: BLE001 - one probe must not sink the ranking
            errors[spec.name] = _message(exc)
            continue
        results[spec.name].update(dict(zip(usable, map(float, values), strict=True)))
    return results, errors


def compute_probe_scores(
    featuresets: Mapping[str, Any],
    probe_names: Iterable[str] | None,
    *,
    seed: int = 0,
    cancel: Any = None,
) -> pd.DataFrame:
    """index: candidate id; columns: probe names (higher = better; NaN = not computed).

    ``frame.attrs`` holds ``errors`` ({candidate or "*set*": {probe: message}}) and
    ``seconds`` ({candidate: probe wall time}).
    """
    has_source = any(fs.source_probs is not None for fs in featuresets.values())
    plans = plan_probes(probe_names, has_source_head=has_source)
    rows, errors, seconds = {}, {}, {}
    for candidate, featureset in featuresets.items():
        result = score_candidate(featureset, plans, seed=seed, cancel=cancel)
        rows[candidate], seconds[candidate] = result.scores, result.seconds
        if result.errors:
            errors[candidate] = result.errors
    set_scores, set_errors = score_set_level(featuresets, plans, seed=seed, cancel=cancel)
    return assemble_frame(rows, set_scores, plans, errors, set_errors, seconds)


def assemble_frame(
    rows: Mapping[str, Mapping[str, float]],
    set_scores: Mapping[str, Mapping[str, float]],
    plans: Sequence[Any],
    errors: Mapping[str, Mapping[str, str]],
    set_errors: Mapping[str, str],
    seconds: Mapping[str, float],
) -> pd.DataFrame:
    columns = [p.name for p in plans]
    frame = pd.DataFrame(index=list(rows), columns=columns, dtype=float)
    for candidate, row in rows.items():
        for name, value in row.items():
            frame.at[candidate, name] = value
    for name, values in set_scores.items():
        for candidate, value in values.items():
            frame.at[candidate, name] = value
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
