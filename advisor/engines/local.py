"""Successive halving in this process: one trial at a time, rung by rung."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from advisor.engines.base import RungResult, TrialFn, TrialRequest
from advisor.errors import Cancelled
from advisor.events import RungDone, TrialDone, TrialStarted
from advisor.race.schedule import RacePlan, extend_for_seconds, promote


class LocalEngine:
    """Runs each rung's trials one after another on this machine (CUDA when present)."""

    name = "local"

    def race(
        self,
        plan: RacePlan,
        trial: TrialFn,
        *,
        cancel=None,
        progress: Callable[[object], None] | None = None,
    ) -> list[RungResult]:
        notify = progress or (lambda event: None)
        alive = list(plan.candidates)
        results: list[RungResult] = []
        started = time.perf_counter()
        rung = 0
        while rung < len(plan.rungs):
            steps = plan.rungs[rung]
            tick = time.perf_counter()
            outcomes = {}
            for i, candidate in enumerate(alive):
                if cancel is not None and cancel.is_set():
                    raise Cancelled("race cancelled")
                notify(TrialStarted(candidate, rung, steps, i, len(alive)))
                outcomes[candidate] = trial(TrialRequest(candidate, steps, rung))
                notify(TrialDone(outcomes[candidate], rung, i + 1, len(alive)))
            scores = {c: o.val_accuracy for c, o in outcomes.items()}
            promoted = promote(scores, plan.candidates, plan.keep_after(rung))
            results.append(
                RungResult(rung, steps, outcomes, promoted, seconds=time.perf_counter() - tick)
            )
            notify(RungDone(results[-1]))
            if plan.calibration and rung == 0:
                plan = extend_for_seconds(
                    plan,
                    spent_s=time.perf_counter() - started,
                    **_measured_costs(outcomes.values()),
                )
            alive = promoted
            rung += 1
        return results


def _measured_costs(outcomes) -> dict[str, float]:
    measured = [o for o in outcomes if not o.cached and o.steps > 0]
    if not measured:  # all read back from an earlier run: assume the step is all there is
        return {"step_s": 1.0, "overhead_s": 0.0}
    step_s = statistics.median(o.train_seconds / o.steps for o in measured)
    overhead_s = statistics.median(max(o.seconds - o.train_seconds, 0.0) for o in measured)
    return {"step_s": step_s, "overhead_s": overhead_s}
