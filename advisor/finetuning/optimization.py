"""What trains and how fast: AdamW over the classifier's parameter groups, the learning rate
per global step (head warm-up, then linear warm-up and cosine decay), and which parameters
train in each phase.

The learning rate is a pure function of the global step, so a resumed run replays exactly.
"""

from __future__ import annotations

import math

import torch

from advisor.finetuning.classifier import param_groups
from advisor.finetuning.config import Recipe


def build_optimizer(model, recipe: Recipe) -> torch.optim.Optimizer:
    groups = param_groups(
        model,
        lr=recipe.lr,
        backbone_lr_mult=recipe.backbone_lr_mult,
        layer_decay=recipe.layer_decay,
        weight_decay=recipe.weight_decay,
        train_last_layers=recipe.train_last_layers,
    )
    fused_ok = next(model.parameters()).device.type == "cuda"
    return torch.optim.AdamW(groups, lr=recipe.lr, betas=(0.9, 0.999), fused=fused_ok or None)


def lr_factor(step: int, *, steps_per_epoch: int, recipe: Recipe) -> float:
    """Constant during the head warm-up; then linear warm-up and cosine decay to zero."""
    head_steps = min(recipe.head_epochs, recipe.epochs) * steps_per_epoch
    if step < head_steps:
        return 1.0
    total = (recipe.epochs * steps_per_epoch) - head_steps
    warm = min(int(round(recipe.warmup_epochs * steps_per_epoch)), total)
    s = step - head_steps
    if s < warm:
        return (s + 1) / (warm + 1)
    span = max(total - warm, 1)
    return 0.5 * (1.0 + math.cos(math.pi * min(s - warm, span) / span))


def phase_of(epoch: int, recipe: Recipe) -> str:
    return "head" if recipe.freeze_backbone or epoch < recipe.head_epochs else "full"


def set_phase(model, optimizer, phase: str) -> None:
    """Freeze (head phase) or unfreeze (full phase) the backbone; only optimized
    parameters ever train."""
    head = model.head_parameter_names()
    optimized = {id(p) for g in optimizer.param_groups for p in g["params"]}
    for name, param in model.named_parameters():
        param.requires_grad_(id(param) in optimized and (phase == "full" or name in head))
