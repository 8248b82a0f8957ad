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
    if predictor.config.get("pairs"):
        items = _pairs(items)
    if predictor.task != "classification":
        _task_output(predictor, items, batch_size, output_format)
        return
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


def _pairs(items: list) -> list[tuple[str, str]]:
    """A text-pair model's inputs: each "first<TAB>second" becomes the pair (first, second)."""
    from advisor.errors import AdvisorError

    pairs = []
    for item in items:
        parts = str(item).split("\t")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise AdvisorError(
                f"this model reads text pairs, but input {_short(str(item))!r} is not one; pass "
                "each pair as 'first text<TAB>second text'"
            )
        pairs.append((parts[0], parts[1]))
    return pairs


def _task_output(predictor, items: list, batch_size: int, output_format) -> None:
    """Regression values or multilabel label sets, as JSON rows or a table."""
    if predictor.task == "regression":
        values = predictor.predict_values(items, batch_size=batch_size)
        rows = [
            {"input": _shown(item), **dict(zip(predictor.labels, map(float, row), strict=True))}
            for item, row in zip(items, values, strict=True)
        ]
        columns = list(predictor.labels)
    else:
        probs = predictor.predict_proba(items, batch_size=batch_size)
        sets = predictor.predict(items, batch_size=batch_size)
        rows = [
            {
                "input": _shown(item),
                "labels": chosen,
                "scores": {
                    n: round(float(p), 6) for n, p in zip(predictor.labels, row, strict=True)
                },
            }
            for item, chosen, row in zip(items, sets, probs, strict=True)
        ]
        columns = ["labels"]
    if output_format is OutputFormat.json:
        from advisor.jsonable import dumps

        typer.echo(dumps(rows, ensure_ascii=False))
        return
    import io

    from rich.console import Console
    from rich.table import Table

    table = Table()
    table.add_column("input", overflow="fold")
    for column in columns:
        table.add_column(column, justify="right" if predictor.task == "regression" else "left")
    for row in rows:
        if predictor.task == "regression":
            cells = [f"{row[c]:.4g}" for c in columns]
        else:
            cells = [" | ".join(row["labels"]) or "(none)"]
        table.add_row(_short(row["input"]), *cells)
    buffer = io.StringIO()
    Console(file=buffer, width=120, force_terminal=False).print(table)
    typer.echo(buffer.getvalue(), nl=False)


def _shown(item) -> str:
    return " || ".join(item) if isinstance(item, tuple) else str(item)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
