"""The embedded engine: every work unit in this process, one after another (CUDA when present).

Memory holds one network at a time, and events reach ``progress`` as they happen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from advisor.engines.base import RungResult, TrialFn, WorkFn
from advisor.race.schedule import RacePlan


class LocalEngine:
    """Runs each unit (a candidate's scoring, a fine-tune, a race trial) in turn, here."""

    name = "local"
    shares_files = True

    def score(
        self,
        fn: WorkFn,
        units: Sequence[Any],
        *,
        common: Any = None,
        cancel=None,
        progress: Callable[[object], None] | None = None,
        lost: Callable[[Any, str], Any] | None = None,  # a lost worker: none here
    ) -> list[Any]:
        emit = progress or (lambda event: None)
        return [fn(common, unit, emit, cancel) for unit in units]

    def trials(
        self,
        fn: WorkFn,
        units: Sequence[Any],
        *,
        common: Any = None,
        cancel=None,
        progress: Callable[[object], None] | None = None,
    ) -> list[Any]:
        """Fine-tuning trials: units like any other here."""
        return self.score(fn, units, common=common, cancel=cancel, progress=progress)

    def race(
        self,
        plan: RacePlan,
        trial: TrialFn,
        *,
        cancel=None,
        progress: Callable[[object], None] | None = None,
    ) -> list[RungResult]:
        from advisor.engines.halving import successive_halving

        return successive_halving(self, plan, trial, cancel=cancel, progress=progress)
