"""The engine interface of the race: a plan of rungs, one trial function, results per rung."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from advisor.race.schedule import RacePlan


@dataclass(frozen=True)
class TrialOutcome:
    """A candidate's validation score after ``steps`` optimizer steps."""

    candidate: str
    steps: int  # optimizer steps actually done (fewer than asked when it stopped early)
    val_accuracy: float
    val_loss: float
    seconds: float  # wall time of this rung for this candidate (0 when read back)
    train_seconds: float  # of which spent in training steps
    finished: bool  # training ended (all epochs or early stopping): more steps change nothing
    cached: bool = False

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class TrialRequest:
    """Train ``candidate`` until ``steps`` optimizer steps in all (rungs are cumulative)."""

    candidate: str
    steps: int
    rung: int


TrialFn = Callable[[TrialRequest], TrialOutcome]


@dataclass
class RungResult:
    """One rung: every candidate it trained, and the ones promoted to the next rung."""

    rung: int
    steps: int
    outcomes: dict[str, TrialOutcome]
    promoted: list[str]
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class Engine(Protocol):
    """Runs a race plan with successive halving (ASHA on a cluster); returns every rung."""

    name: str

    def race(
        self,
        plan: RacePlan,
        trial: TrialFn,
        *,
        cancel=None,
        progress: Callable[[object], None] | None = None,
    ) -> list[RungResult]: ...
