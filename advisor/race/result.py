"""The outcome of a race: every rung's validation accuracies, the winner and the final order."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from advisor.engines.base import RungResult


@dataclass
class RaceResult:
    data: str
    protocol: str  # the fine-tuning protocol of every trial, in words
    budget: str  # as given: "2000 steps" or "600 s"
    eta: int
    candidates: list[str]  # as entered, in the probes' order
    rungs: list[RungResult]
    engine: str
    seconds: float
    output: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def winner(self) -> str:
        return self.rungs[-1].promoted[0]

    @property
    def order(self) -> list[str]:
        """Winner first, then by the last rung reached, its accuracy there, the probes' order."""
        reached = {}
        for rung in self.rungs:
            for candidate, outcome in rung.outcomes.items():
                reached[candidate] = (rung.rung, outcome.val_accuracy)
        position = {c: i for i, c in enumerate(self.candidates)}

        def key(candidate: str) -> tuple:
            rung, accuracy = reached[candidate]
            accuracy = accuracy if accuracy == accuracy else -1.0
            return (candidate != self.winner, -rung, -accuracy, position[candidate])

        return sorted(reached, key=key)

    @property
    def total_steps(self) -> int:
        """Optimizer steps trained over the whole race (rungs are cumulative per trial)."""
        done: dict[str, int] = {}
        for rung in self.rungs:
            for candidate, outcome in rung.outcomes.items():
                done[candidate] = outcome.steps
        return sum(done.values())

    def accuracy_table(self) -> list[dict]:
        """One row per candidate in final order: validation accuracy at every rung it ran."""
        rows = []
        for candidate in self.order:
            row = {"candidate": candidate}
            for rung in self.rungs:
                outcome = rung.outcomes.get(candidate)
                row[f"rung {rung.rung} ({rung.steps} steps)"] = (
                    None if outcome is None else outcome.val_accuracy
                )
            rows.append(row)
        return rows

    def to_dict(self) -> dict:
        from advisor.jsonable import to_jsonable

        return to_jsonable(
            {
                "data": self.data,
                "protocol": self.protocol,
                "budget": self.budget,
                "eta": self.eta,
                "engine": self.engine,
                "seconds": self.seconds,
                "candidates": self.candidates,
                "winner": self.winner,
                "order": self.order,
                "total_steps": self.total_steps,
                "rungs": [
                    {
                        "rung": r.rung,
                        "steps": r.steps,
                        "seconds": r.seconds,
                        "promoted": r.promoted,
                        "outcomes": {c: o.to_dict() for c, o in r.outcomes.items()},
                    }
                    for r in self.rungs
                ],
                "notes": self.notes,
            }
        )

    def to_json(self) -> str:
        from advisor.jsonable import dumps

        return dumps(self.to_dict())
