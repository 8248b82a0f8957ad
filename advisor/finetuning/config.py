"""The fine-tuning recipe: defaults, user overrides and validation.

Every knob of the training loop lives here so the resolved recipe can be saved with the
run (run_dir/config.json) and compared on ``--resume``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields

from advisor import validation
from advisor.errors import AdvisorError

METRICS = ("val_accuracy", "val_macro_f1", "val_loss")  # classification (the other tasks: tasks.py)
AUGMENTS = ("timm", "light", "none")
HEAD_INITS = ("probe", "zero")

# Learning rates that suit each kind of model with AdamW: the head learns at ``lr``, the
# pretrained backbone at ``lr * backbone_lr_mult`` (discriminative rates).
_MODALITY_DEFAULTS = {
    "image": {"lr": 1e-3, "backbone_lr_mult": 0.1, "batch_size": 32},
    "text": {"lr": 1e-3, "backbone_lr_mult": 0.05, "batch_size": 32},
    "features": {"lr": 5e-2, "backbone_lr_mult": 0.0, "batch_size": 64},
}


@dataclass
class Recipe:
    """Resolved training options. ``None`` means "take the model's own default"."""

    epochs: int = 5
    batch_size: int | None = None
    eval_batch_size: int | None = None
    lr: float | None = None
    backbone_lr_mult: float | None = None
    layer_decay: float | None = None  # layer-wise LR decay; replaces the flat multiplier
    weight_decay: float = 0.05
    warmup_epochs: float = 0.5  # linear warm-up at the start of the unfrozen phase
    head_init: str = "probe"  # "probe": fit the head on frozen features first (LP-FT); "zero"
    head_epochs: int = 0  # epochs training the head by SGD with the backbone frozen
    patience: int = 3
    metric: str | None = None  # None: the task's own (val_accuracy, val_r2, val_map)
    loss: str = "mse"  # regression only: "mse" or "huber" (on standardised targets)
    label_smoothing: float = 0.1
    grad_clip: float | None = 1.0
    image_size: int | None = None
    max_length: int = 128
    val: float = 0.15
    test: float = 0.15
    device: str | None = None
    amp: bool = True  # CUDA only
    channels_last: bool = True  # image models, on CPU and CUDA
    num_workers: int | None = None  # None: loader_workers() picks per device
    checkpoint_every: int = 0  # also save `last` every N training steps (0: epoch ends only)
    freeze_backbone: bool = False  # train a head on frozen features only
    # partial fine-tuning: only the last N backbone layer groups train (the head always does);
    # None: every layer
    train_last_layers: int | None = None
    batchnorm: str = (
        "frozen"  # "frozen": BN layers use running statistics; "train": batch statistics
    )
    # images: "light" (crop scale 0.5-1, no colour jitter), "timm" (its defaults), "none"
    augment: str = "light"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def metric_higher_is_better(self) -> bool:
        from advisor.finetuning.tasks import LOWER_IS_BETTER

        return self.metric not in LOWER_IS_BETTER


RECIPE_KEYS = tuple(f.name for f in fields(Recipe))


def resolve_recipe(modality: str, overrides: dict, task: str = "classification") -> Recipe:
    """Fill the recipe from user overrides plus modality (and task) defaults; raise on bad
    values."""
    from advisor.finetuning.tasks import DEFAULT_METRIC

    unknown = sorted(set(overrides) - set(RECIPE_KEYS))
    if unknown:
        raise AdvisorError(
            f"unknown fine-tuning option(s) {', '.join(unknown)}; "
            f"valid options are: {', '.join(RECIPE_KEYS)}"
        )
    given = {k: v for k, v in overrides.items() if v is not None}
    recipe = Recipe(**given)
    for key, value in _MODALITY_DEFAULTS[modality].items():
        if getattr(recipe, key) is None:
            setattr(recipe, key, value)
    if recipe.eval_batch_size is None:
        recipe.eval_batch_size = max(recipe.batch_size * 2, 1)
    if recipe.metric is None:
        recipe.metric = DEFAULT_METRIC.get(task, "val_accuracy")
    if modality == "features":
        recipe.head_epochs = 0
    _validate(recipe, task)
    return recipe


def _validate(r: Recipe, task: str = "classification") -> None:
    from advisor.finetuning.tasks import METRICS as TASK_METRICS
    from advisor.finetuning.tasks import REGRESSION_LOSSES

    def need(ok: bool, message: str) -> None:
        if not ok:
            raise AdvisorError(message)

    validation.EPOCHS.check(r.epochs)
    validation.BATCH_SIZE.check(r.batch_size)
    validation.BATCH_SIZE.check(r.eval_batch_size, name="eval_batch_size")
    validation.LR.check(r.lr)
    need(
        _finite(r.backbone_lr_mult) and r.backbone_lr_mult >= 0,
        f"backbone_lr_mult must be >= 0, got {r.backbone_lr_mult!r}",
    )
    need(
        r.layer_decay is None or (_finite(r.layer_decay) and 0 < r.layer_decay <= 1),
        f"layer_decay must be in (0, 1], got {r.layer_decay!r}",
    )
    need(
        _finite(r.weight_decay) and r.weight_decay >= 0,
        f"weight_decay must be >= 0, got {r.weight_decay!r}",
    )
    need(
        _finite(r.warmup_epochs) and r.warmup_epochs >= 0,
        f"warmup_epochs must be >= 0, got {r.warmup_epochs!r}",
    )
    need(
        isinstance(r.head_epochs, int) and 0 <= r.head_epochs,
        f"head_epochs must be an integer >= 0, got {r.head_epochs!r}",
    )
    need(
        isinstance(r.patience, int) and r.patience >= 1,
        f"patience must be an integer >= 1, got {r.patience!r}",
    )
    metrics = TASK_METRICS.get(task, METRICS)
    need(
        r.metric in metrics,
        f"metric must be one of {', '.join(metrics)} for {task}, got {r.metric!r}",
    )
    need(
        r.loss in REGRESSION_LOSSES,
        f"loss must be one of {', '.join(REGRESSION_LOSSES)}, got {r.loss!r}",
    )
    need(
        _finite(r.label_smoothing) and 0 <= r.label_smoothing < 1,
        f"label_smoothing must be in [0, 1), got {r.label_smoothing!r}",
    )
    need(
        r.grad_clip is None or (_finite(r.grad_clip) and r.grad_clip > 0),
        f"grad_clip must be > 0 (or None to disable), got {r.grad_clip!r}",
    )
    need(
        r.image_size is None or (isinstance(r.image_size, int) and r.image_size >= 16),
        f"image_size must be an integer >= 16 pixels, got {r.image_size!r}",
    )
    need(
        isinstance(r.max_length, int) and r.max_length >= 4,
        f"max_length must be an integer >= 4, got {r.max_length!r}",
    )
    need(_finite(r.val) and 0 < r.val < 1, f"val must be a fraction in (0, 1), got {r.val!r}")
    need(_finite(r.test) and 0 < r.test < 1, f"test must be a fraction in (0, 1), got {r.test!r}")
    need(
        r.val + r.test < 0.9,
        f"val + test must leave at least 10% for training, got {r.val} + {r.test}",
    )
    need(
        r.head_init in HEAD_INITS,
        f"head_init must be one of {', '.join(HEAD_INITS)}, got {r.head_init!r}",
    )
    need(
        r.batchnorm in ("frozen", "train"),
        f"batchnorm must be frozen or train, got {r.batchnorm!r}",
    )
    need(r.augment in AUGMENTS, f"augment must be one of {', '.join(AUGMENTS)}, got {r.augment!r}")
    need(
        r.num_workers is None or (isinstance(r.num_workers, int) and r.num_workers >= 0),
        f"num_workers must be an integer >= 0 or None (by device), got {r.num_workers!r}",
    )
    need(
        r.train_last_layers is None
        or (isinstance(r.train_last_layers, int) and r.train_last_layers >= 1),
        f"train_last_layers must be an integer >= 1 or None (every layer), "
        f"got {r.train_last_layers!r}",
    )
    need(
        isinstance(r.checkpoint_every, int) and r.checkpoint_every >= 0,
        f"checkpoint_every must be an integer >= 0, got {r.checkpoint_every!r}",
    )


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# Options that may differ between an interrupted run and its resumption without changing
# the result (where to run, how many loader workers, how often to checkpoint).
RESUME_FREE_KEYS = {"device", "num_workers", "checkpoint_every", "eval_batch_size"}
