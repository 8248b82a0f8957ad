"""What each candidate costs, budgets on that cost, and the quality/cost Pareto front:
the one place for each of these rules.

Cost facts per candidate: parameters (millions) and GMACs from the catalog, and the
extraction latency measured on *this* machine (FeatureSet.seconds / examples; for a cache
hit, the seconds recorded when the features were computed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from advisor.errors import AdvisorError

COST_COLUMNS = ("params_m", "gmacs", "latency_ms")


def candidate_costs(
    entries: Mapping[str, object | None], featuresets: Mapping[str, object] | None = None
) -> pd.DataFrame:
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


def over_budget(
    *,
    params_m: float | None = None,
    latency_ms: float | None = None,
    max_params_m: float | None = None,
    max_latency_ms: float | None = None,
) -> str | None:
    """Why a candidate with these costs is over the budgets, or None when it fits.

    The one budget rule (``rank``, its candidate loop and the TUI all call it), with one
    message format: "<cost> is over <budget>=<limit>". An unknown (None or NaN) cost fits:
    there is nothing to hold against the candidate.
    """
    params, latency = _float(params_m), _float(latency_ms)
    if max_params_m is not None and params > max_params_m:
        return f"{params:g}M parameters is over max_params_m={max_params_m:g}"
    if max_latency_ms is not None and latency > max_latency_ms:
        return f"{latency:.2f} ms/example measured is over max_latency_ms={max_latency_ms:g}"
    return None


def within_budget(
    costs: pd.DataFrame, *, max_params_m: float | None = None, max_latency_ms: float | None = None
) -> tuple[list[str], dict[str, str]]:
    """(candidates of a ``candidate_costs`` frame that fit, {excluded candidate: reason}).

    A candidate whose cost is unknown is kept (``over_budget``), unless the budget is on a
    cost nobody knows, which is an error: the budget could not be applied.
    """
    from advisor import validation

    validation.check(validation.MAX_PARAMS_M, max_params_m)
    validation.check(validation.MAX_LATENCY_MS, max_latency_ms)
    if max_latency_ms is not None and costs["latency_ms"].isna().all():
        raise AdvisorError(
            "max_latency_ms needs measured extraction times, and none were "
            "recorded; rank again without a warm cache, or drop the latency budget"
        )
    kept, excluded = [], {}
    for cid, row in costs.iterrows():
        reason = over_budget(
            params_m=row["params_m"],
            latency_ms=row["latency_ms"],
            max_params_m=max_params_m,
            max_latency_ms=max_latency_ms,
        )
        if reason is None:
            kept.append(str(cid))
        else:
            excluded[str(cid)] = reason
    return kept, excluded


def cost_axis(costs: pd.DataFrame) -> tuple[str, pd.Series]:
    """The one cost that candidates are compared on (Pareto front, cheaper suggestion):
    parameters when the catalog knows them for every candidate, else measured latency."""
    column = "params_m" if costs["params_m"].notna().all() else "latency_ms"
    return column, costs[column]


def pareto_front(quality: pd.Series, cost: pd.Series) -> list:
    """The candidates no other candidate dominates, ordered by increasing cost.

    Tie rule: a point is dominated when another is at least as good on both axes (quality
    at least as high, cost at most as low) and strictly better on one; so equal points are
    both on the front. Candidates with NaN quality or cost are left out.
    """
    frame = pd.concat(
        [pd.Series(quality, dtype=float).rename("q"), pd.Series(cost, dtype=float).rename("c")],
        axis=1,
    ).dropna()
    q, c = frame["q"].to_numpy(), frame["c"].to_numpy()
    front = []
    for i, cid in enumerate(frame.index):
        dominated = np.any((q >= q[i]) & (c <= c[i]) & ((q > q[i]) | (c < c[i])))
        if not dominated:
            front.append(cid)
    return sorted(front, key=lambda k: (frame.at[k, "c"], -frame.at[k, "q"], str(k)))


def pareto_flags(final, entries, featuresets) -> tuple[dict[str, bool], str]:
    """On the front of final score against parameters (or measured latency when unknown),
    per candidate, and the cost axis used."""
    column, cost = cost_axis(candidate_costs(entries, featuresets))
    front = set(pareto_front(final, cost))
    return {c: c in front for c in featuresets}, column


def _float(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan
