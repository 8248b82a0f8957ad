"""The ranking table's columns, cell text and sort order (no widgets: easy to test)."""

from __future__ import annotations

import math


def ranking_columns(probes: list[str], verified: bool = False) -> list[tuple[str, str]]:
    """(record key, column title) in display order."""
    return ([("rank", "#"), ("candidate", "candidate"), ("final_score", "final"),
             ("rank_range", "rank range"), ("p_best", "P(best)")]
            + ([("finetuned_accuracy", "fine-tuned acc")] if verified else [])
            + [(p, p) for p in probes]
            + [("params_m", "params (M)"), ("latency_ms", "ms/example"),
               ("availability", "availability")])


def cell(record: dict, key: str) -> str:
    if key == "rank_range":
        low, high = record.get("rank_low"), record.get("rank_high")
        if low is None or high is None:
            return "—"
        return f"{low}–{high}" + (" ≈" if record.get("too_close") else "")
    if key == "p_best" and record.get(key) is not None:
        return f"{record[key]:.2f}"
    value = record.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if key != "params_m" else f"{value:.1f}"
    return str(value)


def sort_records(records: list[dict], key: str, descending: bool) -> list[dict]:
    """Missing values always last, whatever the direction."""
    def absent(r: dict) -> bool:
        value = r.get(key)
        return value is None or (isinstance(value, float) and math.isnan(value))

    present = [r for r in records if not absent(r)]
    missing = [r for r in records if absent(r)]
    try:
        present.sort(key=lambda r: r[key], reverse=descending)
    except TypeError:
        present.sort(key=lambda r: str(r[key]), reverse=descending)
    return present + missing
