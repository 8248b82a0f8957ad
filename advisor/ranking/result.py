"""The result of a ranking: one record per candidate, best first, plus how it was made.

``build_ranking`` is the one place records are assembled, so ``advisor.rank`` and
``advisor.fuse`` (scores computed elsewhere) produce identical shapes. The records as CSV
and Markdown tables are in result_tables.py.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from advisor.errors import AdvisorError
from advisor.jsonable import dumps, to_jsonable
from advisor.ranking.explain import explain
from advisor.ranking.result_tables import csv_text, markdown_text

if TYPE_CHECKING:  # pragma: no cover
    from catalog import Entry


class Fused(Protocol):
    """What ``build_ranking`` reads of a fusion result (``fusion.FusionResult`` has it)."""

    final: pd.Series  # candidate -> final score, higher is better
    contributions: pd.DataFrame | None  # candidate x component
    method: str
    notes: list[str]


# Catalog facts copied into every record (None when the candidate is not in the catalog).
ENTRY_KEYS = ("params_m", "gmacs", "embed_dim", "imagenet_top1")
UNCERTAINTY_KEYS = ("rank_low", "rank_high", "p_best", "too_close")


@dataclass(frozen=True)
class Suggestion:
    """A cheaper candidate that is too close to call with the leader (see docs/trust.md)."""

    candidate: str
    instead_of: str
    reason: str


@dataclass
class Ranking:
    """Candidates best first, with what was measured and how sure the order is.

    ``settings`` holds the inputs (data, budget, seed, probes...) and the run's environment;
    everything the ranking found has a field of its own.
    """

    records: list[dict]
    probes: list[str]
    failures: dict[str, str] = field(default_factory=dict)  # candidate -> why it failed
    settings: dict = field(default_factory=dict)
    fusion: str = ""
    excluded: dict[str, str] = field(default_factory=dict)  # candidate -> budget it broke
    suggestion: Suggestion | None = None
    pareto_cost: str = ""  # the cost axis of each record's "pareto" flag: params_m|latency_ms
    notes: list[str] = field(default_factory=list)  # what a reader must know about the result
    probe_errors: dict[str, dict[str, str]] = field(default_factory=dict)
    race: dict | None = None  # the race that settled the close calls (advisor.race), as JSON
    # probe -> the weight the fusion gave it in this ranking (after agreement gating; 0: shown,
    # no say in the final score). Empty for rankings saved before it was recorded.
    probe_weights: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.suggestion, Mapping):  # as uncertainty and older JSON give it
            self.suggestion = Suggestion(**self.suggestion)

    @property
    def best(self) -> str:
        """The id of the top candidate (``records[0]`` has its full record)."""
        if not self.records:
            reasons = "; ".join(f"{k}: {v}" for k, v in self.failures.items()) or "no candidates"
            raise AdvisorError(f"the ranking is empty, so there is no best candidate ({reasons})")
        return str(self.records[0]["candidate"])

    @property
    def candidates(self) -> list[str]:
        return [r["candidate"] for r in self.records]

    def record(self, candidate: str) -> dict:
        """The record of ``candidate`` (AdvisorError naming the ranked ids when it is absent)."""
        for record in self.records:
            if record["candidate"] == candidate:
                return record
        raise AdvisorError(
            f"{candidate!r} is not in this ranking; pass one of {', '.join(self.candidates)}"
        )

    def __len__(self) -> int:
        return len(self.records)

    def to_pandas(self) -> pd.DataFrame:
        frame = pd.DataFrame.from_records(self.records)
        for probe in self.probes:  # nullable ints: a probe that was not computed has no rank
            if f"{probe}_rank" in frame.columns:
                frame[f"{probe}_rank"] = frame[f"{probe}_rank"].astype("Int64")
        return frame

    def to_dict(self) -> dict:
        """Plain JSON-ready structure (NaN and inf become None)."""
        return to_jsonable(
            {
                "ranking": self.records,
                "failures": self.failures,
                "excluded": self.excluded,
                "settings": self.settings,
                "probes": self.probes,
                "fusion": self.fusion,
                "suggestion": self.suggestion,
                "pareto_cost": self.pareto_cost,
                "notes": self.notes,
                "probe_errors": self.probe_errors,
                "race": self.race,
                "probe_weights": self.probe_weights,
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        return dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> Ranking:
        try:
            obj = json.loads(text)
            settings = dict(obj.get("settings", {}))
            # Files written before these outcomes had fields kept them in settings.
            legacy = {k: settings.pop(k) for k in _LEGACY_SETTINGS if k in settings}
            records = [_nan_for_none(r, obj.get("probes", [])) for r in obj["ranking"]]
            notes = list(obj.get("notes", legacy.get("fusion_notes") or []))
            if "notes" not in obj:  # written before the notes field: reconcile it now
                if legacy.get("bootstrap_error"):
                    notes.append(bootstrap_note(legacy["bootstrap_error"]))
                notes += reconcile(records)
            suggestion = obj.get("suggestion", legacy.get("suggestion"))
            return cls(
                records=records,
                probes=list(obj.get("probes", [])),
                failures=dict(obj.get("failures", {})),
                settings=settings,
                fusion=str(obj.get("fusion", "")),
                excluded=dict(obj.get("excluded", legacy.get("excluded") or {})),
                suggestion=suggestion or None,
                pareto_cost=str(obj.get("pareto_cost", legacy.get("pareto_cost")) or ""),
                notes=[str(n) for n in notes],
                probe_errors=dict(obj.get("probe_errors", legacy.get("probe_errors") or {})),
                race=obj.get("race"),
                probe_weights={
                    str(p): float(w) for p, w in (obj.get("probe_weights") or {}).items()
                },
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise AdvisorError(
                f"ranking JSON is not a saved ranking ({exc}); pass the output of "
                "`advisor rank --format json`"
            ) from None

    def to_csv(self) -> str:
        """One row per record; nested cells (``layer_scores``...) are strict JSON text."""
        return csv_text(self)

    def to_markdown(self, columns: list[str] | None = None) -> str:
        return markdown_text(self, columns)

    def __repr__(self) -> str:
        top = self.records[0]["candidate"] if self.records else None
        return (
            f"Ranking({len(self.records)} candidates, best={top!r}, probes={self.probes}, "
            f"failures={len(self.failures)})"
        )


# Outcome keys that older ranking files kept in ``settings``.
_LEGACY_SETTINGS = (
    "excluded",
    "suggestion",
    "pareto_cost",
    "fusion_notes",
    "bootstrap_error",
    "probe_errors",
    "fusion",
)


def bootstrap_note(error: str) -> str:
    return f"no rank ranges or P(best): the bootstrap could not run ({error})"


def build_ranking(
    scores: pd.DataFrame,
    entries: Mapping[str, Entry | None],
    fusion_result: Fused,
    *,
    extra: Mapping[str, Mapping] | pd.DataFrame | None = None,
    uncertainty: pd.DataFrame | None = None,
    failures: Mapping[str, str] | None = None,
    settings: Mapping | None = None,
    excluded: Mapping[str, str] | None = None,
    pareto_cost: str = "",
    notes: Sequence[str] = (),
    probe_errors: Mapping[str, Mapping[str, str]] | None = None,
) -> Ranking:
    """Assemble records from probe scores, catalog entries and a fusion result.

    scores: index = candidate id, one column per probe (higher is better, NaN = not computed).
    fusion_result: has ``final`` (Series, higher is better), ``contributions`` (DataFrame,
    candidate x component) and ``method``. extra: per-candidate keys merged into the
    record (extract_seconds, cached, probe_seconds...). uncertainty: rank_low, rank_high,
    p_best, too_close per candidate, and ``attrs["suggestion"]``. ``notes`` come first in
    ``Ranking.notes``, then the fusion's notes, then what ``reconcile`` finds.
    """
    scores = _as_frame(scores)
    probes = [str(c) for c in scores.columns]
    final = pd.Series(fusion_result.final, dtype=float)
    candidates = list(dict.fromkeys([*map(str, scores.index), *map(str, final.index)]))
    final = final.reindex(candidates)
    scores = scores.reindex(candidates)
    probe_ranks = scores.rank(axis=0, ascending=False, method="min")
    contributions = getattr(fusion_result, "contributions", None)
    extra_rows = _extra_rows(extra)

    # Best first; candidates without a final score go last; ties by id for stability.
    order = sorted(
        candidates,
        key=lambda c: (math.isnan(final[c]), -_num(final[c], 0.0), c),
    )
    records = []
    for position, candidate in enumerate(order, start=1):
        entry = entries.get(candidate) if entries else None
        record: dict[str, Any] = {
            "candidate": candidate,
            "rank": position,
            "final_score": _num(final[candidate]),
        }
        if uncertainty is not None and candidate in uncertainty.index:
            for key in UNCERTAINTY_KEYS:
                if key in uncertainty.columns:
                    record[key] = _plain(uncertainty.at[candidate, key])
        for probe in probes:
            record[probe] = _num(scores.at[candidate, probe])
        for probe in probes:
            rank = probe_ranks.at[candidate, probe]
            record[f"{probe}_rank"] = None if math.isnan(rank) else int(rank)
        for key in ENTRY_KEYS:
            record[key] = _plain(getattr(entry, key, None)) if entry is not None else None
        record["availability"] = _availability(entry)
        record.update({k: _plain(v) for k, v in extra_rows.get(candidate, {}).items()})
        record["why"] = explain(candidate, record, probes, len(candidates), contributions)
        records.append(record)

    suggestion = uncertainty.attrs.get("suggestion") if uncertainty is not None else None
    return Ranking(
        records=records,
        probes=probes,
        failures=dict(failures or {}),
        settings=dict(settings or {}),
        fusion=str(getattr(fusion_result, "method", "")),
        excluded=dict(excluded or {}),
        suggestion=suggestion or None,
        pareto_cost=pareto_cost,
        notes=[*notes, *map(str, getattr(fusion_result, "notes", None) or []), *reconcile(records)],
        probe_errors={str(k): dict(v) for k, v in (probe_errors or {}).items()},
        probe_weights=_probe_weights(fusion_result, probes),
    )


def _probe_weights(fusion_result: Fused, probes: list[str]) -> dict[str, float]:
    """The fusion's effective weight of every probe of the ranking (0 when it had no say);
    empty when the fusion result does not record them."""
    used = getattr(fusion_result, "probe_weights", None)
    if used is None:
        return {}
    return {p: float(used.get(p, 0.0)) for p in probes}


def reconcile(records: list[dict]) -> list[str]:
    """Make the order and P(best) agree; the notes that say where they differ.

    The order is the point estimate (final score on the whole subsample). When the bootstrap
    gives another candidate a higher P(best) than rank 1, both are marked ``too_close`` and
    a note names them, so no screen shows a confident leader that the resamples doubt.
    """
    scored = [r for r in records if _finite(r.get("p_best"))]
    if len(scored) < 2 or scored[0] is not records[0]:
        return []
    leader = records[0]
    favourite = max(scored, key=lambda r: (r["p_best"], r is leader))  # ties keep the leader
    if favourite is leader:
        return []
    leader["too_close"] = favourite["too_close"] = True
    return [
        f"too close to call: {favourite['candidate']} wins more bootstrap resamples "
        f"(P(best) {favourite['p_best']:.2f}) than the top-ranked {leader['candidate']} "
        f"({leader['p_best']:.2f}); the order follows the scores on the whole subsample"
    ]


def _availability(entry: Any) -> str | None:
    if entry is None:
        return None
    from catalog import availability

    try:
        return availability(entry)
    except Exception:  # noqa: BLE001 - availability must never break a result
        return None


def _as_frame(scores: pd.DataFrame | list[dict] | Mapping) -> pd.DataFrame:
    if isinstance(scores, pd.DataFrame):
        frame = scores.copy()
    elif isinstance(scores, list):
        frame = pd.DataFrame.from_records(scores)
        if "candidate" not in frame.columns:
            raise AdvisorError("scores records need a 'candidate' key naming each candidate")
        frame = frame.set_index("candidate")
    else:
        frame = pd.DataFrame.from_dict(dict(scores), orient="index")
    frame.index = frame.index.map(str)
    return frame.apply(pd.to_numeric, errors="coerce").astype(float)


def _extra_rows(extra: Mapping[str, Mapping] | pd.DataFrame | None) -> dict[str, dict]:
    if extra is None:
        return {}
    if isinstance(extra, pd.DataFrame):
        return {str(k): row.to_dict() for k, row in extra.iterrows()}
    return {str(k): dict(v) for k, v in extra.items()}


def _num(value: Any, default: float = math.nan) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(number) and not math.isnan(default) else number


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars so records compare and serialise simply."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _nan_for_none(record: dict, probes: list[str]) -> dict:
    """JSON null -> NaN for numeric keys, so a reloaded ranking equals the original."""
    numeric = {"final_score", "p_best", *probes}
    return {k: (math.nan if v is None and k in numeric else v) for k, v in record.items()}


def _finite(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and math.isfinite(float(value))
