"""``advisor fuse SCORES.csv``: rank candidates from probe scores computed elsewhere.

The CSV has a ``candidate`` column (catalog ids where possible) and one numeric column per
probe of ``probes.REGISTRY`` (higher = better). Catalog ids get the prior; unknown ids are
fused on probes only. The work is ``advisor.fuse``; this module only parses and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from advisor.cli.rank_cmd import OutputFormat


def register(app: typer.Typer) -> None:
    app.command("fuse", help=fuse_command.__doc__)(fuse_command)


def fuse_command(
    scores: Annotated[
        Path,
        typer.Argument(
            help="CSV: a 'candidate' column plus one column per probe (logme, leep, hscore, ...)."
        ),
    ],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the result to this file instead of stdout."),
    ] = None,
    catalog_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--catalog", help="Extra catalog TOML file(s), for the priors of your models."
        ),
    ] = None,
) -> None:
    """Fuse probe scores from a CSV with the catalog priors into one ranking."""
    from rich.console import Console

    import advisor
    from advisor.cli.outputs import check_output_file
    from advisor.cli.rank_output import emit, render, show_notes

    check_output_file(output)
    err = Console(stderr=True, highlight=False)
    ranking = advisor.fuse(scores, catalog=list(catalog_files) if catalog_files else None)
    show_notes(ranking, output_format.value, output, err)
    emit(render(ranking, output_format.value, color=output is None), output, err)
