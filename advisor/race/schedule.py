"""Successive halving, planned in optimizer steps: which candidates train how far.

Pure arithmetic, shared by every engine. With ``n`` candidates and reduction factor ``eta``
there are ``ceil(log_eta n)`` rounds; round ``k`` trains ``ceil(n / eta**k)`` survivors and
gets an equal share of the step budget (Karnin et al. 2013, "Almost optimal exploration in
multi-armed bandits"), so the leaders of the probes' ranking are compared after more steps
than the ones eliminated early. A budget in seconds first runs a calibration rung of
``min_steps`` for everyone, measures the cost of a step, and converts the rest into steps.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from advisor import validation as v
from advisor.errors import AdvisorError

_BUDGET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds|m|min|steps?|)\s*$", re.I)


@dataclass(frozen=True)
class RaceBudget:
    """How much real training a race may spend: optimizer steps, or wall seconds."""

    steps: int | None = None
    seconds: float | None = None

    def describe(self) -> str:
        return f"{self.steps} steps" if self.steps is not None else f"{self.seconds:g} s"


def parse_budget(value: int | str | RaceBudget) -> RaceBudget:
    """``2000`` or ``"2000 steps"`` -> steps; ``"600s"`` / ``"10m"`` -> seconds."""
    if isinstance(value, RaceBudget):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return RaceBudget(steps=value)
    match = _BUDGET.match(value) if isinstance(value, str) else None
    if match is None or float(match.group(1)) <= 0:
        raise v.ParameterError(
            f"race_budget must be a positive number of optimizer steps (2000) "
            f"or seconds (600s, 10m) (got {value!r})"
        )
    amount, unit = float(match.group(1)), match.group(2).lower()
    if unit in ("", "step", "steps"):
        if amount != int(amount):
            raise v.ParameterError(f"race_budget in steps must be a whole number (got {value!r})")
        return RaceBudget(steps=int(amount))
    return RaceBudget(seconds=amount * (60.0 if unit in ("m", "min") else 1.0))


@dataclass(frozen=True)
class RacePlan:
    """The race: candidates in the probes' order (ties go to the earlier one), and rungs."""

    candidates: tuple[str, ...]
    budget: RaceBudget
    eta: int = 2
    min_steps: int = 8
    rungs: tuple[int, ...] = ()  # cumulative steps per rung; planned later for seconds
    calibration: bool = False  # rung 0 measures the cost of a step and eliminates nobody
    planned: bool = True  # False: a seconds budget's rungs wait for the calibration rung

    @property
    def rounds(self) -> int:
        return max(1, math.ceil(math.log(len(self.candidates), self.eta) - 1e-9))

    def survivors(self, rung: int) -> int:
        """How many candidates train in ``rung``."""
        k = rung - 1 if self.calibration else rung
        return len(self.candidates) if k < 0 else math.ceil(len(self.candidates) / self.eta**k)

    def keep_after(self, rung: int) -> int:
        """How many go on after ``rung`` (1 after the last: the winner)."""
        if self.calibration and rung == 0:
            return len(self.candidates)
        return 1 if rung == self.last_rung else self.survivors(rung + 1)

    @property
    def last_rung(self) -> int:
        return self.rounds - (0 if self.calibration else 1)


def plan_race(
    candidates: Sequence[str], budget: RaceBudget, *, eta: int = 2, min_steps: int = 8
) -> RacePlan:
    """The rungs for a step budget; for a seconds budget, only the calibration rung."""
    if len(candidates) < 2:
        raise AdvisorError(
            f"a race needs at least 2 candidates (got {len(candidates)}); "
            "pass more --models or a larger --top"
        )
    if len(set(candidates)) != len(candidates):
        raise AdvisorError("race candidates must be distinct; drop the repeated ids")
    v.check(v.ETA, eta)
    v.check(v.MIN_STEPS, min_steps)
    seconds = budget.seconds is not None
    plan = RacePlan(
        tuple(candidates), budget, eta, min_steps, calibration=seconds, planned=not seconds
    )
    if seconds:
        return RacePlan(**{**plan.__dict__, "rungs": (min_steps,)})
    increments = [budget.steps // (plan.rounds * plan.survivors(k)) for k in range(plan.rounds)]
    if increments[0] < min_steps:
        need = min_steps * plan.rounds * plan.survivors(0)
        raise AdvisorError(
            f"race_budget of {budget.steps} steps leaves {increments[0]} steps per "
            f"candidate in the first rung; give at least {need} steps"
        )
    return RacePlan(**{**plan.__dict__, "rungs": tuple(_cumulative(increments))})


def extend_for_seconds(
    plan: RacePlan, *, spent_s: float, step_s: float, overhead_s: float
) -> RacePlan:
    """After the calibration rung: the remaining seconds as steps, per successive-halving round.

    ``step_s``: measured seconds per optimizer step; ``overhead_s``: per trial and rung
    (loading the backbone, evaluating), both means over the calibration rung. When what is
    left buys no step of the first round, the calibration rung is the whole race (the rungs
    stay ``(min_steps,)``): its validation accuracies decide. Its seconds are spent by then,
    and a short real race is a better answer than an error that asks for a rerun.
    """
    left = plan.budget.seconds - spent_s
    increments = []
    for k in range(plan.rounds):
        share = left / (plan.rounds * plan.survivors(k + 1))
        increments.append(max(0, math.floor((share - overhead_s) / max(step_s, 1e-9))))
    rungs = (plan.min_steps,) if increments[0] < 1 else _cumulative([plan.min_steps, *increments])
    return RacePlan(**{**plan.__dict__, "rungs": tuple(rungs), "planned": True})


def promote(scores: Mapping[str, float], order: Sequence[str], keep: int) -> list[str]:
    """The ``keep`` best by validation accuracy; ties (and NaN) go to the probes' order."""
    rank = {c: i for i, c in enumerate(order)}

    def key(candidate: str) -> tuple[float, int]:
        value = scores[candidate]
        return (-(value if value == value else -math.inf), rank[candidate])

    return sorted(scores, key=key)[:keep]


def _cumulative(increments: Sequence[int]) -> list[int]:
    total, out = 0, []
    for step in increments:
        total += step
        out.append(total)
    return out
