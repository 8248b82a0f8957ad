"""Fine-tuning trials as Ray Tune trials: resources, restarts (``max_failures``), checkpoints.

Each unit is one Tune trial of a grid over the units. Its work function writes the
advisor's own atomic checkpoints into its run folder (advisor/finetuning/checkpoint.py); the
trial reports that folder to Tune as its checkpoint when it ends. A trial whose worker dies
is restarted by Tune and calls the work function again, which resumes from the newest
checkpoint in the folder (a race trial continues at the step it had saved), so a restart
gives the result an uninterrupted trial would. On a multi-node cluster the run folders and
``storage_path`` must be on storage every node reads (docs/scale.md).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ray  # noqa: F401  (ray_tune runs on the Ray the engine connected)
from ray import tune
from ray.util.queue import Queue

from advisor.engines.base import WorkFn
from advisor.engines.ray_relay import Sender, drain
from advisor.errors import Cancelled

# Tune's own CSV/JSON/TensorBoard logs of every trial are not needed: the advisor writes its own.
os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
QUIET = ("ray.tune", "ray.train")  # their INFO lines would drown the advisor's progress


def _quiet() -> None:
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.ERROR)


def run_trials(
    engine,
    fn: WorkFn,
    units: Sequence[Any],
    *,
    common: Any = None,
    cancel=None,
    progress: Callable[[object], None] | None = None,
) -> list[Any]:
    """Every unit as a Tune trial; their results in the units' order."""
    if not units:
        return []
    _quiet()
    resources = engine.resources()
    emit = progress or (lambda event: None)
    relay = engine.relay()
    trainable = tune.with_resources(
        tune.with_parameters(_trainable, fn=fn, common=common, units=list(units), relay=relay),
        {"cpu": resources["num_cpus"], "gpu": resources["num_gpus"]},
    )
    storage = engine.storage_path or tempfile.mkdtemp(prefix="advisor-tune-")
    tuner = tune.Tuner(
        trainable,
        param_space={"unit": tune.grid_search(list(range(len(units))))},
        tune_config=tune.TuneConfig(reuse_actors=True),
        run_config=tune.RunConfig(
            name="advisor-trials",
            storage_path=str(Path(storage).resolve()),
            failure_config=tune.FailureConfig(max_failures=engine.max_failures),
            stop=_CancelStopper(cancel),
            callbacks=[_Relay(relay, emit)],
            verbose=0,
        ),
    )
    try:
        grid = tuner.fit()
        drain(relay, emit)
    finally:
        if engine.storage_path is None:  # Tune's copies; the run folders keep the originals
            shutil.rmtree(storage, ignore_errors=True)
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled: the outstanding Tune trials were stopped")
    results: list[Any] = [None] * len(units)
    for result in grid:
        if result.error is not None:
            cause = getattr(result.error, "cause", None)
            raise cause if isinstance(cause, BaseException) else result.error
        results[result.config["unit"]] = result.metrics["result"]
    return results


def _trainable(config, fn=None, common=None, units=None, relay=None):
    """One Tune trial: the unit's function, then its checkpoint folder reported to Tune."""
    _quiet()
    unit = units[config["unit"]]
    with Sender(relay) as send:
        result = fn(common, unit, send, None)
    folder = getattr(common, "checkpoint_dir", None)
    folder = folder(unit) if callable(folder) else None
    checkpoint = None
    if folder is not None and Path(folder).is_dir():
        checkpoint = tune.Checkpoint.from_directory(str(folder))
    tune.report({"unit": config["unit"], "result": result}, checkpoint=checkpoint)


class _CancelStopper(tune.Stopper):
    """Stops every trial once the caller's cancel flag is set."""

    def __init__(self, cancel):
        self.cancel = cancel

    def __call__(self, trial_id, result) -> bool:
        return self.stop_all()

    def stop_all(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()


class _Relay(tune.Callback):
    """Passes the trials' progress events to the caller while Tune runs (on the driver)."""

    def __init__(self, relay: Queue, emit):
        self.relay, self.emit = relay, emit

    def on_step_end(self, iteration, trials, **info) -> None:
        drain(self.relay, self.emit)
