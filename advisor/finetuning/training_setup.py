"""Putting a built classifier on its device and describing the training run to the loop."""

from __future__ import annotations

from pathlib import Path


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
):
    """The model on its device (channels-last for image training) and the loop's set-up:
    the one place ``finetune`` and a race trial prepare a training run."""
    import torch

    from advisor.finetuning.loop import TrainSetup
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
