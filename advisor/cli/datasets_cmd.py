"""`advisor datasets` (the built-in datasets and whether they are here) and `advisor inspect DATA`
(what the advisor sees in your data: size, classes, balance, examples, skipped rows)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

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

    table = Table(title="Built-in datasets", title_justify="left")
    for column, justify in (
        ("name", "left"),
        ("modality", "left"),
        ("examples", "right"),
        ("classes", "right"),
        ("status", "left"),
        ("description", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")
    for row in rows:
        status = "[green]installed[/]" if row["available"] else f"[yellow]{row['install']}[/]"
        table.add_row(
            row["name"],
            row["modality"],
            f"{row['size']:,}",
            str(row["num_classes"]),
            status,
            row["description"],
        )
    _stdout().print(table)


def inspect_data(
    data: Annotated[
        str, typer.Argument(help="built-in name, image folder, .csv/.tsv/.jsonl, or .npz")
    ],
    text_column: Annotated[str | None, typer.Option(help="column holding the texts")] = None,
    label_column: Annotated[str | None, typer.Option(help="column holding the labels")] = None,
    image_column: Annotated[str | None, typer.Option(help="column holding image paths")] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Load DATA as the ranking would and summarise it: classes, balance, examples, skipped."""
    from advisor.data import load_data

    loaded = load_data(
        data, text_column=text_column, label_column=label_column, image_column=image_column
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
    ratio = summary["imbalance_ratio"]
    console.print(
        f"[bold]{escape(summary['name'])}[/] ({summary['modality']}, {escape(summary['source'])})\n"
        f"{summary['n']:,} examples, {summary['num_classes']} classes, "
        + (f"imbalance {ratio:.1f}x (largest / smallest class)" if ratio else "")
        + (f", {summary['shape']}" if summary["shape"] else "")
        + f"\nfingerprint {summary['fingerprint'][:16]}"
    )
    if summary["splits"]:
        parts = ", ".join(f"{part} {n:,}" for part, n in summary["splits"].items())
        console.print(f"your own split: {parts}")
    counts = Table(show_header=True, title="Classes", title_justify="left")
    counts.add_column("class")
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
