"""``advisor.verify``: rank, fine-tune the top candidates with one fixed protocol, and report
how well the advisor, each single probe and the prior alone predicted the real accuracy."""

from __future__ import annotations

import json
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from advisor.atomic import write_text
from advisor.errors import AdvisorError, Cancelled
from advisor.verification.metrics import MEASURES, ranking_measures
from advisor.verification.protocol import PROTOCOL, FinetuneCache, Protocol


@dataclass
class VerifyReport:
    data: str
    data_fingerprint: str
    protocol: str
    candidates: list[dict]  # rank order: candidate, rank, final_score, test_accuracy, ...
    measures: dict[str, dict]  # method ("advisor", "prior", probe) -> measure -> value
    ranking_seconds: float
    finetune_seconds: float
    failures: dict[str, str] = field(default_factory=dict)
    json_path: Path | None = None
    plot_path: Path | None = None

    def to_dict(self) -> dict:
        return _clean({
            "data": self.data, "data_fingerprint": self.data_fingerprint,
            "protocol": self.protocol, "candidates": self.candidates, "measures": self.measures,
            "ranking_seconds": self.ranking_seconds, "finetune_seconds": self.finetune_seconds,
            "ranking_cost_share": self.ranking_seconds / (self.ranking_seconds + self.finetune_seconds)
            if self.finetune_seconds > 0 else None,
            "failures": self.failures,
            "plot": str(self.plot_path) if self.plot_path else None,
        })

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)


def verify(data, *, top: int | None = 3, all: bool = False, candidates=None,  # noqa: A002
           ranking=None, epochs: int = PROTOCOL.epochs, seed: int = PROTOCOL.seed,
           budget: int | None = PROTOCOL.budget, rank_budget: int = 1000, output=None,
           cache_dir=None, feature_cache_dir=None, plot: bool = True, progress=None,
           cancel=None, models=None, entries=None, **recipe) -> VerifyReport:
    """Fine-tune the ranking's top ``top`` candidates (or ``all``) and score the ranking.

    ``ranking``: an existing Ranking of the same data (else ``advisor.rank`` runs first, with
    ``candidates`` and ``rank_budget``). Fine-tuning follows ``Protocol(epochs, seed, budget,
    recipe)`` and its results are cached by (candidate, data fingerprint, protocol).
    Writes ``verify.json`` and ``verify.png`` to ``output`` (default runs/verify-<data>).
    ``models``: {candidate id: Backbone, Entry or a callable returning one} for candidates
    that are not catalog ids (a callable gives every fine-tune fresh weights). ``entries``:
    {candidate id: Entry} for the prior of such candidates.
    """
    import advisor
    from advisor.data import load_data, subsample

    if not all and (not isinstance(top, int) or isinstance(top, bool) or top < 2):
        raise AdvisorError(f"top must be a whole number >= 2 (got {top!r}); correlations need "
                           "at least 2 fine-tuned candidates, or pass all=True")
    if not isinstance(epochs, int) or epochs < 1:
        raise AdvisorError(f"epochs must be a whole number >= 1 (got {epochs!r})")
    labelled = load_data(data)
    protocol = Protocol(epochs=epochs, seed=seed, budget=budget, recipe=dict(recipe))
    started = time.perf_counter()
    if ranking is None:
        ranking = advisor.rank(labelled, candidates=candidates, budget=rank_budget, seed=seed,
                               cache_dir=feature_cache_dir, bootstrap=False, cancel=cancel)
        ranking_seconds = time.perf_counter() - started
    else:
        ranking_seconds = sum(float(r.get("extract_seconds") or 0) + float(r.get("probe_seconds")
                                                                          or 0) for r in ranking.records)
    chosen = ranking.records if all else ranking.records[:top]
    if len(chosen) < 2:
        raise AdvisorError(f"only {len(chosen)} candidate(s) ranked; verification needs 2 or more")

    train_data = labelled
    if budget is not None and len(labelled) > budget:
        train_data, _ = subsample(labelled, budget=budget, seed=seed)
    fingerprint = train_data.fingerprint()
    cache = FinetuneCache(Path(cache_dir) if cache_dir else None)
    out_dir = Path(output) if output else Path("runs") / f"verify-{_safe(labelled.name)}"
    rows, failures, finetune_seconds = [], {}, 0.0
    for position, record in enumerate(chosen):
        cid = record["candidate"]
        if cancel is not None and cancel.is_set():
            raise Cancelled("verification cancelled")
        _emit(progress, "finetune_start", cid, position, len(chosen))
        result = cache.get(cid, fingerprint, protocol)
        cached = result is not None
        if result is None:
            try:
                model = (models or {}).get(cid, cid)
                model = model() if callable(model) else model
                result = _finetune(train_data, model, out_dir / "runs" / _safe(cid), protocol,
                                   progress, cancel)
            except Cancelled:
                raise
            except Exception as exc:  # noqa: BLE001 - one failed run must not sink the report
                if os.environ.get("ADVISOR_DEBUG"):
                    raise
                failures[cid] = f"{type(exc).__name__}: {exc}"
                continue
            cache.put(cid, fingerprint, protocol, result)
        finetune_seconds += float(result.get("seconds") or 0.0)
        rows.append({"candidate": cid, "rank": record["rank"], "final_score": record.get("final_score"),
                     "test_accuracy": result["test_accuracy"],
                     "test_macro_f1": result.get("test_macro_f1"), "seconds": result.get("seconds"),
                     "cached": cached, "run_dir": result.get("run_dir")})
        _emit(progress, "finetune_done", cid, position + 1, len(chosen))

    measures = score_methods(ranking, rows, entries)
    report = VerifyReport(data=labelled.name, data_fingerprint=fingerprint,
                          protocol=protocol.describe(), candidates=rows, measures=measures,
                          ranking_seconds=ranking_seconds, finetune_seconds=finetune_seconds,
                          failures=failures)
    out_dir.mkdir(parents=True, exist_ok=True)
    if plot and len(rows) >= 2:
        from advisor.verification.plot import plot_predictions

        report.plot_path = plot_predictions(ranking, rows, out_dir / "verify.png", entries,
                                            title=f"{labelled.name}: {protocol.describe()}")
    report.json_path = out_dir / "verify.json"
    write_text(report.json_path, report.to_json() + "\n")
    return report


def method_scores(ranking, candidates: list[str], entries=None) -> dict[str, pd.Series]:
    """Predicted score per method over ``candidates``: the advisor, the prior, each probe."""
    from advisor.ranking.fusion import fuse_scores
    from advisor.ranking.table_input import entries_for

    by_id = {r["candidate"]: r for r in ranking.records}
    out = {"advisor": pd.Series({c: by_id[c].get("final_score") for c in candidates}, dtype=float)}
    frame = pd.DataFrame(index=candidates)
    known = entries_for(frame)
    known.update({c: e for c, e in (entries or {}).items() if c in known})
    prior = fuse_scores(frame, known).final
    if prior.isna().all() and all(known.get(c) is not None for c in candidates):
        # No catalog fact separates them (e.g. text encoders trained on the same corpus): the
        # prior ties them all, and its regret is the expectation over the tie.
        prior = pd.Series(0.0, index=prior.index)
    if prior.notna().sum() >= 2:
        out["prior"] = prior
    for probe in ranking.probes:
        values = pd.Series({c: by_id[c].get(probe) for c in candidates}, dtype=float)
        if values.notna().sum() >= 2:
            out[probe] = values
    return out


def score_methods(ranking, rows: list[dict], entries=None) -> dict[str, dict]:
    accuracy = pd.Series({r["candidate"]: r["test_accuracy"] for r in rows}, dtype=float)
    methods = method_scores(ranking, list(accuracy.index), entries)
    return {name: ranking_measures(pred, accuracy) for name, pred in methods.items()}


def _finetune(data, model, run_dir: Path, protocol: Protocol, progress, cancel) -> dict:
    import advisor

    started = time.perf_counter()
    result = advisor.finetune(data, model=model, output=run_dir, epochs=protocol.epochs,
                              seed=protocol.seed, overwrite=True, progress=progress,
                              cancel=cancel, **protocol.recipe)
    if result.cancelled:
        raise Cancelled("verification cancelled during fine-tuning")
    return {"test_accuracy": float(result.test_accuracy),
            "test_macro_f1": float(result.test_macro_f1),
            "seconds": time.perf_counter() - started, "run_dir": str(result.run_dir),
            "frozen_backbone": bool(result.frozen_backbone), "best_epoch": result.best_epoch}


def _emit(progress, kind, candidate, done, total) -> None:
    if progress is not None:
        progress({"kind": kind, "candidate": candidate, "done": done, "total": total})


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(name))[:80]


def _clean(value):
    """JSON-safe copy: numpy scalars to Python, NaN/inf to None, paths to str."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


__all__ = ["MEASURES", "VerifyReport", "verify"]
