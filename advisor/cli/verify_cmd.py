"""``advisor verify DATA``: fine-tune the top candidates and check the ranking against them."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from advisor.cli.data_options import (
    DataArgument,
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
from advisor.cli.engine_options import (
    EngineChoice,
    EngineOption,
    RayAddressOption,
    engine_from_options,
)


class VerifyFormat(str, Enum):
    table = "table"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("verify", help=verify_command.__doc__)(verify_command)


def verify_command(
    data: DataArgument = None,
    top: Annotated[
        int, typer.Option("--top", "-k", help="Fine-tune the K best-ranked candidates.")
    ] = 3,
    all_candidates: Annotated[
        bool, typer.Option("--all", help="Fine-tune every ranked candidate.")
    ] = False,
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--models",
            "-m",
            help="Candidate ids or substrings to rank (default: as `advisor rank`).",
        ),
    ] = None,
    epochs: Annotated[int, typer.Option(help="Epochs of the fixed fine-tuning protocol.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed for subsampling, splits and training.")] = 0,
    budget: Annotated[
        int, typer.Option(help="Examples used for fine-tuning (stratified subsample).")
    ] = 1000,
    rank_budget: Annotated[
        int, typer.Option(help="Examples in the probe subsample of the ranking.")
    ] = 1000,
    val: Annotated[
        float | None,
        typer.Option("--val", help="Validation share of --budget (default 0.15)."),
    ] = None,
    test: Annotated[
        float | None,
        typer.Option(
            "--test",
            help="Test share of --budget (default 0.15; 0.3 with --strategies). A larger share "
            "measures each score on more examples at the same fine-tuning cost per example.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder for verify.json, verify.png and the runs (default runs/verify-<data>).",
        ),
    ] = None,
    output_format: Annotated[
        VerifyFormat, typer.Option("--format", "-f", help="Output format.")
    ] = VerifyFormat.table,
    strategies: Annotated[
        bool,
        typer.Option(
            "--strategies",
            help="Run each adaptation strategy (frozen, LP-FT, full, partial) on the top "
            "candidate and report the advice's predictions against measured accuracy.",
        ),
    ] = False,
    text_column: TextColumnOption = None,
    label_column: LabelColumnOption = None,
    image_column: ImageColumnOption = None,
    text_pair_column: TextPairColumnOption = None,
    task: TaskOption = TaskChoice.auto,
    label_separator: LabelSeparatorOption = "|",
    hf_dataset: HfDatasetOption = None,
    split: SplitOption = None,
    engine: EngineOption = EngineChoice.local,
    ray_address: RayAddressOption = None,
) -> None:
    """Fine-tune candidates with one fixed protocol and score the ranking against real accuracy."""
    from rich.console import Console

    import advisor
    from advisor import events as ev
    from advisor.cli.outputs import check_output_folder

    check_output_folder(output)  # before the ranking and the fine-tunes, not after them
    runner = engine_from_options(engine, ray_address)  # a missing extra fails before any work
    err = Console(stderr=True, highlight=False)
    data = load_cli_data(
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

    def progress(event) -> None:
        if isinstance(event, ev.VerifyStarted):
            err.print(
                f"fine-tuning {event.candidate} ({event.position + 1}/{event.candidates})",
                style="dim",
                markup=False,
            )
        elif isinstance(event, ev.EpochDone):
            shown = next(
                (k for k in ("val_accuracy", "val_r2", "val_map") if k in event.metrics), ""
            )
            acc = event.metrics.get(shown)
            label = {"val_accuracy": "val acc", "val_r2": "val R²", "val_map": "val mAP"}.get(shown)
            err.print(
                f"  epoch {event.epoch}/{event.epochs}"
                + (f" {label} {acc:.3f}" if isinstance(acc, float) else ""),
                style="dim",
                markup=False,
            )

    shares = {k: value for k, value in (("val", val), ("test", test)) if value is not None}
    if strategies:  # docs/strategy.md
        from advisor.cli.strategy_table import run_strategies

        run_strategies(
            data,
            models=_split(models) or None,
            epochs=epochs,
            seed=seed,
            budget=budget,
            rank_budget=rank_budget,
            output=output,
            as_json=output_format is VerifyFormat.json,
            progress=progress,
            err=err,
            **shares,
        )
        return
    report = advisor.verify(
        data,
        top=top,
        all=all_candidates,
        candidates=_split(models) or None,
        epochs=epochs,
        seed=seed,
        budget=budget,
        rank_budget=rank_budget,
        output=output,
        progress=progress,
        engine=runner,
        **shares,
    )
    if output_format is VerifyFormat.json:
        typer.echo(report.to_json())
    else:
        typer.echo(render_table(report))
    err.print(
        f"wrote {report.json_path}" + (f" and {report.plot_path}" if report.plot_path else "")
    )


def render_table(report) -> str:
    import io

    from rich.console import Console
    from rich.table import Table

    from advisor.verification.metrics import MEASURES

    buffer = io.StringIO()
    console = Console(file=buffer, width=140, highlight=False)
    runs = Table(title=f"Fine-tuned on {report.data}")
    name = next((r.get("score_name") for r in report.candidates), None) or "accuracy"
    score_column = {"accuracy": "test acc %", "r2": "test R² %", "map": "test mAP %"}[name]
    for column in ("rank", "candidate", "final score", score_column, "seconds", "cached"):
        runs.add_column(column, justify="left" if column == "candidate" else "right")
    for row in report.candidates:
        runs.add_row(
            str(row["rank"]),
            row["candidate"],
            _fmt(row.get("final_score")),
            _fmt(100 * row.get("test_score", row["test_accuracy"])),
            _fmt(row.get("seconds")),
            "yes" if row.get("cached") else "no",
        )
    console.print(runs)
    table = Table(title="How well each method predicted the fine-tuned ranking")
    table.add_column("method")
    for measure in MEASURES:
        table.add_column(measure, justify="right")
    for method, values in report.measures.items():
        table.add_row(method, *(_fmt(values.get(m)) for m in MEASURES))
    console.print(table)
    for cid, reason in report.failures.items():
        console.print(f"failed: {cid}: {reason}", markup=False)
    total = report.ranking_seconds + report.finetune_seconds
    if report.finetune_seconds > 0:
        console.print(
            f"ranking {report.ranking_seconds:.1f} s vs fine-tuning "
            f"{report.finetune_seconds:.1f} s ({100 * report.ranking_seconds / total:.1f} % "
            f"of the total); protocol: {report.protocol}",
            markup=False,
        )
    return buffer.getvalue()


def _fmt(value) -> str:
    import math

    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"


def _split(values):
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]
