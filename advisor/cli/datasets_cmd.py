"""`advisor datasets` (the built-in datasets and whether they are here) and `advisor inspect DATA`
(what the advisor sees in your data: size, classes, balance, examples, skipped rows)."""

from __future__ import annotations

from enum import Enum
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
from advisor.jsonable import dumps


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table (for people) or json (for scripts)")
]


def register(app: typer.Typer) -> None:
    app.command("datasets")(datasets)
    app.command("inspect")(inspect_data)


def datasets(output: FormatOption = OutputFormat.table) -> None:
    """List the built-in datasets, their size, and whether they are installed."""
    from advisor.data import BUILTIN_DATASETS

    rows = [d.as_dict() for d in BUILTIN_DATASETS.values()]
    if output is OutputFormat.json:
        typer.echo(dumps(rows))
        return
    from rich.table import Table

    console = _stdout()
    wide = console.width >= 120  # a narrow terminal gets the columns that fit, unbroken
    table = Table(title="Built-in datasets", title_justify="left")
    for column, justify in (
        ("name", "left"),
        ("kind", "left"),
        ("examples", "right"),
        ("outputs", "right"),
        ("status", "left"),
        *((("description", "left"),) if wide else ()),
    ):
        fixed = column in ("name", "kind", "examples", "outputs")
        table.add_column(column, justify=justify, overflow="fold", no_wrap=fixed)
    for row in rows:
        status = "[green]installed[/]" if row["available"] else f"[yellow]{row['install']}[/]"
        task = "" if row["task"] == "classification" else f" {row['task']}"
        outputs = {"regression": " target", "multilabel": " labels"}.get(row["task"], " classes")
        table.add_row(
            row["name"],
            row["modality"] + task + (" pairs" if row["pairs"] else ""),
            f"{row['size']:,}",
            f"{row['num_classes']}{outputs}",
            status,
            *((row["description"],) if wide else ()),
        )
    console.print(table)


def inspect_data(
    data: DataArgument = None,
    text_column: TextColumnOption = None,
    label_column: LabelColumnOption = None,
    image_column: ImageColumnOption = None,
    text_pair_column: TextPairColumnOption = None,
    task: TaskOption = TaskChoice.auto,
    label_separator: LabelSeparatorOption = "|",
    hf_dataset: HfDatasetOption = None,
    split: SplitOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Load DATA as the ranking would and summarise it: task, classes or targets, balance,
    examples, skipped."""
    from rich.console import Console

    loaded = load_cli_data(
        data,
        Console(stderr=True, highlight=False),
        text_column=text_column,
        label_column=label_column,
        image_column=image_column,
        text_pair_column=text_pair_column,
        task=task,
        label_separator=label_separator,
        hf_dataset=hf_dataset,
        split=split,
    )
    summary = loaded.summary()
    summary["fingerprint"] = loaded.fingerprint()
    if output is OutputFormat.json:
        summary["skipped_items"] = [list(item) for item in loaded.skipped[:100]]
        summary["dropped_items"] = [list(item) for item in loaded.dropped[:100]]
        typer.echo(dumps(summary, ensure_ascii=False))
        return
    _print_summary(summary, loaded)


def _print_summary(summary: dict, loaded) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = _stdout()
    task = summary["task"]
    ratio = summary["imbalance_ratio"] if task != "regression" else None  # bins are even
    pairs = ", text pairs" if summary["pairs"] else ""
    if task == "regression":
        size = f"{len(summary['target_names'])} regression target(s), "
    elif task == "multilabel":
        size = f"{summary['num_classes']} labels, "
        size += f"{summary['targets']['labels_per_row']:.2f} labels per example, "
    else:
        size = f"{summary['num_classes']} classes, "
    console.print(
        f"[bold]{escape(summary['name'])}[/] ({summary['modality']}, {task}{pairs}, "
        f"{escape(summary['source'])})\n"
        f"{summary['n']:,} examples, {size}"
        + (f"imbalance {ratio:.1f}x (largest / smallest class)" if ratio else "")
        + (f", {summary['shape']}" if summary["shape"] else "")
        + f"\nfingerprint {summary['fingerprint'][:16]}"
    )
    if summary["splits"]:
        parts = ", ".join(f"{part} {n:,}" for part, n in summary["splits"].items())
        console.print(f"your own split: {parts}")
    if task == "regression":
        targets = Table(show_header=True, title="Targets", title_justify="left")
        for column in ("target", "mean", "std", "min", "max"):
            targets.add_column(column, justify="left" if column == "target" else "right")
        for name, stats in summary["targets"].items():
            targets.add_row(
                escape(name), *(f"{stats[k]:.4g}" for k in ("mean", "std", "min", "max"))
            )
        console.print(targets)
    title = {"regression": "Target bins", "multilabel": "Labels"}.get(task, "Classes")
    counts = Table(show_header=True, title=title, title_justify="left")
    counts.add_column("class" if task == "classification" else title.lower()[:-1])
    counts.add_column("examples", justify="right")
    counts.add_column("share", justify="right")
    for name, count in summary["class_counts"].items():
        counts.add_row(escape(name), f"{count:,}", f"{count / max(summary['n'], 1):.1%}")
    console.print(counts)
    examples = Table(show_header=True, title="Examples", title_justify="left")
    examples.add_column("label")
    examples.add_column("example", overflow="fold")
    for row in summary["examples"]:
        examples.add_row(escape(row["label"]), escape(row["example"]))
    console.print(examples)
    for kind, items, reasons in (
        ("skipped", loaded.skipped, summary["skipped_reasons"]),
        ("dropped", loaded.dropped, summary["dropped_reasons"]),
    ):
        if items:
            listed = ", ".join(f"{n} {escape(r)}" for r, n in reasons.items())
            console.print(f"[yellow]{kind} {len(items):,}[/]: {listed}")
            for item, reason in items[:5]:
                console.print(f"  {escape(item)}: {escape(reason)}")


def _stdout():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)
