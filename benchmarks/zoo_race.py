"""The zoo's race measurement: settle the probes' close calls with a short real race.

The race runs under the zoo's own verification protocol (same subsample, split, recipe and
epochs as the first seed's fine-tunes) with a wall-clock budget that is a share of what
fine-tuning every candidate once cost. What is measured is the pick (its regret against the
mean fine-tuned accuracy over the seeds) and what the race cost, retries included. Unlike
the fine-tunes, the race is never read from a cache: it runs in a temporary folder on every
zoo run, because its wall time is what is measured and its rungs are priced by it.
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
    time, then score the race's pick against the ground truth ``accuracy`` (id -> mean).
    A share whose calibration rung alone would overspend it is refused by the race; it is
    recorded and the race runs again at twice the share (at most fine-tuning everything once),
    in the same folder, so the calibration is not paid twice and the total stays in the share.
    """
    import tempfile
    import time
    from pathlib import Path

    from advisor.race.api import race
    from advisor.race.schedule import RaceBudgetTooSmall
    from advisor.race.settle import settle

    refused, used = [], share
    tick = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="zoo-race-") as scratch:
        while True:
            # A retry resumes in the same folder from the refused attempt's calibration rung
            # (read back, with its measured costs) and gets what is left of the larger share.
            budget_s = max(1.0, used * finetune_once - (time.perf_counter() - tick))
            try:
                result = race(
                    name,
                    ranking=ranking,
                    top=top,
                    budget=f"{budget_s:.0f}s",
                    epochs=epochs,
                    seed=seed,
                    data_budget=ft_budget,
                    models=dict(models),
                    output=Path(scratch),
                    **dict(recipe),
                )
                break
            except RaceBudgetTooSmall as exc:
                if used >= 1.0:
                    raise
                refused.append({"share": used, "message": str(exc)})
                used = min(1.0, 2 * used)
    # Every attempt's wall time, refused ones included: a retry may reuse cached trials.
    wall = time.perf_counter() - tick
    settled = settle(ranking, result)
    best = float(accuracy.max())
    pick = settled.records[0]["candidate"]
    probes_pick = ranking.records[0]["candidate"]
    return {
        "budget_seconds": budget_s,
        "share_asked": share,
        "share_used": used,
        "refused": refused,
        "seconds": wall,
        "race_seconds": result.seconds,
        "candidates": result.candidates,
        "winner": result.winner,
        "order": result.order,
        "total_steps": result.total_steps,
        "rungs": result.accuracy_table(),
        "regret_points": 100 * (best - float(accuracy.get(pick, float("nan")))),
        "probes_regret_points": 100 * (best - float(accuracy.get(probes_pick, float("nan")))),
        "raced_best_possible_points": 100
        * (best - max(float(accuracy.get(c, float("-inf"))) for c in result.candidates)),
        "cost_share": wall / finetune_once if finetune_once else None,
        "cost_share_with_ranking": (wall + ranking_seconds) / finetune_once
        if finetune_once
        else None,
    }
