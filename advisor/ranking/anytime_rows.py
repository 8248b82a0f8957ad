"""The rows of an anytime ranking: nested round subsamples and each candidate's features
gathered round by round (advisor.ranking.anytime runs the rounds)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from advisor.data.sampling import allocate

START = 200  # examples in the first round
GROWTH = 2  # each round this many times the last
MIN_STEP = 1.5  # a last step smaller than this ratio is merged into the cap


def round_plan(
    labels: np.ndarray,
    *,
    cap: int,
    seed: int = 0,
    min_per_class: int = 10,
    start: int | None = None,
    growth: float | None = None,
) -> list[np.ndarray]:
    """Sorted row indices of every round; each round contains the one before.

    Every class is permuted once with ``advisor.data.subsample``'s seeded generator and a
    round takes a prefix of each permutation, so the last round is ``subsample(cap)``'s rows.
    """
    labels = np.asarray(labels)
    counts = np.bincount(labels) if labels.size else np.zeros(0, dtype=np.int64)
    floors = np.minimum(counts, max(int(min_per_class), 2))  # a probe needs 2 per class
    rng = np.random.default_rng(seed)
    orders = [rng.permutation(np.flatnonzero(labels == c)) for c in range(len(counts)) if counts[c]]
    present = np.flatnonzero(counts)
    sizes = _sizes(len(labels), cap, start or START, growth or GROWTH)
    plan: list[np.ndarray] = []
    quotas = np.zeros(len(counts), dtype=np.int64)
    for size in sizes:
        if size >= len(labels):
            wanted = counts.copy()
        else:
            wanted = allocate(counts, int(size), floors)
        quotas = np.maximum(quotas, wanted)  # never fewer rows of a class than the last round
        rows = np.sort(
            np.concatenate([o[: quotas[c]] for c, o in zip(present, orders, strict=True)])
        )
        if not plan or len(rows) > len(plan[-1]):
            plan.append(rows.astype(np.int64))
    return plan


def _sizes(n: int, cap: int, start: int, growth: float) -> list[int]:
    cap = max(2, min(int(cap), n))
    sizes, size = [], max(2, min(int(start), cap))
    while size < cap:
        sizes.append(size)
        size = int(math.ceil(size * growth))
    if sizes and cap / sizes[-1] < MIN_STEP and len(sizes) > 1:
        sizes.pop()  # 1600 -> 1797 would embed little and cost a whole re-rank
    return [*sizes, cap]


@dataclass
class Pieces:
    """One candidate's features, round by round: the rows (positions in the data) of each
    extraction and its FeatureSet; ``assemble`` orders them as the data's rows."""

    rows: list[np.ndarray] = field(default_factory=list)
    sets: list[Any] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(sum(len(r) for r in self.rows))

    def seen(self) -> np.ndarray:
        return np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.int64)

    def fresh_seconds(self) -> float:
        """Extraction seconds spent in this call (0 for rows read from the cache)."""
        return float(sum(fs.seconds or 0.0 for fs in self.sets if not fs.cached))

    def add(self, rows: np.ndarray, featureset: Any) -> None:
        self.rows.append(np.asarray(rows, dtype=np.int64))
        self.sets.append(featureset)

    def drop(self, bad: set[int]) -> None:
        """Leave out rows found unreadable later (another candidate's cached rows)."""
        for i, (rows, fs) in enumerate(zip(self.rows, self.sets, strict=True)):
            keep = ~np.isin(rows, list(bad))
            if not keep.all():
                self.rows[i], self.sets[i] = rows[keep], _take(fs, np.flatnonzero(keep))

    def computed_seconds(self) -> float:
        """Extraction seconds of every row used, measured now or when the rows were cached."""
        return float(sum(_computed(fs) for fs in self.sets))

    def assemble(self, data: Any) -> Any:
        rows = np.concatenate(self.rows)
        order = np.argsort(rows, kind="stable")
        sets = self.sets
        first = sets[0]

        def stack(name: str):
            parts = [getattr(fs, name) for fs in sets]
            return None if parts[0] is None else np.concatenate(parts)[order]

        layers = None
        if first.layers is not None:
            layers = {k: np.concatenate([fs.layers[k] for fs in sets])[order] for k in first.layers}
        fresh = [fs for fs in sets if not fs.cached]
        stats = _merged_stats(sets)
        stats["computed_seconds"] = self.computed_seconds()
        fields = dict(
            features=stack("features"),
            source_probs=stack("source_probs"),
            labels=np.asarray(data.labels)[rows[order]],
            seconds=float(sum(fs.seconds for fs in fresh)),
            cached=not fresh,
            stats=stats,
            layers=layers,
        )
        if hasattr(first, "targets"):  # regression / multilabel targets travel with the rows
            fields["targets"] = stack("targets")
        return replace(first, **fields)


def _take(featureset: Any, positions: np.ndarray) -> Any:
    def cut(value):
        return None if value is None else np.asarray(value)[positions]

    fields = dict(
        features=cut(featureset.features),
        source_probs=cut(featureset.source_probs),
        labels=cut(featureset.labels),
    )
    if featureset.layers is not None:
        fields["layers"] = {k: cut(v) for k, v in featureset.layers.items()}
    if getattr(featureset, "targets", None) is not None:
        fields["targets"] = cut(featureset.targets)
    return replace(featureset, **fields)


def _computed(featureset: Any) -> float:
    if not featureset.cached:
        return float(featureset.seconds or 0.0)
    return float((featureset.stats or {}).get("computed_seconds", 0.0) or 0.0)


def _merged_stats(sets: Sequence[Any]) -> dict:
    """Numeric extraction stats averaged over the rows; the rest from the latest round."""
    merged: dict = {}
    weights: dict[str, list[tuple[float, int]]] = {}
    for fs in sets:
        for key, value in (fs.stats or {}).items():
            if isinstance(value, int | float | np.number) and not isinstance(value, bool):
                weights.setdefault(key, []).append((float(value), len(fs.labels)))
            else:
                merged[key] = value
    for key, pairs in weights.items():
        total = sum(n for _, n in pairs)
        merged[key] = sum(v * n for v, n in pairs) / total if total else pairs[-1][0]
    seconds = sum(_computed(fs) for fs in sets)
    if seconds > 0:
        merged["examples_per_second"] = round(sum(len(fs.labels) for fs in sets) / seconds, 2)
    return merged
