"""One race trial: fine-tune a candidate up to a number of optimizer steps, then score it on
the validation split; called again with more steps, it resumes exactly where it paused.

It is ``advisor.finetune``'s own protocol (same splits, recipe, LP-FT head, checkpoints) for
``epochs`` epochs, paused at each rung: the learning-rate schedule is that of the whole
fine-tune, so a trial paused and resumed trains exactly as one uninterrupted run would, and a
rung past the schedule's end simply finishes it. Each rung's score is kept in ``rungs.json``
in the trial folder, so a rerun of the race costs nothing.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path

from advisor.engines.base import TrialOutcome
from advisor.errors import Cancelled, CheckpointError

RUNGS_FILE = "rungs.json"


def train_steps(
    data,
    model,
    *,
    candidate: str,
    output: Path,
    steps: int,
    epochs: int,
    seed: int = 0,
    device: str | None = None,
    cancel=None,
    progress=None,
    recipe: dict | None = None,
) -> TrialOutcome:
    """Train ``model`` on ``data`` until ``steps`` optimizer steps are done; score on val."""
    output = Path(output)
    known = read_rungs(output)
    # Read back with the seconds it cost when trained: a race that resumes from it prices
    # a step from them (advisor.engines.halving.measured_costs).
    if str(steps) in known:
        return TrialOutcome(**{**known[str(steps)], "cached": True})
    finished = [r for r in known.values() if r["finished"]]
    if finished:  # it stopped early at a lower rung: more steps would change nothing
        return TrialOutcome(**{**finished[0], "cached": True})
    started = time.perf_counter()
    outcome = _train(
        data,
        model,
        candidate,
        output,
        steps,
        epochs,
        seed,
        device,
        cancel,
        progress,
        dict(recipe or {}),
    )
    outcome = dataclasses.replace(outcome, seconds=time.perf_counter() - started)
    _write_rung(output, steps, outcome)
    return outcome


def read_rungs(output: Path) -> dict[str, dict]:
    """Rung scores already measured in a trial folder ({} when none or unreadable)."""
    try:
        raw = json.loads((Path(output) / RUNGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _train(
    data, model, candidate, output, steps, epochs, seed, device, cancel, progress, options
) -> TrialOutcome:
    import torch

    from advisor.finetuning import api, checkpoint, run_folder
    from advisor.finetuning.build import finetunable
    from advisor.finetuning.config import resolve_recipe
    from advisor.finetuning.loop import LoopState, evaluate, restore
    from advisor.finetuning.loop import train as train_loop
    from advisor.finetuning.optimization import build_optimizer
    from advisor.finetuning.splits import make_splits

    resume = (output / run_folder.CONFIG).exists()
    saved = run_folder.prepare(output, resume=resume, overwrite=False)
    backbone = None if data.modality == "features" else api._load_backbone(model, device)
    frozen = data.modality == "features" or not finetunable(backbone)
    modality = "features" if frozen else data.modality
    task = getattr(data, "task", "classification")
    recipe = resolve_recipe(modality, {**options, "epochs": epochs, "device": device}, task)
    full, train, val, test = make_splits(data, val=recipe.val, test=recipe.test, seed=seed)
    identity = run_folder.run_identity(candidate, full, train, val, test, seed)
    if saved is not None:
        run_folder.check_same_run(saved, identity)
        if _comparable(saved.get("recipe", {})) != _comparable(recipe.to_dict()):
            raise CheckpointError(
                f"race trial folder {output} was made with another recipe or "
                "epochs; pass another race output folder"
            )
    built = api._build(backbone, train, val, test, recipe, seed, frozen, None, cancel)
    if saved is None:
        config = {
            "kind": run_folder.RUN_MARKER,
            **identity,
            "data": full.name,
            "modality": data.modality,
            "class_names": list(full.class_names),
            "frozen_backbone": frozen,
            "recipe": recipe.to_dict(),
            "race_trial": True,
        }
        from advisor.finetuning import atomic

        run_folder.create(output, overwrite=False)
        atomic.write_json(output / run_folder.CONFIG, config)

    from advisor.finetuning.training_setup import training_setup

    setup = training_setup(
        built,
        recipe,
        output,
        num_classes=len(full.class_names),
        modality=data.modality,
        seed=seed,
        progress=progress,
        cancel=cancel,
        stop_at_step=steps,
    )
    net, torch_device = setup.model, setup.device
    optimizer = build_optimizer(net, recipe)
    state = restore(setup, optimizer) if checkpoint.exists(setup.ckpt_dir, "last") else LoopState()
    if state.global_step > steps:
        raise CheckpointError(
            f"race trial folder {output} has trained {state.global_step} steps, "
            f"past this rung's {steps}; pass another race output folder"
        )
    tick = time.perf_counter()
    state = train_loop(setup, state, optimizer)
    train_seconds = time.perf_counter() - tick
    if cancel is not None and cancel.is_set() and not state.finished and state.global_step < steps:
        raise Cancelled(f"race trial {candidate} cancelled at step {state.global_step}")
    logits, labels, val_loss = evaluate(
        net,
        built.val_set,
        built.collate,
        batch_size=recipe.eval_batch_size,
        device=torch_device,
        recipe=recipe,
        num_workers=setup.loader_workers,
        task=setup.head,
    )
    accuracy = float((logits.argmax(1) == labels).mean()) if len(labels) else math.nan
    if setup.head.task != "classification":  # the race compares the task's own figure
        from advisor.finetuning.tasks import TEST_SCORE

        accuracy = float(setup.head.evaluate(logits, labels)[TEST_SCORE[setup.head.task]])
    del net, built, optimizer, backbone
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return TrialOutcome(
        candidate=candidate,
        steps=int(state.global_step),
        val_accuracy=accuracy,
        val_loss=float(val_loss),
        seconds=0.0,
        train_seconds=train_seconds,
        finished=bool(state.finished),
    )


def _comparable(recipe: dict) -> dict:
    from advisor.finetuning.config import RESUME_FREE_KEYS
    from advisor.jsonable import to_jsonable

    plain = to_jsonable(recipe)  # what the run config saved, so the two compare equal
    return {k: v for k, v in plain.items() if k not in RESUME_FREE_KEYS}


def _write_rung(output: Path, steps: int, outcome: TrialOutcome) -> None:
    from advisor.finetuning import atomic

    rungs = read_rungs(output)
    record = outcome.to_dict()
    record.pop("cached", None)
    rungs[str(steps)] = record
    atomic.write_json(output / RUNGS_FILE, rungs)
