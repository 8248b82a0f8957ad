"""Human-readable views of a Ranking for terminals: a rich table, failures, a settings line."""

from __future__ import annotations

import math
from typing import Any

from advisor.ranking.display import probes_by_weight
from advisor.ranking.result import Ranking
from advisor.ranking.result_tables import format_value

MAX_PROBE_COLUMNS = 5


def main_probes(ranking: Ranking) -> list[str]:
    """The probes shown in the terminal table: the most-weighted first (the JSON has all)."""
    # The weights this ranking's fusion used (agreement gating changes them per ranking);
    # a ranking saved before they were recorded falls back to the shipped weights.
    weights = ranking.probe_weights or None
    return probes_by_weight(ranking.probes, weights)[:MAX_PROBE_COLUMNS]


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


def cost_text(record: dict, mark_front: bool = True) -> str:
    """Seconds this ranking spent on the candidate; '*' marks the quality/cost Pareto front."""
    if record.get("cached"):
        text = f"cached + {record.get('probe_seconds', 0.0):.1f}s"
    else:
        seconds = (record.get("extract_seconds") or 0.0) + (record.get("probe_seconds") or 0.0)
        text = f"{seconds:.1f}s"
    return text + (" *" if mark_front and record.get("pareto") else "")


def rich_table(ranking: Ranking) -> Any:
    from rich.table import Table

    probes = main_probes(ranking)
    table = Table(
        title=f"Ranking ({_title(ranking.settings)})",
        title_justify="left",
    )
    table.add_column("rank", justify="right")
    longest = max((len(r["candidate"]) for r in ranking.records), default=9)
    table.add_column("candidate", style="bold", no_wrap=True, min_width=min(longest, 60))
    table.add_column("final score", justify="right")
    has_uncertainty = any("p_best" in r for r in ranking.records)
    if has_uncertainty:
        table.add_column("uncertainty", no_wrap=True)
    for probe in probes:
        table.add_column(probe, justify="right")
    table.add_column("params (M)", justify="right")
    # Scores fused from a file (advisor fuse) cost nothing here: no cost column then.
    timed = any(k in r for r in ranking.records for k in ("extract_seconds", "probe_seconds"))
    if timed:
        table.add_column("cost", justify="right", no_wrap=True)
    for record in ranking.records:
        row = [str(record["rank"]), record["candidate"], format_value(record["final_score"])]
        if has_uncertainty:
            row.append(uncertainty_text(record))
        row += [_probe_cell(record, p) for p in probes]
        row.append(format_value(record.get("params_m")))
        if timed:
            row.append(cost_text(record, len(ranking.records) > 1))
        table.add_row(*row)
    return table


def note_lines(ranking: Ranking) -> list[str]:
    """The ranking's notes, the cheaper-alternative suggestion and the Pareto footnote."""
    lines = [f"note: {note}" for note in ranking.notes]
    suggestion = ranking.suggestion
    if suggestion:
        lines.append(
            f"consider {suggestion.candidate} instead of {suggestion.instead_of}: "
            f"{suggestion.reason}"
        )
    if len(ranking.records) > 1 and any(r.get("pareto") for r in ranking.records):
        cost = {"latency_ms": "measured latency"}.get(ranking.pareto_cost, "parameters")
        lines.append(f"* on the Pareto front of final score against {cost}")
    return lines


def failure_lines(ranking: Ranking) -> list[str]:
    lines = [f"failed: {c}: {reason}" for c, reason in ranking.failures.items()]
    lines += [f"skipped: {c}: {reason}" for c, reason in ranking.excluded.items()]
    return lines


def settings_line(ranking: Ranking) -> str:
    """The inputs that made the ranking; only those it had (``advisor fuse`` has no data)."""
    s = ranking.settings
    data = s.get("data") or {}
    parts = []
    if data:
        task = data.get("task") or "classification"
        # regression: the classes are the strata (target bins); multilabel: the labels
        unit = {"regression": "target strata", "multilabel": "labels"}.get(task, "classes")
        parts.append(
            f"data={data.get('name')} ({data.get('n_used')}/{data.get('n_total')} examples, "
            f"{data.get('num_classes')} {unit}"
            + (f", {task}" if task != "classification" else "")
            + ")"
        )
    elif s.get("source"):
        parts.append(f"scores={s['source']}")
    for key, label in (
        ("budget", "budget"),
        ("seed", "seed"),
        ("subsample_indices_sha256", "subsample"),
    ):
        if s.get(key) is not None:
            parts.append(f"{label}={s[key]}")
    parts.append(f"probes={','.join(ranking.probes)}")
    if s.get("layers") not in (None, "last"):
        parts.append(f"layers={s['layers']}")
    if data:
        parts.append(f"bootstrap={s.get('bootstrap_resamples', 0)}")
    return "settings: " + " ".join(parts) + f"\nfusion: {ranking.fusion}"


def why_lines(ranking: Ranking, limit: int = 3) -> list[str]:
    return [f"{r['rank']}. {r['candidate']}: {r['why']}" for r in ranking.records[:limit]]


def _probe_cell(record: dict, probe: str) -> str:
    value = format_value(record.get(probe))
    rank = record.get(f"{probe}_rank")
    return f"{value} ({rank})" if rank is not None else value


def _title(settings: dict) -> str:
    """What was ranked: the data's name, or the scores file ``advisor fuse`` read."""
    from pathlib import Path

    name = (settings.get("data") or {}).get("name")
    source = settings.get("source")
    if name:
        return str(name)
    return Path(source).name if source and source != "advisor.fuse" else "scores"


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)
