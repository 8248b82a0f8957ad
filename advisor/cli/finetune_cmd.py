"""``advisor finetune DATA --model ID``: fine-tune a backbone, report test accuracy, export it.

The JSON/table result goes to stdout; per-step progress (rich) to stderr. Ctrl-C stops at the
next step and leaves a resumable checkpoint (a second Ctrl-C aborts at once).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from advisor.cli.data_options import (
    HfDatasetOption,
    ImageColumnOption,
    LabelColumnOption,
    LabelSeparatorOption,
    SplitOption,
    TaskChoice,
    TaskOption,
    TextColumnOption,
    TextPairColumnOption,
    load_cli_data,
)


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


class Metric(str, Enum):  # early stopping: the task's own metric unless one is named
    val_accuracy = "val_accuracy"
    val_macro_f1 = "val_macro_f1"
    val_loss = "val_loss"
    val_r2 = "val_r2"
    val_spearman = "val_spearman"
    val_mae = "val_mae"
    val_map = "val_map"
    val_micro_f1 = "val_micro_f1"
    val_subset_accuracy = "val_subset_accuracy"


class HeadInit(str, Enum):
    probe = "probe"
    zero = "zero"


class Augment(str, Enum):
    timm = "timm"
    light = "light"
    none = "none"


def register(app: typer.Typer) -> None:
    app.command("finetune", help=finetune_command.__doc__)(finetune_command)


def finetune_command(
    data: Annotated[
        str | None,
        typer.Argument(
            help="Image folder, .csv/.jsonl/.parquet (a `split` column with train/val/test "
            "is honoured), .npz features, a save_to_disk folder, hf://NAME, or a built-in "
            "dataset name.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Catalog id of the backbone, e.g. "
            "tf_efficientnet_lite0.in1k (not needed for .npz features).",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Run folder (default runs/<model>-<data>)."),
    ] = None,
    epochs: Annotated[
        int | None, typer.Option(help="Training epochs, head warm-up included (default 5).")
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seed for the split, initialisation, data order and augmentation.")
    ] = 0,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the interrupted run in --output exactly.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing run in --output.")
    ] = False,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Result format on stdout.")
    ] = OutputFormat.table,
    batch_size: Annotated[
        int | None, typer.Option(help="Training batch size (default 32).")
    ] = None,
    lr: Annotated[float | None, typer.Option(help="Head learning rate (AdamW).")] = None,
    backbone_lr_mult: Annotated[
        float | None, typer.Option(help="Backbone LR = lr x this (discriminative rates).")
    ] = None,
    layer_decay: Annotated[
        float | None,
        typer.Option(help="Layer-wise LR decay instead of one backbone multiplier, e.g. 0.75."),
    ] = None,
    weight_decay: Annotated[
        float | None, typer.Option(help="AdamW weight decay (default 0.05).")
    ] = None,
    warmup_epochs: Annotated[
        float | None, typer.Option(help="LR warm-up after unfreezing, in epochs.")
    ] = None,
    head_init: Annotated[
        HeadInit | None,
        typer.Option(help="probe: fit the head on frozen features first (LP-FT, default); zero."),
    ] = None,
    head_epochs: Annotated[
        int | None,
        typer.Option(help="Epochs training only the head by SGD, backbone frozen (default 0)."),
    ] = None,
    patience: Annotated[
        int | None, typer.Option(help="Early-stopping patience in epochs (default 3).")
    ] = None,
    metric: Annotated[
        Metric | None,
        typer.Option(help="Validation metric for early stopping and the best checkpoint."),
    ] = None,
    label_smoothing: Annotated[
        float | None, typer.Option(help="Label smoothing (default 0.1).")
    ] = None,
    grad_clip: Annotated[
        float | None, typer.Option(help="Gradient-norm clip (default 1.0).")
    ] = None,
    image_size: Annotated[
        int | None, typer.Option(help="Train/eval image size in pixels (smaller is faster on CPU).")
    ] = None,
    max_length: Annotated[
        int | None, typer.Option(help="Text: maximum tokens per example (default 128).")
    ] = None,
    augment: Annotated[
        Augment | None, typer.Option(help="Image augmentation: timm defaults, light, or none.")
    ] = None,
    val: Annotated[
        float | None, typer.Option("--val", help="Validation fraction (default 0.15).")
    ] = None,
    test: Annotated[
        float | None, typer.Option("--test", help="Test fraction (default 0.15).")
    ] = None,
    freeze_backbone: Annotated[
        bool, typer.Option("--freeze-backbone", help="Train only a head on frozen features.")
    ] = False,
    checkpoint_every: Annotated[
        int | None, typer.Option(help="Also checkpoint every N steps (default: epoch ends).")
    ] = None,
    num_workers: Annotated[
        int | None,
        typer.Option(help="Data-loading worker processes (default: 1 on CUDA, 0 on CPU)."),
    ] = None,
    device: Annotated[
        str | None, typer.Option(help="torch device (default: cuda when available, else cpu).")
    ] = None,
    text_column: TextColumnOption = None,
    label_column: LabelColumnOption = None,
    image_column: ImageColumnOption = None,
    text_pair_column: TextPairColumnOption = None,
    task: TaskOption = TaskChoice.auto,
    label_separator: LabelSeparatorOption = "|",
    hf_dataset: HfDatasetOption = None,
    split: SplitOption = None,
) -> None:
    """Fine-tune a backbone on your labelled data; report test accuracy; export the model."""
    import signal
    import threading

    from rich.console import Console

    import advisor
    from advisor.cli.finetune_output import StepPrinter, render_table
    from advisor.cli.outputs import check_output_folder

    check_output_folder(output)  # before the data are read
    err = Console(stderr=True, highlight=False)
    labelled = load_cli_data(
        data,
        err,
        text_column=text_column,
        label_column=label_column,
        image_column=image_column,
        text_pair_column=text_pair_column,
        task=task,
        label_separator=label_separator,
        hf_dataset=hf_dataset,
        split=split,
    )
    recipe = dict(
        batch_size=batch_size,
        lr=lr,
        backbone_lr_mult=backbone_lr_mult,
        layer_decay=layer_decay,
        weight_decay=weight_decay,
        warmup_epochs=warmup_epochs,
        head_epochs=head_epochs,
        head_init=head_init.value if head_init else None,
        patience=patience,
        metric=metric.value if metric else None,
        label_smoothing=label_smoothing,
        grad_clip=grad_clip,
        image_size=image_size,
        max_length=max_length,
        augment=augment.value if augment else None,
        val=val,
        test=test,
        freeze_backbone=freeze_backbone or None,
        checkpoint_every=checkpoint_every,
        num_workers=num_workers,
        device=device,
    )
    cancel = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum, frame):
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        err.print(
            "[yellow]stopping after this step; the run can be continued with --resume "
            "(Ctrl-C again to abort now)[/]"
        )

    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        signal.signal(signal.SIGINT, on_interrupt)
    try:
        with StepPrinter(err) as progress:
            result = advisor.finetune(
                labelled,
                model,
                output=output,
                epochs=epochs,
                seed=seed,
                resume=resume,
                overwrite=overwrite,
                progress=progress,
                cancel=cancel,
                **{k: v for k, v in recipe.items() if v is not None},
            )
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    if output_format is OutputFormat.json:
        from advisor.jsonable import dumps

        typer.echo(dumps(result.summary()))  # NaN (no validation split) -> null
    else:
        typer.echo(render_table(result), nl=False)
    if result.cancelled:
        err.print(
            f"cancelled after {result.epochs_run} epoch(s); continue with "
            f"`advisor finetune {data or 'hf://' + str(hf_dataset)} --model {model} "
            f"--output {result.run_dir} --resume`",
            style="yellow",
            markup=False,
        )
        raise SystemExit(130)  # 128 + SIGINT, as for an interrupt of any other command
