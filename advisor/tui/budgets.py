"""Cost budgets on a finished ranking: which candidates fit, and why the others do not.

The same rule as ``advisor rank --max-params/--max-latency`` (advisor.ranking.cost.within_budget),
applied to the ranking's records so the user can try budgets without scoring again.
"""

from __future__ import annotations

BUDGET_FIELDS = (
    ("max_params", "max parameters (millions)", "float", "no limit"),
    ("max_latency", "max extraction latency (ms per example, measured here)", "float", "no limit"),
)


def records_within(records: list[dict], budgets: dict) -> tuple[list[dict], dict[str, str]]:
    """(records that fit, {excluded candidate: reason}); no budgets keeps everything."""
    if not budgets:
        return list(records), {}
    import pandas as pd

    from advisor.ranking.cost import COST_COLUMNS, within_budget

    costs = pd.DataFrame(
        [{key: record.get(key) for key in COST_COLUMNS} for record in records],
        index=[str(record["candidate"]) for record in records],
        columns=list(COST_COLUMNS),
    ).astype(float)
    kept, excluded = within_budget(
        costs, max_params_m=budgets.get("max_params"), max_latency_ms=budgets.get("max_latency")
    )
    keep = set(kept)
    return [r for r in records if str(r["candidate"]) in keep], excluded


def budget_text(budgets: dict) -> str:
    parts = []
    if budgets.get("max_params") is not None:
        parts.append(f"≤ {budgets['max_params']:g}M params")
    if budgets.get("max_latency") is not None:
        parts.append(f"≤ {budgets['max_latency']:g} ms/example")
    return " · ".join(parts)
