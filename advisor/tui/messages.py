"""Typed messages that thread workers post to screens.

Workers never touch widgets: they post one of these (``post_message`` is thread-safe)
and the screen's handler, running on the event loop, owns all state changes. A worker that
raises does not post anything itself: the app's one ``Worker.StateChanged`` handler turns
the exception into :class:`WorkFailed` or :class:`WorkCancelled` for the worker's screen.
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


class RankingPhase(Message):
    """The work after the last candidate: ``phase`` ("fusing", "bootstrapping"), and for the
    bootstrap ``done`` of ``total`` resamples (0 of 0 when unknown)."""

    def __init__(self, phase: str, done: int = 0, total: int = 0) -> None:
        super().__init__()
        self.phase = phase
        self.done = done
        self.total = total


class RankingDone(Message):
    """``advisor.rank`` returned; ``cancelled`` when the user stopped it."""

    def __init__(self, ranking: Any, cancelled: bool) -> None:
        super().__init__()
        self.ranking = ranking
        self.cancelled = cancelled


class FinetuneStep(Message):
    """A training step (or phase change) of ``advisor.finetune``: a training event."""

    def __init__(self, event: Any) -> None:
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
    """A worker stopped on an error; ``task`` says which job, ``reason`` is user-facing.

    ``bug`` is True when the error is not the user's to fix (its traceback is kept and
    printed when the app exits)."""

    def __init__(self, task: str, reason: str, bug: bool = False) -> None:
        super().__init__()
        self.task = task
        self.reason = reason
        self.bug = bug


class WorkCancelled(Message):
    """A worker stopped because its cancel event was set (``advisor.errors.Cancelled``)."""

    def __init__(self, task: str) -> None:
        super().__init__()
        self.task = task


class VerifyProgress(Message):
    """A progress event of ``advisor.verify`` (a fine-tune starting or ending, or its steps)."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event


class VerifyDone(Message):
    """``advisor.verify`` returned its VerifyReport."""

    def __init__(self, report: Any) -> None:
        super().__init__()
        self.report = report


class RaceProgress(Message):
    """A typed race event of ``advisor.race.race`` (TrialStarted, TrialDone, RungDone)."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event


class RaceDone(Message):
    """``advisor.race.race`` returned its RaceResult."""

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


def typed_event(event: Any) -> Any:
    """A library progress event as a typed ``advisor.events`` record.

    Transitional: fine-tuning and verification may still send the old dicts; this turns
    them into the typed records, so the screens dispatch on types only.
    """
    from advisor import events as ev

    if not isinstance(event, dict):
        return event
    kind = event.get("kind")
    where = {k: int(event.get(k) or 0) for k in ("epoch", "epochs", "step", "steps")}
    metrics = dict(event.get("metrics") or {})
    if kind == "step":
        return ev.TrainingStep(
            **where,
            loss=float(metrics.get("loss", float("nan"))),
            lr=float(metrics.get("lr", float("nan"))),
        )
    if kind == "phase" and "epochs" in event:
        return ev.TrainingPhase(**where, phase=str(event.get("phase") or ""))
    if kind == "epoch":
        return ev.EpochDone(**where, metrics=metrics)
    if kind == "done":
        return ev.TrainingDone(**where, metrics=metrics)
    if kind in ("finetune_start", "finetune_done"):
        kind_class = ev.VerifyStarted if kind == "finetune_start" else ev.VerifyFinished
        position = int(event.get("done") or 0) - (kind == "finetune_done")
        return kind_class(str(event.get("candidate")), position, int(event.get("total") or 0))
    return event
