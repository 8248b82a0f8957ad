"""The race's verdict becomes the ranking's final word for the candidates it raced."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from advisor.race.result import RaceResult
    from advisor.ranking.result import Ranking


def settle(ranking: Ranking, result: RaceResult) -> Ranking:
    """A copy of ``ranking`` with the raced candidates, in race order, in the places they held.

    Each raced record gets ``race_rung`` (the last rung it trained in), ``race_steps`` and
    ``race_val_accuracy`` there, and ``decided_by`` = "race"; the others keep their order.
    """
    raced = set(result.order)
    records = [dict(r) for r in ranking.records]
    slots = [i for i, r in enumerate(records) if r["candidate"] in raced]
    by_id = {r["candidate"]: r for r in records}
    last = {}
    for rung in result.rungs:
        for candidate, outcome in rung.outcomes.items():
            last[candidate] = (rung.rung, outcome)
    for slot, candidate in zip(slots, [c for c in result.order if c in by_id], strict=True):
        rung, outcome = last[candidate]
        records[slot] = {
            **by_id[candidate],
            "race_rung": rung,
            "race_steps": outcome.steps,
            "race_val_accuracy": outcome.val_accuracy,
            "decided_by": "race",
        }
    for position, record in enumerate(records, start=1):
        record["rank"] = position
    moved = ranking.best != records[0]["candidate"]
    note = f"race ({result.budget}, {result.total_steps} steps): {result.winner} won" + (
        f", over the probes' pick {ranking.best}" if moved else ", as the probes said"
    )
    return dataclasses.replace(
        ranking,
        records=records,
        notes=[*ranking.notes, note, *result.notes],
        race=result.to_dict(),
    )
