"""A Ranking's records as tables of text: CSV, Markdown, and how one cell value is written.

``Ranking.to_csv`` and ``Ranking.to_markdown`` (result.py) are these functions; the terminal
table (report.py) writes its cells with ``format_value`` too. A ranking is read only through
its attributes, so this module imports nothing of result.py (the import graph has no cycles).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from advisor.jsonable import dumps


def csv_text(ranking: Any) -> str:
    """One row per record; nested cells (``layer_scores``...) are strict JSON text."""
    frame = ranking.to_pandas()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(_csv_cell)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue()


def markdown_text(ranking: Any, columns: list[str] | None = None) -> str:
    columns = columns or default_columns(ranking)
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for record in ranking.records:
        cells = [format_value(record.get(c)).replace("|", "\\|") for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    if ranking.failures:
        lines.append("")
        lines.extend(f"- failed: `{k}`: {v}" for k, v in ranking.failures.items())
    return "\n".join(lines) + "\n"


def default_columns(ranking: Any) -> list[str]:
    """The columns a person wants to see first: rank, name, score, evidence, cost."""
    columns = ["rank", "candidate", "final_score"]
    if ranking.records and "p_best" in ranking.records[0]:
        columns += ["p_best", "rank_low", "rank_high"]
    columns += list(ranking.probes)
    columns += ["params_m", "extract_seconds"]
    return columns


def format_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return "-"
        magnitude = abs(value)
        if magnitude != 0 and (magnitude >= 1e5 or magnitude < 1e-3):
            return f"{value:.3g}"
        return f"{value:.3f}" if magnitude < 100 else f"{value:.1f}"
    return str(value)


def _csv_cell(value: Any) -> Any:
    """A dict or list cell as JSON (a Python repr is unreadable for other tools)."""
    if isinstance(value, Mapping | list | tuple):
        return dumps(value, indent=None)
    return value
