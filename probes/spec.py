"""ProbeSpec: what one probe needs, supports, costs and cites, and its uniform call.

``spec.func`` is the public function with its reference defaults; ``spec.options`` are the
keyword arguments the advisor uses, bound by ``spec.fn`` and applied by ``spec.compute`` /
``spec.compute_set``. The table of every probe is ``probes.registry.REGISTRY``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from probes.errors import ProbeInputError

from ._validation import as_probabilities

TASKS = ("multiclass", "multilabel", "regression")
INPUTS = ("features", "labels", "source_probs", "source_labels")


@dataclass(frozen=True)
class ProbeSpec:
    """One transferability probe. Every score is oriented so that higher = better."""

    name: str
    func: Callable[..., Any]
    needs: tuple[str, ...]  # subset of INPUTS; "labels" listed when the probe uses them
    tasks: tuple[str, ...]  # subset of TASKS
    level: str  # "candidate" (one float) or "set" (one float per candidate)
    cost: str  # big-O in N examples, D dims, C classes, Cs source classes
    citation: str
    default: bool  # in the advisor's default probe set
    summary: str  # what it measures, in one line
    options: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    @property
    def fn(self) -> Callable[..., Any]:
        """``func`` with the advisor's ``options`` bound (same keyword interface)."""
        return functools.partial(self.func, **self.options) if self.options else self.func

    @property
    def takes_seed(self) -> bool:
        return "seed" in inspect.signature(self.func).parameters

    def compute(
        self,
        *,
        features=None,
        labels=None,
        source_probs=None,
        seed: int = 0,
        task: str | None = None,
    ) -> float:
        """Score one candidate. source_labels are derived from source_probs (argmax)."""
        if self.level != "candidate":
            raise ProbeInputError(
                f"probe {self.name!r} is set-level; call compute_set with every candidate"
            )
        kwargs = self._inputs(features, labels, source_probs, task)
        return float(self._call(kwargs, seed))

    def compute_set(self, inputs: Sequence[Mapping[str, Any]], *, seed: int = 0) -> list[float]:
        """Score every candidate at once: inputs is one dict (features, labels, ...) per
        candidate.
        """
        if self.level != "set":
            return [self.compute(**dict(item), seed=seed) for item in inputs]
        per = [
            self._inputs(item.get("features"), item.get("labels"), item.get("source_probs"), None)
            for item in inputs
        ]
        kwargs = {key: [p[key] for p in per] for key in per[0]} if per else {"features": []}
        return [float(v) for v in self._call(kwargs, seed)]

    def _call(self, kwargs: dict, seed: int):
        if self.takes_seed:
            kwargs["seed"] = seed
        return self.func(**{**self.options, **kwargs})

    def _inputs(self, features, labels, source_probs, task) -> dict[str, Any]:
        task = task or infer_task(labels)
        if task not in self.tasks:
            raise ProbeInputError(
                f"probe {self.name!r} does not support task {task!r}; it supports "
                f"{', '.join(self.tasks)} (see probes.available_probes)"
            )
        kwargs: dict[str, Any] = {}
        if "features" in self.needs:
            if features is None:
                raise ProbeInputError(
                    f"probe {self.name!r} needs features; pass the [N, D] feature matrix"
                )
            kwargs["features"] = features
        if "labels" in self.needs:
            if labels is None:
                raise ProbeInputError(f"probe {self.name!r} needs labels; pass one label per row")
            kwargs["labels"] = labels
        if "source_probs" in self.needs or "source_labels" in self.needs:
            if source_probs is None:
                raise ProbeInputError(
                    f"probe {self.name!r} needs source_probs (the source head's softmax); this "
                    "candidate has none, so leave the probe out for it"
                )
            if "source_probs" in self.needs:
                kwargs["source_probs"] = source_probs
            else:
                kwargs["source_labels"] = as_probabilities(source_probs).argmax(axis=1)
        if self.name == "logme" and task in ("multilabel", "regression"):
            kwargs["regression"] = True
        return kwargs


def infer_task(labels) -> str:
    """ "multiclass" for 1-D class labels, "multilabel" for a 0/1 matrix, else "regression"."""
    if labels is None:
        return "multiclass"
    array = np.asarray(labels)
    if array.ndim == 2 and array.shape[1] > 1:
        if array.dtype.kind in "biuf" and np.isin(array, (0, 1)).all():
            return "multilabel"
        return "regression"
    if (
        array.dtype.kind == "f"
        and np.isfinite(array).all()
        and not np.all(array == np.round(array))
    ):
        return "regression"
    return "multiclass"
