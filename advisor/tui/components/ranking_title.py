"""The ranking screen's title: what was ranked, the active budgets and the caveats
(too close to call, a cheaper suggestion, a race's final word, the ranking's notes)."""

from __future__ import annotations

from rich.markup import escape

from advisor.ranking.display import short_names
from advisor.tui.budgets import budget_text


def ranking_title(ranking, budgets: dict, over_budget: dict[str, str]) -> str:
    """Markup above the table; the fusion method is told in the detail pane instead."""
    settings = getattr(ranking, "settings", {}) or {}
    data_name = (settings.get("data") or {}).get("name")
    title = f"[b]Ranking[/] of {len(ranking.records)} candidates"
    if data_name:
        title += f" on [b]{escape(str(data_name))}[/]"
    if settings.get("budget"):
        title += f" · budget {settings['budget']}"
    if ranking.failures:
        title += f" · [red]{len(ranking.failures)} failed[/]: " + escape(
            ", ".join(ranking.failures)
        )
    skipped = ranking.excluded
    if skipped:
        title += f" · {len(skipped)} skipped by the ranking's budgets"
    if budgets:
        title += f"\n[b]budgets[/] {escape(budget_text(budgets))}"
        if over_budget:
            title += " · hidden: " + escape(
                "; ".join(f"{c} ({why})" for c, why in over_budget.items())
            )
    if any(r.get("too_close") for r in ranking.records):
        title += "\n[yellow]≈ too close to call[/]: the rank ranges overlap the leader's"
    suggestion = ranking.suggestion
    if suggestion:
        names = short_names(ranking.candidates)  # as the table shows them
        title += (
            f"\n[b]consider[/] {escape(names.get(suggestion.candidate, suggestion.candidate))}"
            f" instead of {escape(names.get(suggestion.instead_of, suggestion.instead_of))}"
            f": {escape(suggestion.reason)}"
        )
    if ranking.race:
        title += (
            "\n[b]decided by race[/]: the raced candidates are in race order, by "
            "validation accuracy at their last rung (race val acc)"
        )
    for note in ranking.notes:
        title += f"\n[yellow]note[/]: {escape(note)}"
    return title
