"""The engine interface of the race: a plan of rungs, one trial function, results per rung."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from advisor.race.schedule import RacePlan


@dataclass(frozen=True)
class TrialOutcome:
    """A candidate's validation score after ``steps`` optimizer steps."""

    candidate: str
    steps: int  # optimizer steps actually done (fewer than asked when it stopped early)
    val_accuracy: float
    val_loss: float
    seconds: float  # wall time of this rung for this candidate, when it was trained
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


# trial(request, cancel=None): ``cancel`` is the caller's flag in this process, None on a cluster.
TrialFn = Callable[..., TrialOutcome]


@dataclass
class RungResult:
    """One rung: every candidate it trained, and the ones promoted to the next rung."""

    rung: int
    steps: int
    outcomes: dict[str, TrialOutcome]
    promoted: list[str]
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


# A work unit's function: fn(common, unit, emit, cancel) -> result. ``common`` is what every
# unit shares (the data, the probe plan; sent to a cluster once), ``emit`` sends a progress
# event (advisor.events) to the caller, ``cancel`` is the caller's flag (None on a cluster,
# where the engine cancels the outstanding work itself). It must be picklable for a cluster.
WorkFn = Callable[[Any, Any, Callable[[object], None], Any], Any]


class Engine(Protocol):
    """Runs independent work units (``score``: a ranking's candidates; ``trials``: fine-tunes)
    and successive-halving races (``race``); ``LocalEngine`` here, ``RayEngine`` on a cluster.
    Results come back in the units' order, whatever order they finished in."""

    name: str
    # Whether a path the caller names (the feature cache) is the same file on every worker.
    shares_files: bool

    def score(
        self,
        fn: WorkFn,
        units: Sequence[Any],
        *,
        common: Any = None,
        cancel=None,
        progress: Callable[[object], None] | None = None,
        lost: Callable[[Any, str], Any] | None = None,  # stands in for a unit lost every retry
    ) -> list[Any]: ...

    def trials(
        self,
        fn: WorkFn,
        units: Sequence[Any],
        *,
        common: Any = None,
        cancel=None,
        progress: Callable[[object], None] | None = None,
    ) -> list[Any]: ...

    def race(
        self,
        plan: RacePlan,
        trial: TrialFn,
        *,
        cancel=None,
        progress: Callable[[object], None] | None = None,
    ) -> list[RungResult]: ...
