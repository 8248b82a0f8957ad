"""``advisor.race``: settle a close call with short real fine-tunes (successive halving).

Every trial follows the verification protocol (a seeded, stratified subsample, the engine's
train/val/test split, the default recipe for ``epochs`` epochs) and is paused at each rung;
candidates are eliminated by validation accuracy, never by the test split. Trials resume
from their checkpoints and keep each rung's score, so a rerun, or a race cancelled and
started again, only trains what it has not trained yet.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from advisor import validation as v
from advisor.errors import AdvisorError
from advisor.race.schedule import RaceBudget, parse_budget, plan_race
from advisor.verification.protocol import PROTOCOL, Protocol, safe_name

if TYPE_CHECKING:  # pragma: no cover
    from advisor.data import LabelledData
    from advisor.engines.base import Engine
    from advisor.race.result import RaceResult
    from advisor.ranking.result import Ranking

DEFAULT_BUDGET = 2000  # optimizer steps over the whole race
RESULT_FILE = "race.json"
PLAN_FILE = "plan.json"  # a seconds budget's rungs, as its calibration planned them
# race_budget's declaration, also taking a parsed budget (what `advisor race` passes); a text
# is then read by parse_budget, whose messages say what a budget text looks like.
_BUDGET = dataclasses.replace(
    v.RACE_BUDGET,
    constraints=(*v.RACE_BUDGET.constraints, v.InstanceOf((RaceBudget,), "a RaceBudget")),
)


@v.validate_params(
    {
        "top": v.RACE_TOP,
        "budget": _BUDGET,
        "eta": v.ETA,
        "min_steps": v.MIN_STEPS,
        "epochs": v.EPOCHS,
        "seed": v.SEED,
        "data_budget": v.OPTIONAL_BUDGET,
        "output": v.OUTPUT,
        "progress": v.PROGRESS,
        "cancel": v.CANCEL,
        "engine": v.ENGINE,
    }
)
def race(
    data: str | os.PathLike | LabelledData,
    candidates: Sequence[str] | None = None,
    *,
    ranking: Ranking | None = None,
    top: int = 3,
    budget: int | str | RaceBudget = DEFAULT_BUDGET,
    eta: int = 2,
    min_steps: int = 8,
    epochs: int = PROTOCOL.epochs,
    seed: int = PROTOCOL.seed,
    data_budget: int | None = PROTOCOL.budget,
    output: str | os.PathLike | None = None,
    engine: str | Engine | None = None,
    models: Mapping[str, object] | None = None,
    device: str | None = None,
    cancel=None,
    progress: Callable[[object], None] | None = None,
    **recipe,
) -> RaceResult:
    """Race ``candidates`` (ids, best-ranked first) or the close calls of ``ranking``.

    ``budget``: optimizer steps over the whole race (``2000``) or wall seconds (``"600s"``).
    ``eta``: the reduction factor (keep 1/eta per rung). ``top``: with a ranking, how many
    leaders race when the ranking flags no close call. ``output``: the race folder (default:
    the cache, keyed by data, candidates and protocol). ``models``: {id: Entry, Backbone or a
    callable returning one} for candidates that are not catalog ids (a callable gives every
    rung fresh weights before its checkpoint is restored). ``engine``: "local" (default),
    "ray" (each rung's trials as Ray Tune trials; the same rungs, docs/scale.md) or an Engine.
    """
    from advisor.data import load_data, subsample
    from advisor.engines.select import get_engine
    from advisor.race.result import RaceResult

    chosen = _candidates(candidates, ranking, top)
    plan = plan_race(chosen, parse_budget(budget), eta=eta, min_steps=min_steps)
    labelled = load_data(data)
    protocol = Protocol(epochs=epochs, seed=seed, budget=data_budget, recipe=dict(recipe))
    train_data = labelled
    if data_budget is not None and len(labelled) > data_budget:
        train_data, _ = subsample(labelled, budget=data_budget, seed=seed)
    folder = Path(output) if output is not None else _default_folder(train_data, protocol, plan)
    folder.mkdir(parents=True, exist_ok=True)
    plan = _resumed_plan(folder, plan)
    engine = get_engine(engine)
    trial = RaceTrial(train_data, dict(models or {}), folder, protocol, device)
    started = time.perf_counter()
    rungs = engine.race(plan, trial, cancel=cancel, progress=_keeping_plan(folder, plan, progress))
    result = RaceResult(
        notes=_calibration_note(plan, rungs),
        data=labelled.name,
        protocol=protocol.describe("validation accuracy at each rung"),
        budget=plan.budget.describe(),
        eta=eta,
        candidates=list(chosen),
        rungs=rungs,
        engine=engine.name,
        seconds=time.perf_counter() - started,
        output=folder,
    )
    from advisor.atomic import write_text

    write_text(folder / RESULT_FILE, result.to_json())
    return result


@dataclass(frozen=True)
class RaceTrial:
    """One race trial as a picklable callable: train a candidate up to a rung's steps in its
    own folder under the race folder (which every worker must read on a cluster)."""

    data: LabelledData
    models: dict
    folder: Path
    protocol: Protocol
    device: str | None = None

    def __call__(self, request, cancel=None):
        from advisor.finetuning.trial import train_steps

        model = self.models.get(request.candidate, request.candidate)
        model = model() if callable(model) else model
        return train_steps(
            self.data,
            model,
            candidate=request.candidate,
            output=self.trial_dir(request.candidate),
            steps=request.steps,
            epochs=self.protocol.epochs,
            seed=self.protocol.seed,
            device=self.device,
            cancel=cancel,
            recipe=self.protocol.recipe,
        )

    def trial_dir(self, candidate: str) -> Path:
        return self.folder / safe_name(candidate)

    def checkpoint_dir(self, unit) -> Path:
        """The folder of a rung's work unit (position, TrialRequest, total): its checkpoints."""
        return self.trial_dir(unit[1].candidate)


def race_candidates(ranking: Ranking, top: int = 3) -> list[str]:
    """The leader and every candidate too close to call with it; else the top ``top``."""
    records = ranking.records
    close = [r["candidate"] for r in records if r.get("too_close")]
    if close:
        leader = records[0]["candidate"]
        return [leader, *[c for c in close if c != leader]]
    return [r["candidate"] for r in records[:top]]


def _candidates(candidates, ranking, top) -> list[str]:
    if candidates is not None and ranking is not None:
        raise AdvisorError("pass candidates or ranking to race, not both")
    if ranking is not None:
        return race_candidates(ranking, top)
    if candidates is None:
        raise AdvisorError(
            "race needs candidates (catalog ids) or a ranking; run advisor.rank "
            "first or pass candidates=['id1', 'id2']"
        )
    if isinstance(candidates, str):
        candidates = [c.strip() for c in candidates.split(",") if c.strip()]
    if not all(isinstance(c, str) for c in candidates):
        raise AdvisorError("race candidates must be catalog ids (strings); pass their ids")
    return list(candidates)


def _calibration_note(plan, rungs) -> list[str]:
    """Say so when a seconds budget bought nothing past the calibration rung, which decided."""
    if not (plan.calibration and len(rungs) == 1):
        return []
    # A trial read back from its folder keeps the seconds it cost when it was trained.
    spent = sum(o.seconds for o in rungs[0].outcomes.values())
    note = (
        f"the {plan.budget.describe()} budget bought only the calibration rung ({spent:.0f} s "
        f"for {plan.min_steps} steps each), so its validation accuracies decided the race"
    )
    over = spent - plan.budget.seconds
    if over > 0:
        note += f"; it overspent the budget by {over:.0f} s (a rung is never cut short)"
    return [f"{note}; give more seconds for longer rungs"]


def _plan_key(plan) -> dict:
    return {
        "candidates": list(plan.candidates),
        "budget": plan.budget.describe(),
        "eta": plan.eta,
        "min_steps": plan.min_steps,
    }


def _resumed_plan(folder: Path, plan):
    """A seconds budget's plan with the rungs an earlier calibration in ``folder`` planned.

    Re-planning from a cached calibration rung would price a step from read-back trials and
    ask the trials already trained for other step counts."""
    if not plan.calibration:
        return plan
    try:
        saved = json.loads((folder / PLAN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return plan
    if not isinstance(saved, dict) or saved.get("plan") != _plan_key(plan):
        return plan
    rungs = saved.get("rungs")
    if not (isinstance(rungs, list) and rungs and all(isinstance(r, int) for r in rungs)):
        return plan
    return dataclasses.replace(plan, rungs=tuple(rungs), planned=True)


def _keeping_plan(folder: Path, plan, progress):
    """``progress``, after writing the rungs a calibration plans into the race folder."""

    def forward(event) -> None:
        from advisor.events import RacePlanned

        if isinstance(event, RacePlanned):
            from advisor.atomic import write_json

            record = {
                "plan": _plan_key(plan),
                "rungs": list(event.rungs),
                "step_s": event.step_s,
                "overhead_s": event.overhead_s,
            }
            write_json(folder / PLAN_FILE, record)
        if progress is not None:
            progress(event)

    return forward


def _default_folder(data, protocol: Protocol, plan) -> Path:
    from advisor.verification.protocol import default_cache_dir

    key = json.dumps(
        [
            data.fingerprint(),
            protocol.key(),
            sorted(plan.candidates),
            plan.budget.describe(),
            plan.eta,
            plan.min_steps,
        ]
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return default_cache_dir().parent / "race" / f"{safe_name(data.name)}-{digest}"
