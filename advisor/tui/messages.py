"""Typed messages that thread workers post to screens.

Workers never touch widgets: they post one of these (``post_message`` is thread-safe)
and the screen's handler, running on the event loop, owns all state changes.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class DataLoaded(Message):
    """A dataset finished loading (in a worker)."""

    def __init__(self, data: Any, spec: str) -> None:
        super().__init__()
        self.data = data
        self.spec = spec


class CandidateProgress(Message):
    """One progress event of ``advisor.rank`` for one candidate (start / extract / probe)."""

    def __init__(self, candidate: str, stage: str, done: int, total: int, cached: bool) -> None:
        super().__init__()
        self.candidate = candidate
        self.stage = stage
        self.done = done
        self.total = total
        self.cached = cached


class CandidateScored(Message):
    """A candidate finished; ``record`` is its partial ranking record."""

    def __init__(self, candidate: str, record: dict, cached: bool) -> None:
        super().__init__()
        self.candidate = candidate
        self.record = record
        self.cached = cached


class CandidateFailed(Message):
    """A candidate could not be scored (failed to load, to extract ...)."""

    def __init__(self, candidate: str, reason: str) -> None:
        super().__init__()
        self.candidate = candidate
        self.reason = reason


class RankingDone(Message):
    """``advisor.rank`` returned; ``cancelled`` when the user stopped it."""

    def __init__(self, ranking: Any, cancelled: bool) -> None:
        super().__init__()
        self.ranking = ranking
        self.cancelled = cancelled


class FinetuneStep(Message):
    """A training step (or phase change) of ``advisor.finetune``."""

    def __init__(self, event: dict) -> None:
        super().__init__()
        self.event = event


class EpochFinished(Message):
    """An epoch ended; ``metrics`` holds train loss, val loss/accuracy, patience state."""

    def __init__(self, epoch: int, epochs: int, metrics: dict) -> None:
        super().__init__()
        self.epoch = epoch
        self.epochs = epochs
        self.metrics = metrics


class FinetuneDone(Message):
    """``advisor.finetune`` returned a FinetuneResult (possibly ``cancelled``)."""

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


class WorkFailed(Message):
    """A worker stopped on an error; ``task`` says which job, ``reason`` is user-facing."""

    def __init__(self, task: str, reason: str, user_error: bool = True) -> None:
        super().__init__()
        self.task = task
        self.reason = reason
        self.user_error = user_error


class VerifyProgress(Message):
    """A progress event of ``advisor.verify`` (a fine-tune starting or ending, or its steps)."""

    def __init__(self, event: dict) -> None:
        super().__init__()
        self.event = event


class VerifyDone(Message):
    """``advisor.verify`` returned its VerifyReport."""

    def __init__(self, report: Any) -> None:
        super().__init__()
        self.report = report
