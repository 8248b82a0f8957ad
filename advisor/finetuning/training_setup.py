"""Putting a built classifier on its device and describing the training run to the loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from advisor import events
    from advisor.finetuning.config import Recipe


@dataclass
class TrainSetup:
    model: torch.nn.Module
    train_set: torch.utils.data.Dataset
    val_set: torch.utils.data.Dataset
    collate: Callable
    recipe: Recipe
    device: torch.device
    seed: int
    ckpt_dir: Path
    run_dir: Path
    num_classes: int
    progress: Callable[[events.TrainingEvent], None] | None = None
    cancel: object | None = None  # threading.Event
    probe_set: torch.utils.data.Dataset | None = None  # train split, eval preprocessing
    # Pause (save `last` and return unfinished) once this many optimizer steps are done: the
    # race trains candidates rung by rung and resumes them exactly.
    stop_at_step: int | None = None
    task: object | None = None  # advisor.finetuning.tasks.TaskHead (None: classification)

    @property
    def head(self):
        """The TaskHead: loss, metrics and targets of the data's task."""
        from advisor.finetuning.tasks import TaskHead

        return self.task if self.task is not None else TaskHead("classification", self.num_classes)

    @property
    def loader_workers(self) -> int:
        """Data-loading worker processes: the recipe's, or by this run's device."""
        from advisor.finetuning.batches import loader_workers

        return loader_workers(self.recipe.num_workers, self.device)


def training_setup(
    built,
    recipe,
    run_dir: Path,
    *,
    num_classes: int,
    modality: str,
    seed: int,
    progress=None,
    cancel=None,
    stop_at_step: int | None = None,
) -> TrainSetup:
    """The model on its device (channels-last for image training) and the loop's set-up:
    the one place ``finetune`` and a race trial prepare a training run."""
    import torch

    from advisor.models import pick_device

    device = pick_device(recipe.device)
    model = built.model.to(device)
    if modality == "image" and not built.frozen_backbone:
        # channels-last trains faster on CPU (oneDNN) as on CUDA; docs/features.md "Performance"
        layout = torch.channels_last if recipe.channels_last else torch.contiguous_format
        model = model.to(memory_format=layout)
    return TrainSetup(
        model=model,
        train_set=built.train_set,
        val_set=built.val_set,
        collate=built.collate,
        recipe=recipe,
        device=device,
        seed=seed,
        ckpt_dir=Path(run_dir) / "checkpoints",
        run_dir=Path(run_dir),
        # the head's outputs: classes, or target columns / labels of the other tasks
        num_classes=built.task.outputs if getattr(built, "task", None) else num_classes,
        progress=progress,
        cancel=cancel,
        probe_set=built.probe_set,
        stop_at_step=stop_at_step,
        task=getattr(built, "task", None),
    )
