"""``advisor.verify``: rank, fine-tune the top candidates with one fixed protocol, and report
how well the advisor, each single probe and the prior alone predicted the real accuracy."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor import events
from advisor import validation as v
from advisor.atomic import write_json
from advisor.errors import AdvisorError, Cancelled
from advisor.events import ProgressEvent
from advisor.jsonable import dumps, to_jsonable
from advisor.memory import release_memory
from advisor.verification.methods import (  # noqa: F401  (score_methods: re-exported)
    accuracy_of,
    measure_methods,
    method_scores,
    score_methods,
)
from advisor.verification.metrics import MEASURES
from advisor.verification.protocol import PROTOCOL, FinetuneCache, Protocol, safe_name

if TYPE_CHECKING:  # pragma: no cover
    from advisor.api_types import CancelFlag, CandidatesLike, DataLike, ModelLike
    from advisor.engines.base import Engine
    from advisor.ranking import Ranking
    from catalog import Entry


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
        return to_jsonable(
            {
                "data": self.data,
                "data_fingerprint": self.data_fingerprint,
                "protocol": self.protocol,
                "candidates": self.candidates,
                "measures": self.measures,
                "ranking_seconds": self.ranking_seconds,
                "finetune_seconds": self.finetune_seconds,
                "ranking_cost_share": self.ranking_seconds
                / (self.ranking_seconds + self.finetune_seconds)
                if self.finetune_seconds > 0
                else None,
                "failures": self.failures,
                "plot": str(self.plot_path) if self.plot_path else None,
            }
        )

    def to_json(self) -> str:
        return dumps(self.to_dict())


_RANKING = v.Param(
    "ranking",
    (v.HasMethods(("to_json",), "a Ranking"), v.NONE),
    "pass the Ranking advisor.rank returned for this data, or None to rank first",
)
_MAPPING = v.InstanceOf((Mapping,), "a dict keyed by candidate id")
_MODELS = v.Param("models", (_MAPPING, v.NONE), "pass {id: Backbone, Entry or factory}, or None")
_ENTRIES = v.Param("entries", (_MAPPING, v.NONE), "pass {id: catalog Entry}, or None")


@v.validate_params(
    {
        "all": v.FLAG,
        "candidates": v.CANDIDATES,
        "ranking": _RANKING,
        "epochs": v.EPOCHS,
        "seed": v.SEED,
        "budget": v.OPTIONAL_BUDGET,
        "rank_budget": v.BUDGET,
        "output": v.OUTPUT,
        "cache_dir": v.CACHE_DIR,
        "feature_cache_dir": v.CACHE_DIR,
        "plot": v.FLAG,
        "progress": v.PROGRESS,
        "cancel": v.CANCEL,
        "models": _MODELS,
        "entries": _ENTRIES,
        "engine": v.ENGINE,
    }
)
def verify(
    data: DataLike,
    *,
    top: int | None = 3,
    all: bool = False,  # noqa: A002
    candidates: CandidatesLike | None = None,
    ranking: Ranking | None = None,
    epochs: int = PROTOCOL.epochs,
    seed: int = PROTOCOL.seed,
    budget: int | None = PROTOCOL.budget,
    rank_budget: int = 1000,
    output: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    feature_cache_dir: str | os.PathLike | None = None,
    plot: bool = True,
    progress: Callable[[ProgressEvent], None] | None = None,
    cancel: CancelFlag | None = None,
    models: Mapping[str, ModelLike | Callable[[], ModelLike]] | None = None,
    entries: Mapping[str, Entry] | None = None,
    engine: str | Engine | None = None,
    **recipe: Any,
) -> VerifyReport:
    """Fine-tune the ranking's top ``top`` candidates (or ``all``) and score the ranking.

    ``ranking``: an existing Ranking of the same data (else ``advisor.rank`` runs first, with
    ``candidates`` and ``rank_budget``). Fine-tuning follows ``Protocol(epochs, seed, budget,
    recipe)`` and its results are cached by (candidate, data fingerprint, protocol).
    Writes ``verify.json`` and ``verify.png`` to ``output`` (default runs/verify-<data>).
    ``models``: {candidate id: Backbone, Entry or a callable returning one} for candidates
    that are not catalog ids (a callable gives every fine-tune fresh weights). ``entries``:
    {candidate id: Entry} for the prior of such candidates. ``engine``: "local" (default),
    "ray" (the ranking's candidates as Ray tasks, the fine-tunes as Ray Tune trials) or an
    Engine object (docs/scale.md).
    """
    import advisor
    from advisor.data import load_data, subsample
    from advisor.engines.select import get_engine

    if not all:
        v.TOP.check(top)
    engine = get_engine(engine)  # a missing ray extra fails before any work
    labelled = load_data(data)
    protocol = Protocol(epochs=epochs, seed=seed, budget=budget, recipe=dict(recipe))
    protocol.check(labelled)  # bad fine-tuning options fail before the ranking
    started = time.perf_counter()
    if ranking is None:
        ranking = advisor.rank(
            labelled,  # already loaded: its task travels with it
            candidates=candidates,
            budget=rank_budget,
            seed=seed,
            cache_dir=feature_cache_dir,
            bootstrap=False,
            cancel=cancel,
            engine=engine,
        )
        ranking_seconds = time.perf_counter() - started
    else:
        ranking_seconds = sum(
            float(r.get("extract_seconds") or 0) + float(r.get("probe_seconds") or 0)
            for r in ranking.records
        )
    chosen = ranking.records if all else ranking.records[:top]
    if len(chosen) < 2:
        raise AdvisorError(f"only {len(chosen)} candidate(s) ranked; verification needs 2 or more")

    train_data = labelled
    if budget is not None and len(labelled) > budget:
        train_data, _ = subsample(labelled, budget=budget, seed=seed)
    fingerprint = train_data.fingerprint()
    cache = FinetuneCache(Path(cache_dir) if cache_dir else None)
    out_dir = Path(output) if output else Path("runs") / f"verify-{safe_name(labelled.name)}"
    # One work unit per candidate (its cached result, if any): the engine runs the fine-tunes
    # (here one after another; on Ray as Tune trials) and the results come back in rank order.
    job = FinetuneJob(train_data, dict(models or {}), out_dir, protocol, len(chosen))
    units = [
        (position, r["candidate"], cache.get(r["candidate"], fingerprint, protocol))
        for position, r in enumerate(chosen)
    ]
    done = engine.trials(finetune_one, units, common=job, cancel=cancel, progress=progress)
    rows, failures, finetune_seconds = [], {}, 0.0
    for record, (_, cid, known), (result, failure) in zip(chosen, units, done, strict=True):
        if failure is not None:
            failures[cid] = failure
            continue
        cached = known is not None
        if not cached:
            cache.put(cid, fingerprint, protocol, result)
        finetune_seconds += float(result.get("seconds") or 0.0)
        rows.append(
            {
                "candidate": cid,
                "rank": record["rank"],
                "final_score": record.get("final_score"),
                "test_accuracy": result["test_accuracy"],
                "test_macro_f1": result.get("test_macro_f1"),
                # the task's headline figure: accuracy, R^2 (regression), mean AP (multilabel)
                "test_score": result.get("test_score", result["test_accuracy"]),
                "score_name": result.get("score_name", "accuracy"),
                "seconds": result.get("seconds"),
                "cached": cached,
                "run_dir": result.get("run_dir"),
            }
        )

    if len(rows) < 2:  # nothing to compare: say why the fine-tunes failed
        reasons = "; ".join(f"{cid}: {why}" for cid, why in list(failures.items())[:3])
        raise AdvisorError(
            f"only {len(rows)} of {len(chosen)} fine-tunes finished, and verification needs 2 "
            f"or more ({reasons}); set ADVISOR_DEBUG=1 to see the tracebacks"
        )
    accuracy = accuracy_of(rows)
    methods = method_scores(ranking, list(accuracy.index), entries)
    measures = measure_methods(methods, accuracy)
    report = VerifyReport(
        data=labelled.name,
        data_fingerprint=fingerprint,
        protocol=protocol.describe(score=score_text(labelled)),
        candidates=rows,
        measures=measures,
        ranking_seconds=ranking_seconds,
        finetune_seconds=finetune_seconds,
        failures=failures,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    if plot and len(rows) >= 2:
        from advisor.verification.plot import plot_predictions

        report.plot_path = plot_predictions(
            methods,
            accuracy,
            measures,
            out_dir / "verify.png",
            title=f"{labelled.name}: {protocol.describe(score=score_text(labelled))}",
        )
    report.json_path = out_dir / "verify.json"
    write_json(report.json_path, report.to_dict())
    return report


@dataclass(frozen=True)
class FinetuneJob:
    """What every fine-tune of a verification shares (sent to a cluster once)."""

    data: Any
    models: dict
    out_dir: Path
    protocol: Protocol
    total: int

    def run_dir(self, candidate: str) -> Path:
        return self.out_dir / "runs" / safe_name(candidate)

    def checkpoint_dir(self, unit) -> Path:
        """A unit's run folder (its checkpoints), reported to Tune on a cluster."""
        return self.run_dir(unit[1])


def finetune_one(job: FinetuneJob, unit, emit, cancel=None):
    """One candidate's fine-tune as a work unit: (result, None), or (None, why it failed).
    A restarted unit fine-tunes again from the start: seeded, so with the same result."""
    position, cid, known = unit
    if cancel is not None and cancel.is_set():
        raise Cancelled("verification cancelled")
    emit(events.VerifyStarted(cid, position, job.total))
    result = known
    if result is None:
        model = None
        try:
            model = job.models.get(cid, cid)
            model = model() if callable(model) else model
            result = finetune_once(job.data, model, job.run_dir(cid), job.protocol, emit, cancel)
        except Cancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - one failed run must not sink the report
            if os.environ.get("ADVISOR_DEBUG"):
                raise
            return None, f"{type(exc).__name__}: {exc}"
        finally:  # the next fine-tune starts from a trimmed heap, not the last one's peak
            model = None
            release_memory()
    emit(events.VerifyFinished(cid, position, job.total))
    return result, None


def finetune_once(data, model, run_dir: Path, protocol: Protocol, progress, cancel) -> dict:
    """One fine-tune under ``protocol``; its test figures as a plain dict (verify, strategies)."""
    import advisor

    started = time.perf_counter()
    result = advisor.finetune(
        data,
        model=model,
        output=run_dir,
        epochs=protocol.epochs,
        seed=protocol.seed,
        overwrite=True,
        progress=progress,
        cancel=cancel,
        **protocol.recipe,
    )
    if result.cancelled:
        raise Cancelled("verification cancelled during fine-tuning")
    from advisor.finetuning.tasks import TEST_SCORE

    return {
        "test_accuracy": float(result.test_accuracy),
        "test_macro_f1": float(result.test_macro_f1),
        "test_score": float(result.test_score),
        "score_name": TEST_SCORE[result.task],
        "task": result.task,
        **{k: float(val) for k, val in result.test_metrics.items()},
        "seconds": time.perf_counter() - started,
        "run_dir": str(result.run_dir),
        "frozen_backbone": bool(result.frozen_backbone),
        "best_epoch": result.best_epoch,
    }


def score_text(data) -> str:
    """What verification compares the candidates on, for the protocol line."""
    return {"regression": "test R^2", "multilabel": "test mean average precision"}.get(
        getattr(data, "task", "classification"), "test accuracy"
    )


def _emit(progress, event: ProgressEvent) -> None:
    if progress is not None:
        progress(event)


__all__ = ["MEASURES", "VerifyReport", "verify"]
