"""Human-readable views of a Ranking for terminals: a rich table, failures, a settings line."""

from __future__ import annotations

import math
from typing import Any

from advisor.ranking.result import Ranking, format_value

# Probes shown in the terminal table, in this order of preference; the JSON has all.
MAIN_PROBES = ("logme", "leep", "nleep", "hscore", "regularized_hscore", "knn", "linear_probe",
               "sfda", "gbc", "transrate", "parc", "nce", "ncti", "etran")
MAX_PROBE_COLUMNS = 5


def main_probes(ranking: Ranking) -> list[str]:
    preferred = [p for p in MAIN_PROBES if p in ranking.probes]
    rest = [p for p in ranking.probes if p not in preferred]
    return (preferred + rest)[:MAX_PROBE_COLUMNS]


def uncertainty_text(record: dict) -> str:
    """'p=0.82 · rank 1-2', with 'too close' when the bootstrap cannot separate it."""
    p_best = record.get("p_best")
    if p_best is None or (isinstance(p_best, float) and math.isnan(p_best)):
        return "-"
    low, high = record.get("rank_low"), record.get("rank_high")
    text = f"p={p_best:.2f}"
    if low is not None and high is not None and not _nan(low) and not _nan(high):
        text += f" · rank {int(low)}" + (f"-{int(high)}" if int(high) != int(low) else "")
    if record.get("too_close"):
        text += " · too close"
    return text


def cost_text(record: dict) -> str:
    if record.get("cached"):
        return f"cached + {record.get('probe_seconds', 0.0):.1f}s"
    seconds = (record.get("extract_seconds") or 0.0) + (record.get("probe_seconds") or 0.0)
    return f"{seconds:.1f}s"


def rich_table(ranking: Ranking) -> Any:
    from rich.table import Table

    probes = main_probes(ranking)
    table = Table(title=f"Ranking ({ranking.settings.get('data', {}).get('name', 'data')})",
                  title_justify="left")
    table.add_column("rank", justify="right")
    table.add_column("candidate", style="bold")
    table.add_column("final score", justify="right")
    has_uncertainty = any("p_best" in r for r in ranking.records)
    if has_uncertainty:
        table.add_column("uncertainty")
    for probe in probes:
        table.add_column(probe, justify="right")
    table.add_column("params (M)", justify="right")
    table.add_column("cost", justify="right")
    for record in ranking.records:
        row = [str(record["rank"]), record["candidate"], format_value(record["final_score"])]
        if has_uncertainty:
            row.append(uncertainty_text(record))
        row += [_probe_cell(record, p) for p in probes]
        row += [format_value(record.get("params_m")), cost_text(record)]
        table.add_row(*row)
    return table


def failure_lines(ranking: Ranking) -> list[str]:
    lines = [f"failed: {c}: {reason}" for c, reason in ranking.failures.items()]
    lines += [f"skipped: {c}: {reason}" for c, reason in ranking.settings.get("excluded", {}).items()]
    return lines


def settings_line(ranking: Ranking) -> str:
    s = ranking.settings
    data = s.get("data", {})
    parts = [
        f"data={data.get('name')} ({data.get('n_used')}/{data.get('n_total')} examples, "
        f"{data.get('num_classes')} classes)",
        f"budget={s.get('budget')}",
        f"seed={s.get('seed')}",
        f"subsample={s.get('subsample_indices_sha256')}",
        f"probes={','.join(ranking.probes)}",
        f"bootstrap={s.get('bootstrap_resamples', 0)}",
        f"fusion={ranking.fusion}",
    ]
    return "settings: " + " ".join(parts)


def why_lines(ranking: Ranking, limit: int = 3) -> list[str]:
    return [f"{r['rank']}. {r['candidate']}: {r['why']}" for r in ranking.records[:limit]]


def _probe_cell(record: dict, probe: str) -> str:
    value = format_value(record.get(probe))
    rank = record.get(f"{probe}_rank")
    return f"{value} ({rank})" if rank is not None else value


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)
