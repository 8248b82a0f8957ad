"""The zoo's race measurement: settle the probes' close calls with a short real race.

The race runs under the zoo's own verification protocol (same subsample, split, recipe and
epochs as the first seed's fine-tunes) with a wall-clock budget that is a share of what
fine-tuning every candidate once cost, so its cost target is met by construction and what
is measured is the pick: its regret against the mean fine-tuned accuracy over the seeds.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

RACE_SHARE = 0.25  # of fine-tuning every candidate once (the cost ceiling)


def race_row(
    name: str,
    ranking,
    accuracy: pd.Series,
    *,
    finetune_once: float,
    ranking_seconds: float,
    ft_budget: int,
    epochs: int,
    seed: int,
    recipe: Mapping,
    models: Mapping,
    share: float = RACE_SHARE,
    top: int = 3,
) -> dict:
    """Race the ranking's close calls (else its top ``top``) for ``share`` of the fine-tuning
    time, then score the race's pick against the ground truth ``accuracy`` (id -> mean)."""
    from advisor.race.api import race
    from advisor.race.settle import settle

    budget_s = max(1.0, share * finetune_once)
    result = race(
        name,
        ranking=ranking,
        top=top,
        budget=f"{budget_s:.0f}s",
        epochs=epochs,
        seed=seed,
        data_budget=ft_budget,
        models=dict(models),
        **dict(recipe),
    )
    settled = settle(ranking, result)
    best = float(accuracy.max())
    pick = settled.records[0]["candidate"]
    probes_pick = ranking.records[0]["candidate"]
    return {
        "budget_seconds": budget_s,
        "seconds": result.seconds,
        "candidates": result.candidates,
        "winner": result.winner,
        "order": result.order,
        "total_steps": result.total_steps,
        "rungs": result.accuracy_table(),
        "regret_points": 100 * (best - float(accuracy.get(pick, float("nan")))),
        "probes_regret_points": 100 * (best - float(accuracy.get(probes_pick, float("nan")))),
        "raced_best_possible_points": 100
        * (best - max(float(accuracy.get(c, float("-inf"))) for c in result.candidates)),
        "cost_share": result.seconds / finetune_once if finetune_once else None,
        "cost_share_with_ranking": (result.seconds + ranking_seconds) / finetune_once
        if finetune_once
        else None,
    }
