"""Typed progress events: what ``rank``, ``finetune`` and ``verify`` send to ``progress=``.

Each event is a frozen dataclass, so a consumer dispatches on its type (``isinstance`` or
``match``) instead of guessing keys of a dict. The field names are the documentation
(docs/ARCHITECTURE.md lists them all):

- ranking: ``CandidateStarted``, ``Extracting``, ``Probing``, ``CandidateDone``,
  ``CandidateFailed`` (``position``: candidates finished before this one, ``candidates``:
  how many there are); then ``PhaseStarted`` ("fusing", "bootstrapping") and
  ``BootstrapProgress`` for the work after the last candidate; with ``budget="auto"``,
  ``AnytimeRound`` after each round (the candidate events repeat for every round).
- fine-tuning: ``TrainingPhase``, ``TrainingStep``, ``EpochDone``, ``TrainingDone``.
- race: ``TrialStarted``, ``TrialDone`` around each trial of a rung, ``RungDone`` after it.
- verification: ``VerifyStarted``, ``VerifyFinished`` around each candidate's fine-tune
  (whose own training events are passed through as they are).

``kind`` (a class attribute) is a short stable name for logs, e.g. "candidate_done".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pragma: no cover
    from advisor.engines.base import RungResult, TrialOutcome


@dataclass(frozen=True)
class ProgressEvent:
    """Base of every progress event; ``kind`` names the type in logs."""

    kind: ClassVar[str] = ""


# --- ranking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateEvent(ProgressEvent):
    """An event about one candidate: the ``position``-th (0-based) of ``candidates``."""

    candidate: str
    position: int
    candidates: int


@dataclass(frozen=True)
class CandidateStarted(CandidateEvent):
    kind: ClassVar[str] = "candidate_start"


@dataclass(frozen=True)
class Extracting(CandidateEvent):
    """Feature extraction of this candidate: ``done`` of ``total`` examples (None = unknown)."""

    kind: ClassVar[str] = "extract"
    done: int = 0
    total: int | None = None
    cached: bool = False


@dataclass(frozen=True)
class Probing(CandidateEvent):
    """Features are ready (``cached``: read from the cache); the probes run now."""

    kind: ClassVar[str] = "probe"
    cached: bool = False


@dataclass(frozen=True)
class CandidateDone(CandidateEvent):
    """Scored: ``record`` holds its probe scores and timings (its partial ranking record)."""

    kind: ClassVar[str] = "candidate_done"
    record: dict[str, Any] = field(default_factory=dict)
    cached: bool = False


@dataclass(frozen=True)
class CandidateFailed(CandidateEvent):
    """Not scored: ``reason`` says why; ``skipped`` when a cost budget left it out."""

    kind: ClassVar[str] = "candidate_failed"
    reason: str = ""
    skipped: bool = False


@dataclass(frozen=True)
class PhaseStarted(ProgressEvent):
    """A phase after the candidates: ``phase`` is "fusing", "set-level" (one per set-level
    probe, ``detail`` names it and its place) or "bootstrapping"."""

    kind: ClassVar[str] = "phase"
    phase: str
    detail: str = ""


@dataclass(frozen=True)
class BootstrapProgress(ProgressEvent):
    """``done`` of ``total`` bootstrap resamples re-probed and re-fused."""

    kind: ClassVar[str] = "bootstrap"
    done: int
    total: int


@dataclass(frozen=True)
class AnytimeRound(ProgressEvent):
    """A round of an anytime ranking (``budget="auto"``) was re-ranked: ``round`` (1-based)
    of at most ``rounds``, on ``examples`` examples; ``candidates_left`` go on to the next
    round, ``dropped`` stopped at this one; ``leader`` and its ``p_best`` (NaN: no
    bootstrap); ``stop``: why the rounds end here ("" when they go on)."""

    kind: ClassVar[str] = "anytime_round"
    round: int
    rounds: int
    examples: int
    candidates_left: int
    leader: str
    p_best: float = float("nan")
    dropped: tuple[str, ...] = ()
    stop: str = ""


# --- fine-tuning -------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingEvent(ProgressEvent):
    """Where training is: ``epoch`` (1-based; 0 = before the first) of ``epochs``, ``step``
    of ``steps`` in that epoch."""

    epoch: int
    epochs: int
    step: int
    steps: int


@dataclass(frozen=True)
class TrainingPhase(TrainingEvent):
    """A phase begins: "probe" (linear-probe head), "head" (warm-up) or "full"."""

    kind: ClassVar[str] = "phase"
    phase: str = ""


@dataclass(frozen=True)
class TrainingStep(TrainingEvent):
    kind: ClassVar[str] = "step"
    loss: float = float("nan")
    lr: float = float("nan")


@dataclass(frozen=True)
class EpochDone(TrainingEvent):
    """An epoch ended; ``metrics`` is its history row (train loss, val loss/accuracy...)."""

    kind: ClassVar[str] = "epoch"
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainingDone(TrainingEvent):
    """Tested and exported; ``metrics``: test_accuracy, test_macro_f1, best_epoch."""

    kind: ClassVar[str] = "done"
    metrics: dict[str, Any] = field(default_factory=dict)


# --- verification ------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyStarted(CandidateEvent):
    """Fine-tuning of this candidate begins (its training events follow)."""

    kind: ClassVar[str] = "finetune_start"


@dataclass(frozen=True)
class VerifyFinished(CandidateEvent):
    """This candidate is fine-tuned (or taken from the fine-tune cache)."""

    kind: ClassVar[str] = "finetune_done"


RANK_EVENTS = (
    CandidateStarted,
    Extracting,
    Probing,
    CandidateDone,
    CandidateFailed,
    PhaseStarted,
    BootstrapProgress,
    AnytimeRound,
)
TRAINING_EVENTS = (TrainingPhase, TrainingStep, EpochDone, TrainingDone)
VERIFY_EVENTS = (VerifyStarted, VerifyFinished)


@dataclass(frozen=True)
class TrialStarted:
    """A race trial starts training ``candidate`` up to ``steps`` in ``rung``."""

    candidate: str
    rung: int
    steps: int
    done: int  # trials finished in this rung so far
    total: int  # trials in this rung


@dataclass(frozen=True)
class TrialDone:
    outcome: TrialOutcome
    rung: int
    done: int
    total: int


@dataclass(frozen=True)
class RungDone:
    result: RungResult


@dataclass(frozen=True)
class RacePlanned:
    """A seconds budget's calibration rung priced a step: the race's rungs, in cumulative steps."""

    rungs: tuple[int, ...]
    step_s: float
    overhead_s: float


RACE_EVENTS = (TrialStarted, TrialDone, RungDone, RacePlanned)

__all__ = [
    "AnytimeRound",
    "BootstrapProgress",
    "CandidateDone",
    "CandidateEvent",
    "CandidateFailed",
    "CandidateStarted",
    "EpochDone",
    "Extracting",
    "PhaseStarted",
    "Probing",
    "RungDone",
    "ProgressEvent",
    "RacePlanned",
    "TrainingDone",
    "TrainingEvent",
    "TrainingPhase",
    "TrainingStep",
    "TrialDone",
    "TrialStarted",
    "VerifyFinished",
    "VerifyStarted",
]
