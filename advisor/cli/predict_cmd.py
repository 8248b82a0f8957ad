"""``advisor predict PATH INPUTS...``: label images or texts with an exported fine-tuned model.

PATH is a run folder (or its model/ folder). INPUTS are image files or folders for image
models, strings or .txt/.csv files for text models. Labels go to stdout.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("predict", help=predict_command.__doc__)(predict_command)


def predict_command(
    path: Annotated[
        Path, typer.Argument(help="Run folder written by `advisor finetune`, or its model/ folder.")
    ],
    inputs: Annotated[
        list[str], typer.Argument(help="Image files/folders, or texts / .txt / .csv files.")
    ],
    top: Annotated[int, typer.Option(help="Also show the top-k labels with probabilities.")] = 1,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    batch_size: Annotated[int, typer.Option(help="Examples per forward pass.")] = 32,
    device: Annotated[
        str | None, typer.Option(help="torch device (default: cuda when available, else cpu).")
    ] = None,
) -> None:
    """Label new images or texts with a fine-tuned model."""
    from numbers import Integral

    import advisor
    from advisor import validation as v
    from advisor.errors import AdvisorError
    from advisor.finetuning.predictor import read_inputs

    top_k = v.Param("top", (v.Interval(Integral, 1, None),), "pass 1 for the label alone, or more")
    top_k.check(top, name="--top")
    v.BATCH_SIZE.check(batch_size, name="--batch-size")
    predictor = advisor.load_predictor(path, device=device)
    if predictor.input_kind == "features":
        raise AdvisorError(
            f"{path} labels precomputed feature rows; call "
            "advisor.load_predictor(path).predict(array) from Python instead"
        )
    items = read_inputs(list(inputs), predictor.input_kind)
    if not items:
        raise AdvisorError("no inputs to label; pass image files/folders or texts")
    ranked = predictor.predict_top(items, k=min(top, len(predictor.labels)), batch_size=batch_size)
    rows = [
        {
            "input": str(item),
            "label": choices[0][0],
            "score": round(choices[0][1], 6),
            "top": [{"label": label, "score": round(score, 6)} for label, score in choices],
        }
        for item, choices in zip(items, ranked, strict=True)
    ]
    if output_format is OutputFormat.json:
        from advisor.jsonable import dumps

        typer.echo(dumps(rows, ensure_ascii=False))
        return
    import io

    from rich.console import Console
    from rich.table import Table

    table = Table()
    table.add_column("input", overflow="fold")
    table.add_column("label")
    table.add_column("score", justify="right")
    if top > 1:
        table.add_column(f"top {top}")
    for row in rows:
        cells = [_short(row["input"]), row["label"], f"{row['score']:.3f}"]
        if top > 1:
            cells.append(", ".join(f"{t['label']} {t['score']:.2f}" for t in row["top"]))
        table.add_row(*cells)
    buffer = io.StringIO()
    Console(file=buffer, width=120, force_terminal=False).print(table)
    typer.echo(buffer.getvalue(), nl=False)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
