"""``advisor race DATA``: settle the close calls with short real fine-tunes."""

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

# Shared with `advisor rank --race`: one text for the one parameter.
RaceBudgetOption = Annotated[
    str,
    typer.Option(
        "--race-budget",
        help="Training budget of the whole race: optimizer steps (2000) or seconds (600s, "
        "10m). A seconds budget first trains every candidate a few steps to price a step; "
        "when nothing is left after that, those steps decide.",
    ),
]


class RaceFormat(str, Enum):
    table = "table"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("race", help=race_command.__doc__)(race_command)


def race_command(
    data: DataArgument = None,
    models: Annotated[
        str | None,
        typer.Option(
            "--models",
            "-m",
            help="Comma-separated candidate ids to race, best-ranked first "
            "(default: rank first, then race the close calls).",
        ),
    ] = None,
    top: Annotated[
        int,
        typer.Option(
            "--top",
            "-k",
            help="Without --models: race the K leaders when no close call is flagged.",
        ),
    ] = 3,
    race_budget: RaceBudgetOption = "2000",
    eta: Annotated[int, typer.Option(help="Keep 1/eta of the candidates after each rung.")] = 2,
    min_steps: Annotated[int, typer.Option(help="Fewest steps a candidate trains.")] = 8,
    epochs: Annotated[int, typer.Option(help="Epochs of the fine-tuning protocol.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed for subsampling, splits and training.")] = 0,
    budget: Annotated[int, typer.Option(help="Examples used for fine-tuning.")] = 1000,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Race folder (trials, race.json); default: the cache."),
    ] = None,
    output_format: Annotated[RaceFormat, typer.Option("--format", "-f")] = RaceFormat.table,
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
    """Race candidates with successive halving over short real fine-tunes (validation accuracy)."""
    from rich.console import Console

    import advisor
    from advisor.cli.outputs import check_output_folder
    from advisor.race import race
    from advisor.race.schedule import parse_budget

    err = Console(stderr=True, highlight=False)
    check_output_folder(output)
    parsed = parse_budget(race_budget)  # a bad budget fails before any work
    runner = engine_from_options(engine, ray_address)  # so does a missing ray extra
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
    ranking = None
    if models is None:
        err.print("[dim]ranking first, to find the close calls[/]")
        ranking = advisor.rank(labelled, seed=seed, engine=runner)
    result = race(
        labelled,
        models,
        ranking=ranking,
        top=top,
        budget=parsed,
        eta=eta,
        min_steps=min_steps,
        epochs=epochs,
        seed=seed,
        data_budget=budget,
        output=output,
        progress=progress_printer(err),
        engine=runner,
    )
    if output_format is RaceFormat.json:
        typer.echo(result.to_json())
    else:
        typer.echo(render_race(result.to_dict()))
    err.print(f"wrote {result.output / 'race.json'}")


def progress_printer(console):
    """A progress callback that prints one dim line per finished trial."""
    from advisor.events import RacePlanned, RungDone, TrialDone

    def show(event) -> None:
        if isinstance(event, TrialDone):
            o = event.outcome
            how = "cached" if o.cached else f"{o.seconds:.0f} s"
            console.print(
                f"[dim]rung {event.rung}: {o.candidate} {o.steps} steps, val acc "
                f"{o.val_accuracy:.3f} ({how}) {event.done}/{event.total}[/]"
            )
        elif isinstance(event, RungDone):
            console.print(
                f"[dim]rung {event.result.rung} done: {', '.join(event.result.promoted)} go on[/]"
            )
        elif isinstance(event, RacePlanned):
            cost = f"a step costs {event.step_s:.2f} s, a trial {event.overhead_s:.0f} s more"
            if len(event.rungs) == 1:
                console.print(
                    "[dim]the budget buys no rung after the calibration rung: its "
                    f"{event.rungs[0]} steps decide ({cost})[/]"
                )
            else:
                steps = ", ".join(str(r) for r in event.rungs)
                console.print(f"[dim]the budget buys rungs of {steps} steps ({cost})[/]")

    return show


def render_race(race: dict) -> str:
    """A race (``RaceResult.to_dict()`` or ``Ranking.race``) as a table of accuracy per rung."""
    import io

    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=140, highlight=False)
    table = Table(title=f"Race on {race['data']} ({race['budget']}, eta {race['eta']})")
    table.add_column("candidate", justify="left")
    for rung in race["rungs"]:
        table.add_column(f"rung {rung['rung']} ({rung['steps']} steps)", justify="right")
    for candidate in race["order"]:
        cells = []
        for rung in race["rungs"]:
            outcome = rung["outcomes"].get(candidate)
            value = None if outcome is None else outcome["val_accuracy"]
            cells.append("—" if value is None else f"{100 * value:.1f}")
        table.add_row(candidate, *cells)
    console.print(table)
    console.print(
        f"winner: {race['winner']} (validation accuracy %, {race['total_steps']} steps "
        f"in all, {race['seconds']:.0f} s, engine {race['engine']})"
    )
    console.print(f"protocol: {race['protocol']}")
    for note in race.get("notes") or []:
        console.print(f"note: {note}")
    return buffer.getvalue()
