"""Engines run a race's trials: in this process (``LocalEngine``) or, later, across a cluster.

Every engine implements ``Engine.race(plan, trial, ...)`` with the same plan and the same
trial function, so a race gives the same kind of answer whatever runs it.
"""

from advisor.engines.base import Engine, RungResult, TrialFn, TrialRequest
from advisor.engines.local import LocalEngine

__all__ = ["Engine", "LocalEngine", "RungResult", "TrialFn", "TrialRequest"]
