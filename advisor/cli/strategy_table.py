"""``advisor verify --strategies`` output: predicted against measured per strategy."""

from __future__ import annotations

import io

import typer


def run_strategies(
    data, *, models, epochs, seed, budget, rank_budget, output, as_json, progress, err, **shares
) -> None:
    from advisor.verification.strategies import verify_strategies

    report = verify_strategies(
        data,
        candidates=models,
        epochs=epochs,
        seed=seed,
        budget=budget,
        rank_budget=rank_budget,
        output=output,
        progress=progress,
        **shares,  # val / test shares of the budget
    )
    typer.echo(report.to_json() if as_json else render_strategies(report))
    err.print(f"wrote {report.json_path}", markup=False)


def render_strategies(report) -> str:
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=140, highlight=False)
    table = Table(title=f"Strategies for {report.candidate} on {report.data}")
    for column in (
        "strategy",
        "predicted %",
        "interval %",
        "measured %",
        "pred. s",
        "measured s",
        "memory GB",
    ):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    for row in report.rows:
        mark = " *" if row["strategy"] == report.recommended else ""
        table.add_row(
            row["strategy"] + mark,
            _pct(row["predicted"]),
            f"{_pct(row['low'])}–{_pct(row['high'])}",
            _pct(row["measured"]),
            _num(row.get("predicted_seconds")),
            _num(row.get("measured_seconds")),
            _num(row.get("predicted_memory_gb"), 2),
        )
    console.print(table)
    checks = report.checks()
    console.print(f"* recommended: {report.reasoning}", markup=False)
    if "recommended_ok" in checks:
        console.print(
            f"measured best: {checks['measured_best']}; the recommended strategy is "
            f"{checks['recommended_shortfall_points']:.1f} points below it "
            f"({'met' if checks['recommended_ok'] else 'missed'}: target 0.5)",
            markup=False,
        )
    if "curve_ok" in checks:
        console.print(
            f"learning curve at {report.n_train} labels: off by "
            f"{checks['curve_error_points']:+.1f} points from the measured frozen score "
            f"({'met' if checks['curve_ok'] else 'missed'}: target 2; {report.n_test} test "
            "examples)",
            markup=False,
        )
    for name, reason in report.failures.items():
        console.print(f"failed: {name}: {reason}", markup=False)
    console.print(f"protocol: {report.protocol}", markup=False)
    return buffer.getvalue()


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _num(value, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
