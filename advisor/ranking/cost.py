"""What each candidate costs, budgets on that cost, and the quality/cost Pareto front.

Cost facts per candidate: parameters (millions) and GMACs from the catalog, and the
extraction latency measured on *this* machine (FeatureSet.seconds / examples; for a cache
hit, the seconds recorded when the features were computed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from advisor.errors import AdvisorError

COST_COLUMNS = ("params_m", "gmacs", "latency_ms")


def candidate_costs(entries: Mapping[str, object | None],
                    featuresets: Mapping[str, object] | None = None) -> pd.DataFrame:
    """candidate x (params_m, gmacs, latency_ms); NaN where unknown.

    ``latency_ms`` is the measured wall time of the forward passes per example, on this
    machine, with the batch size used for extraction.
    """
    rows = {}
    for cid in dict.fromkeys([*entries, *(featuresets or {})]):
        entry = entries.get(cid)
        rows[cid] = {
            "params_m": _float(getattr(entry, "params_m", None)),
            "gmacs": _float(getattr(entry, "gmacs", None)),
            "latency_ms": measured_latency_ms((featuresets or {}).get(cid)),
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(COST_COLUMNS)).astype(float)


def measured_latency_ms(featureset) -> float:
    """Milliseconds per example of feature extraction; NaN when it was never timed."""
    if featureset is None:
        return math.nan
    n = len(featureset.labels)
    seconds = float(getattr(featureset, "seconds", 0.0) or 0.0)
    if seconds <= 0:  # a cache hit: use the time recorded when the features were computed
        seconds = float((getattr(featureset, "stats", None) or {}).get("computed_seconds", 0.0))
    return 1000.0 * seconds / n if n and seconds > 0 else math.nan


def within_budget(costs: pd.DataFrame, *, max_params: float | None = None,
                  max_latency_ms: float | None = None) -> tuple[list[str], dict[str, str]]:
    """(candidates that fit, {excluded candidate: reason}).

    A candidate whose cost is unknown is kept (with nothing to hold against it) unless the
    budget is on a cost nobody knows, which is an error: the budget could not be applied.
    """
    for name, value in (("max_params", max_params), ("max_latency_ms", max_latency_ms)):
        if value is not None and not (isinstance(value, int | float) and value > 0):
            raise AdvisorError(f"{name} must be a positive number (got {value!r})")
    kept, excluded = [], {}
    for cid, row in costs.iterrows():
        if max_params is not None and row["params_m"] > max_params:
            excluded[cid] = f"{row['params_m']:.1f}M parameters > --max-params {max_params:g}"
        elif max_latency_ms is not None and row["latency_ms"] > max_latency_ms:
            excluded[cid] = (f"{row['latency_ms']:.2f} ms/example measured > "
                             f"--max-latency {max_latency_ms:g}")
        else:
            kept.append(str(cid))
    if max_latency_ms is not None and costs["latency_ms"].isna().all():
        raise AdvisorError("--max-latency needs measured extraction times, and none were "
                           "recorded; run the ranking without a warm cache or drop --max-latency")
    return kept, excluded


def pareto_front(quality: pd.Series, cost: pd.Series) -> list[str]:
    """Candidates no other candidate beats on both axes (higher quality AND lower cost).

    Ordered by increasing cost. Candidates with NaN quality or cost are left out.
    """
    frame = pd.concat([pd.Series(quality, dtype=float).rename("q"),
                       pd.Series(cost, dtype=float).rename("c")], axis=1).dropna()
    q, c = frame["q"].to_numpy(), frame["c"].to_numpy()
    front = []
    for i, cid in enumerate(frame.index):
        dominated = np.any((q >= q[i]) & (c <= c[i]) & ((q > q[i]) | (c < c[i])))
        if not dominated:
            front.append(cid)
    return sorted(front, key=lambda k: (frame.at[k, "c"], -frame.at[k, "q"], str(k)))


def pareto_flags(records: Sequence[Mapping], cost_key: str = "params_m") -> dict[str, bool]:
    """{candidate: on the front of final_score vs ``cost_key``} for ranking records."""
    quality = pd.Series({r["candidate"]: r.get("final_score") for r in records}, dtype=float)
    cost = pd.Series({r["candidate"]: r.get(cost_key) for r in records}, dtype=float)
    front = set(pareto_front(quality, cost))
    return {r["candidate"]: r["candidate"] in front for r in records}


def _float(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan
