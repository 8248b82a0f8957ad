"""``advisor fuse SCORES.csv``: rank candidates from probe scores computed elsewhere.

The CSV has a ``candidate`` column (catalog ids where possible) and one numeric column per
probe (higher = better). Catalog ids get the prior; unknown ids are fused on probes only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from advisor.cli.rank_cmd import OutputFormat


def register(app: typer.Typer) -> None:
    app.command("fuse", help=fuse_command.__doc__)(fuse_command)


def fuse_command(
    scores: Annotated[Path, typer.Argument(help="CSV: a 'candidate' column plus one column per "
                                                "probe (logme, leep, hscore, ...).")],
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the result to this file instead of stdout.")] = None,
    catalog_files: Annotated[list[Path] | None, typer.Option("--catalog", help="Extra catalog TOML file(s), for the priors of your own models.")] = None,
) -> None:
    """Fuse probe scores from a CSV with the catalog priors into one ranking."""
    from rich.console import Console

    from advisor.cli.rank_cmd import emit, render
    from advisor.ranking.fusion import fuse_scores
    from advisor.ranking.result import build_ranking
    from advisor.ranking.table_input import entries_for, scores_frame

    err = Console(stderr=True, highlight=False)
    table = scores_frame(Path(scores))
    if catalog_files:
        from catalog import load_catalog

        catalog = load_catalog(extra=list(catalog_files))
        entries = {c: next((e for e in catalog if e.id == c), None) for c in table.index}
    else:
        entries = entries_for(table)
    result = fuse_scores(table, entries)
    for note in result.notes:
        err.print(f"[yellow]note:[/] {note}", highlight=False)
    ranking = build_ranking(table, entries, result, settings={
        "source": str(scores), "notes": result.notes, "probes": list(table.columns)})
    emit(render(ranking, output_format.value, color=output is None), output, err)
