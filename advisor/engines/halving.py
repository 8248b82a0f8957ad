"""Successive halving over any engine: the rung loop written once, each rung's trials handed
to ``engine.trials`` as work units (one after another here, as Tune trials on a cluster).

Promotion is synchronous (every survivor of a rung is scored before anyone goes on), so the
rungs depend only on the seeds, never on which worker finished first: the same plan gives
the same ``RungResult`` list on every engine (docs/scale.md, "Why not asynchronous ASHA").
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable

from advisor.engines.base import RungResult, TrialFn, TrialRequest
from advisor.errors import Cancelled
from advisor.events import RacePlanned, RungDone, TrialDone, TrialStarted
from advisor.race.schedule import RacePlan, extend_for_seconds, promote


def successive_halving(
    engine,
    plan: RacePlan,
    trial: TrialFn,
    *,
    cancel=None,
    progress: Callable[[object], None] | None = None,
) -> list[RungResult]:
    """Every rung of ``plan``: its survivors trained to the rung's steps, the best promoted."""
    notify = progress or (lambda event: None)
    alive = list(plan.candidates)
    results: list[RungResult] = []
    started = time.perf_counter()
    rung = 0
    while rung < len(plan.rungs):
        steps = plan.rungs[rung]
        tick = time.perf_counter()
        units = [(i, TrialRequest(c, steps, rung), len(alive)) for i, c in enumerate(alive)]
        outcomes = engine.trials(
            run_trial, units, common=trial, cancel=cancel, progress=_Counted(notify)
        )
        outcomes = {o.candidate: o for o in outcomes}
        scores = {c: o.val_accuracy for c, o in outcomes.items()}
        promoted = promote(scores, plan.candidates, plan.keep_after(rung))
        results.append(
            RungResult(rung, steps, outcomes, promoted, seconds=time.perf_counter() - tick)
        )
        notify(RungDone(results[-1]))
        if plan.calibration and rung == 0 and not plan.planned:
            # A resumed race arrives with the rungs its first calibration planned (the race
            # folder keeps them), so cached trials are never asked for other step counts.
            costs = measured_costs(outcomes.values())
            plan = extend_for_seconds(plan, spent_s=time.perf_counter() - started, **costs)
            notify(RacePlanned(plan.rungs, **costs))
        alive = promoted
        rung += 1
    return results


def run_trial(trial: TrialFn, unit, emit, cancel):
    """One trial of a rung (a work unit): train the candidate up to the rung's steps."""
    position, request, total = unit
    if cancel is not None and cancel.is_set():
        raise Cancelled("race cancelled")
    emit(TrialStarted(request.candidate, request.rung, request.steps, position, total))
    outcome = trial(request, cancel=cancel)
    emit(TrialDone(outcome, request.rung, position + 1, total))
    return outcome


class _Counted:
    """Numbers TrialDone events by arrival, so parallel trials still count 1, 2, ... n."""

    def __init__(self, notify):
        self.notify, self.done = notify, 0

    def __call__(self, event) -> None:
        if isinstance(event, TrialDone):
            self.done += 1
            event = dataclasses.replace(event, done=self.done)
        self.notify(event)


def measured_costs(outcomes) -> dict[str, float]:
    """Seconds per step and per trial, as means over the calibration rung's trials.

    Means, not medians: a rung costs the sum of its trials, so one slow candidate (a VGG among
    MobileNets) must count in full, or the plan overspends by that candidate's excess. A trial
    read back from its folder brings the seconds it cost when it was trained."""
    measured = [o for o in outcomes if o.steps > 0 and o.seconds > 0]
    if not measured:  # nothing timed (records from before timings were kept): 1 s a step
        return {"step_s": 1.0, "overhead_s": 0.0}
    step_s = statistics.fmean(o.train_seconds / o.steps for o in measured)
    overhead_s = statistics.fmean(max(o.seconds - o.train_seconds, 0.0) for o in measured)
    return {"step_s": step_s, "overhead_s": overhead_s}
