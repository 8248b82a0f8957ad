"""``advisor rank DATA``: rank candidate backbones on labelled data.

Results go to stdout (or --output, written atomically); progress goes to stderr.
Only typer is imported at module level so ``advisor --help`` stays fast.
"""

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
from advisor.cli.race_cmd import RaceBudgetOption
from advisor.cli.rank_output import emit, render, show_notes


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class LayerMode(str, Enum):
    last = "last"
    layermean = "layermean"
    bestlayer = "bestlayer"


def register(app: typer.Typer) -> None:
    app.command("rank", help=rank_command.__doc__)(rank_command)


def rank_command(
    data: DataArgument = None,
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--models",
            "-m",
            help="Candidate ids or substrings; repeat or comma-separate. "
            "Default: every catalog model of the data's kind whose weights are on disk.",
        ),
    ] = None,
    probes: Annotated[
        list[str] | None,
        typer.Option(
            "--probes",
            "-p",
            help="Probe names, comma-separated (default: the registry's default set).",
        ),
    ] = None,
    budget: Annotated[
        str,
        typer.Option(
            help="Examples in the seeded, stratified probe subsample, or 'auto': embed in "
            "rounds (200, 400, 800...; at most the data size or 4000, or N with 'auto:N') "
            'until the ranking is clear (docs/ranking.md "Anytime ranking").',
        ),
    ] = "1000",
    seed: Annotated[int, typer.Option(help="Seed for the subsample, probes and bootstrap.")] = 0,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the result to this file instead of stdout."),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            help="Feature cache folder (default: the user cache; ADVISOR_CACHE_DIR overrides)."
        ),
    ] = None,
    catalog_files: Annotated[
        list[Path] | None,
        typer.Option("--catalog", help="Extra catalog TOML file(s) with your own models."),
    ] = None,
    text_column: TextColumnOption = None,
    label_column: LabelColumnOption = None,
    image_column: ImageColumnOption = None,
    text_pair_column: TextPairColumnOption = None,
    task: TaskOption = TaskChoice.auto,
    label_separator: LabelSeparatorOption = "|",
    hf_dataset: HfDatasetOption = None,
    split: SplitOption = None,
    max_params: Annotated[
        float | None,
        typer.Option("--max-params", help="Skip models with more parameters than this (millions)."),
    ] = None,
    max_latency: Annotated[
        float | None,
        typer.Option(
            "--max-latency",
            help="Skip models slower than this many ms per example, as measured during extraction.",
        ),
    ] = None,
    min_per_class: Annotated[
        int, typer.Option(help="Keep at least this many examples of every class in the subsample.")
    ] = 10,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", help="Resamples for the rank intervals and P(best).")
    ] = 30,
    no_bootstrap: Annotated[
        bool, typer.Option("--no-bootstrap", help="Skip the bootstrap rank intervals (faster).")
    ] = False,
    device: Annotated[
        str | None, typer.Option(help="torch device (default: cuda when available, else cpu).")
    ] = None,
    layers: Annotated[
        LayerMode,
        typer.Option(
            "--layers",
            help="Score the final embedding (last), the mean of the layers (layermean) or "
            "each probe's best layer (bestlayer); layer modes report per-layer scores and "
            "the layer to use for frozen features.",
        ),
    ] = LayerMode.last,
    race: Annotated[
        bool,
        typer.Option(
            "--race",
            help="After the probes, settle the close calls (or the top --race-top) with short "
            "real fine-tunes; the race's order is the final word (docs/race.md).",
        ),
    ] = False,
    race_budget: RaceBudgetOption = "2000",
    race_top: Annotated[
        int, typer.Option(help="Race this many leaders when no close call is flagged.")
    ] = 3,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Also write a report to share: report.html (one self-contained file) or "
            "report.md (PNGs beside it), with learning curves and strategy advice "
            "(docs/strategy.md).",
        ),
    ] = None,
    engine: EngineOption = EngineChoice.local,
    ray_address: RayAddressOption = None,
) -> None:
    """Rank pretrained backbones for your labelled data with transferability probes."""
    from rich.console import Console

    import advisor
    from advisor.cli.outputs import check_output_file, check_output_folder

    check_output_file(output)  # before any work: a typo must not cost a whole extraction
    if report is not None:
        from advisor.report import report_format

        report_format(report)
        check_output_file(report, "--report")
    rank_budget = _budget(budget)
    if race:
        from advisor.race.schedule import parse_budget

        parse_budget(race_budget)  # a bad budget must fail before the extraction, not after
    check_output_folder(cache_dir, "--cache-dir")
    runner = engine_from_options(engine, ray_address)  # a missing extra fails before any work
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
    catalog = None
    if catalog_files:  # read before the data are embedded: a bad file must not cost a run
        from advisor.ranking.candidates import load_catalog_arg

        catalog = load_catalog_arg(list(catalog_files))
    err.print(_data_summary(labelled), style="dim", markup=False)  # names may hold "[...]"
    with _ProgressPrinter(err) as progress:
        ranking = advisor.rank(
            labelled,
            candidates=_split(models) or None,
            probes=_split(probes) or None,
            budget=rank_budget,
            cache_dir=cache_dir,
            seed=seed,
            progress=progress,
            device=device,
            catalog=catalog,
            min_per_class=min_per_class,
            bootstrap=0 if no_bootstrap else bootstrap,
            max_params_m=max_params,
            max_latency_ms=max_latency,
            layers=layers.value,
            race=race,
            race_budget=int(race_budget) if race_budget.isdigit() else race_budget,
            race_top=race_top,
            engine=runner,
        )
    show_notes(ranking, output_format.value, output, err)
    emit(render(ranking, output_format.value, color=output is None), output, err)
    if report is not None:
        from advisor.report import write_report

        err.print("writing the report (learning curves from the cached features)", style="dim")
        err.print(f"wrote {write_report(report, ranking, data=labelled, cache_dir=cache_dir)}")
    if ranking.race is not None and output_format.value == "table":
        from advisor.cli.race_cmd import render_race

        err.print(render_race(ranking.race), markup=False, highlight=False)


# What the progress line says when a phase after the candidates begins.
PHASES = {
    "fusing": "fusing the evidence into the ranking",
    "set-level": "set-level probe across the candidates",
    "bootstrapping": "bootstrapping rank ranges and P(best)",
}


class _ProgressPrinter:
    """One stderr line per candidate step (extracting / cached / probing / done / failed),
    plus the examples embedded: a transient bar on a terminal, else (a log file, CI) a line
    every ``LOG_EVERY_S`` seconds of a long extraction."""

    LOG_EVERY_S = 15.0

    def __init__(self, console):
        self.console = console
        self.started: dict[str, float] = {}
        self.bar = None
        self.task = None
        self.race_line = None
        self.last_logged = 0.0

    def __enter__(self):
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("      {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, event) -> None:
        import time

        from advisor import events as ev

        name = getattr(event, "candidate", None)
        if isinstance(event, ev.CandidateStarted):
            self.started[name] = time.perf_counter()
            self._line(f"[{event.position + 1}/{event.candidates}] {name}: extracting features")
            if self.bar is not None:
                self.task = self.bar.add_task(f"{name}: embedding", total=None)
        elif isinstance(event, ev.Extracting) and self.bar is not None and self.task is not None:
            if event.total:
                self.bar.update(self.task, completed=event.done, total=event.total)
                self.bar.refresh()
        elif isinstance(event, ev.Extracting) and self.bar is None and event.total:
            now = time.perf_counter()
            since = now - max(self.last_logged, self.started.get(name, now))
            if since >= self.LOG_EVERY_S and event.done < event.total:
                self.last_logged = now
                self._line(f"      {name}: embedded {event.done} of {event.total}")
        elif isinstance(event, ev.Probing):
            self._end_bar()
            self._line(f"      {name}: {'cached features; probing' if event.cached else 'probing'}")
        elif isinstance(event, ev.CandidateDone):
            self._end_bar()
            seconds = time.perf_counter() - self.started.get(name, time.perf_counter())
            self._line(f"      {name}: done in {seconds:.1f}s")
        elif isinstance(event, ev.CandidateFailed):
            self._end_bar()
            verb = "skipped" if event.skipped else "failed"
            self._line(f"      {name}: {verb}: {event.reason}", style="red")
        elif isinstance(event, ev.PhaseStarted):
            self._end_bar()
            what = PHASES.get(event.phase, event.phase)
            self._line(what + (f" ({event.detail})" if event.detail else ""))
            if self.bar is not None and event.phase == "bootstrapping":
                self.task = self.bar.add_task("resamples", total=None)
        elif isinstance(event, ev.BootstrapProgress):
            if self.task is not None:
                self.bar.update(self.task, completed=event.done, total=event.total)
                self.bar.refresh()
            elif event.done == event.total or event.done % 10 == 0:  # a log: every tenth
                self._line(f"      resamples: {event.done} of {event.total}")
        elif isinstance(event, ev.AnytimeRound):
            from advisor.ranking.anytime_report import round_line

            self._end_bar()
            self._line(round_line(event), style="bold")
        elif isinstance(event, ev.RACE_EVENTS):
            self._end_bar()
            if self.race_line is None:
                from advisor.cli.race_cmd import progress_printer

                self.race_line = progress_printer(self.console)
            self.race_line(event)

    def _line(self, text: str, style: str | None = None) -> None:
        self.console.print(text, markup=False, style=style)

    def _end_bar(self) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.remove_task(self.task)
            self.bar.refresh()  # the live area redraws from its last render otherwise
            self.task = None


def _data_summary(labelled) -> str:
    counts = labelled.class_counts()
    task = getattr(labelled, "task", "classification")
    pairs = ", text pairs" if getattr(labelled, "text_pairs", None) is not None else ""
    if task == "regression":
        names = ", ".join(labelled.target_names)
        return (
            f"data: {labelled.name} ({labelled.modality}, regression{pairs}), {len(labelled)} "
            f"examples, {len(labelled.target_names)} target(s): {names}"
        )
    if task == "multilabel":
        rarest = min(counts, key=counts.get)
        return (
            f"data: {labelled.name} ({labelled.modality}, multilabel{pairs}), {len(labelled)} "
            f"examples, {len(counts)} labels, rarest label {rarest} ({counts[rarest]})"
        )
    return (
        f"data: {labelled.name} ({labelled.modality}), {len(labelled)} examples, "
        f"{len(counts)} classes, smallest class {min(counts.values())}"
    )


def _budget(text: str) -> int | str:
    """--budget as advisor.rank takes it: a whole number, or "auto" / "auto:N"."""
    from advisor.validation import RANK_BUDGET

    value = int(text) if text.strip().lstrip("-").isdigit() else text.strip()
    return RANK_BUDGET.check(value, name="--budget")


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for v in values or () for part in v.split(",") if part.strip()]
