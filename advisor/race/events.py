"""Typed progress events of a race (the TUI and the CLI's progress line consume them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from advisor.engines.base import RungResult
    from advisor.finetuning.trial import TrialOutcome


@dataclass(frozen=True)
class TrialStarted:
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
