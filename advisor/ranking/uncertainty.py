"""How sure is the ranking? Resample the probe subsample, recompute probes, re-fuse.

Each replicate draws half of the examples of every class without replacement (the same rows
for every candidate, so candidates are compared on identical data), recomputes the probes
(through the probe cache, so a replicate seen before is not recomputed; probes the fusion's
fit gives no weight keep their full-sample column) and fuses them with the same priors and
signals; a clear leader may stop it after ``early_stop`` replicates. Half-sampling
estimates the same spread as the classical bootstrap (Efron & Tibshirani 1993, ch. 10)
without duplicated rows, which would flatter neighbour-based probes (a duplicate is its
own nearest neighbour).

Per candidate: the 5–95 % interval of its rank (widened to include the point rank when it
is given), P(best) (ties share the win), and ``too_close`` when its interval overlaps the
leader's. ``frame.attrs["suggestion"]`` names the cheapest candidate among the leader and
those too close to call, when it is not the leader.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from contextlib import nullcontext

import numpy as np
import pandas as pd

from advisor.data.sampling import half_sample
from advisor.errors import Cancelled

COLUMNS = ("rank_low", "rank_high", "p_best", "too_close")


def _project(featureset, max_dim: int | None):
    """The featureset with features on their top ``max_dim`` principal axes (full width when
    already narrower). Rank-preserving enough for intervals, and much cheaper to probe."""
    from dataclasses import replace

    x = np.asarray(featureset.features, dtype=np.float32)
    if max_dim is None or x.shape[1] <= max_dim or x.shape[0] <= max_dim:
        return featureset
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return replace(featureset, features=np.ascontiguousarray(centred @ vt[:max_dim].T))


def _subset(featureset, rows: np.ndarray):
    from dataclasses import replace

    probs = featureset.source_probs
    targets = getattr(featureset, "targets", None)  # regression / multilabel: resample them too
    return replace(
        featureset,
        features=featureset.features[rows],
        source_probs=None if probs is None else probs[rows],
        labels=featureset.labels[rows],
        targets=None if targets is None else targets[rows],
    )


def bootstrap_ranks(
    featuresets: Mapping[str, object],
    probe_names,
    entries: Mapping[str, object | None],
    *,
    n_boot: int = 50,
    seed: int = 0,
    signals=None,
    cancel=None,
    point: pd.Series | None = None,
    costs: Mapping[str, float] | None = None,
    fraction: float = 0.5,
    max_dim: int | None = 128,
    on_resample=None,
    cache=None,
    scores: pd.DataFrame | None = None,
    early_stop: int | None = None,
    scale_reference=None,
) -> pd.DataFrame:
    """Rank intervals, P(best) and "too close to call" per candidate (see module doc).

    ``point``: the point-estimate final scores (fixes the leader and widens intervals to
    contain the point rank); computed from the full featuresets when None (pass rank()'s
    to save that pass). ``costs``: candidate -> cost for the suggestion (default: the cost
    axis of ``advisor.ranking.cost``: parameters from the catalog, else measured latency).
    ``max_dim``: replicates score each candidate's features projected on their top
    ``max_dim`` principal axes (one SVD per candidate, reused by every replicate, made only
    when some replicate is not cached): several times cheaper for 1000-wide embeddings;
    None keeps the full width. ``on_resample(done, total)`` is called after each replicate.
    ``cache``: a ProbeCache (or FeatureCache; None: none) for every replicate's probe
    results, so a re-rank on the same evidence re-runs only the fusion.
    ``scores``: the full-sample probe table (rank()'s); probes it gives no weight in the
    fusion's fit are not recomputed per replicate (``inert_probes``): their full-sample
    column stands in. Exact as long as the replicate's fit gives them no weight either
    (checked: a replicate where it would is re-probed in full) and the real replicate
    column would also have scores that are not all equal.
    ``early_stop``: when the point leader alone wins each of the first ``early_stop``
    replicates, stop there (its P(best) is then 1; intervals from those replicates); None
    runs all ``n_boot``. ``frame.attrs["resamples"]`` says how many ran. The agreement with the
    full run is measured by benchmarks/bootstrap_check.py (docs/ranking.md).
    ``scale_reference``: as fuse_scores takes it, the same for every replicate.
    """
    from advisor.ranking import probe_cache, scoring

    candidates = list(featuresets)
    if n_boot < 1 or len(candidates) < 2:
        raise ValueError(
            f"n_boot must be >= 1 and there must be >= 2 candidates "
            f"(got n_boot={n_boot}, {len(candidates)} candidates)"
        )
    labels = np.asarray(next(iter(featuresets.values())).labels)
    for cid, fs in featuresets.items():
        if len(fs.labels) != len(labels) or not np.array_equal(fs.labels, labels):
            raise ValueError(
                f"featuresets[{cid!r}] has different labels from the others; "
                "every candidate must be scored on the same examples"
            )
    store = probe_cache.resolve(cache)
    first = next(iter(featuresets.values()))
    has_source = any(fs.source_probs is not None for fs in featuresets.values())
    plans = scoring.plan_probes(
        probe_names, has_source_head=has_source, task=scoring.task_of(first)
    )
    if point is None or scores is None:  # the full-sample ranking, exactly as rank() does it
        scores = scoring.compute_probe_scores(featuresets, probe_names, seed=seed, cache=store)
        if point is None:
            point = _fuse(scores, entries, signals, scale_reference).final
    fuse = _FusionMemo(entries, signals, scale_reference)
    if costs is None:
        costs = _comparable_costs(entries, featuresets)
    memo_key = None
    if store is not None and all(probe_cache.cacheable(p) for p in plans):
        # The same evidence and fusion inputs: the same answer, at once.
        memo_key = _result_key(featuresets, plans, scores, point, costs, fuse.context)
        memo_key += f"|{n_boot}|{seed}|{fraction!r}|{max_dim}|{early_stop}"
        if memo_key in _RESULTS:
            known = _RESULTS[memo_key]
            if on_resample is not None:
                on_resample(n_boot, n_boot)
            out = known.copy()
            out.attrs = copy.deepcopy(known.attrs)
            return out
    inert = inert_probes(scores, [p.name for p in plans], entries)
    replicate = _Replicates(featuresets, plans, store, seed, fraction, max_dim, cancel)
    rng = np.random.default_rng(seed)
    ranks = np.zeros((n_boot, len(candidates)))
    wins = np.zeros(len(candidates))
    leader = int(np.argmin(_ranks(point.reindex(candidates).fillna(-np.inf).to_numpy(float))))
    done = n_boot
    with store.batch() if store is not None else nullcontext():
        for b in range(n_boot):
            if cancel is not None and cancel.is_set():
                raise Cancelled("uncertainty bootstrap cancelled")
            rows = half_sample(labels, rng, fraction)
            table = replicate.scores(b, rows, skip=inert)
            for name in inert:  # the full-sample column stands in (see the docstring)
                table[name] = scores[name].reindex(table.index)
            weights = fitted_weights(table, entries) if inert else {}
            if any(weights.get(name, 0.0) != 0.0 for name in inert):
                table = replicate.scores(b, rows, skip=())  # that probe has a say here
            final, _ = fuse(table)
            values = final.reindex(candidates).fillna(-np.inf).to_numpy(float)
            ranks[b] = _ranks(values)
            best = np.flatnonzero(values == values.max())
            wins[best] += 1.0 / len(best)
            if on_resample is not None:
                on_resample(b + 1, n_boot)
            if early_stop and b + 1 == early_stop < n_boot and wins[leader] == early_stop:
                done = early_stop  # the leader won every one alone: a clear call (see doc)
                if on_resample is not None:
                    on_resample(n_boot, n_boot)
                break
    frame = summarise(candidates, ranks[:done], wins / done, point, costs)
    frame.attrs["inert_probes"] = list(inert)
    frame.attrs["resamples"] = done
    if memo_key is not None:
        if len(_RESULTS) > 256:
            _RESULTS.clear()
        _RESULTS[memo_key] = frame.copy()
        _RESULTS[memo_key].attrs = copy.deepcopy(frame.attrs)
    return frame


_RESULTS: dict[str, pd.DataFrame] = {}  # in-process: bootstrap results by all their inputs


def _ranks(values: np.ndarray) -> np.ndarray:
    """Rank 1 = highest; ties share the best rank (pandas' method="min")."""
    return 1 + (values[None, :] > values[:, None]).sum(axis=1)


def _clear_memos() -> None:
    _RESULTS.clear()
    _FusionMemo._memo.clear()


def _result_key(featuresets, plans, scores, point, costs, context) -> str:
    import hashlib

    from advisor.ranking import probe_cache

    h = hashlib.sha256(context.encode())
    for c, fs in featuresets.items():
        h.update(f"{c}={probe_cache.fingerprint(fs)};".encode())
    for spec in plans:
        h.update(probe_cache.spec_key(spec).encode())
    for series in (scores, point):
        frame = pd.DataFrame(series)
        h.update(repr((list(frame.index), list(frame.columns))).encode())
        h.update(frame.to_numpy(dtype=float, na_value=np.nan).tobytes())
    h.update(repr(sorted((str(k), float(v)) for k, v in (costs or {}).items())).encode())
    return h.hexdigest()


def inert_probes(scores: pd.DataFrame, names, entries) -> list[str]:
    """Probes with no say in this fusion (before any agreement gate, which depends on the
    values): their values cannot move ``final``, only whether they count as computed,
    which picks the fitted weight set (FusionParams.for_probes)."""
    weights = fitted_weights(scores, entries)
    return [n for n in names if n in weights and weights[n] == 0.0]


def fitted_weights(table: pd.DataFrame, entries) -> dict[str, float]:
    """The fixed say of each probe fuse_scores would weigh (gates aside; FusionParams.say):
    the columns with a score, and, for several candidates, at least two distinct ones."""
    from advisor.ranking.fusion import _distinct
    from advisor.ranking.fusion_params import load_params, task_group_of

    columns = [c for c in table.columns if table[c].notna().any()]
    if len(table.index) > 1:
        columns = [c for c in columns if _distinct(table[c]) >= 2]
    return load_params().for_group(task_group_of(entries)).say(columns)


def _fuse(scores, entries, signals, scale_reference=None):
    from advisor.ranking.fusion import fuse_scores

    return fuse_scores(scores, entries, signals, scale_reference=scale_reference)


class _Replicates:
    """Probe scores of bootstrap replicate ``b`` (its rows given), through the probe cache.

    Every candidate's replicates share one cache group (its fingerprint, the projection and
    the fraction); each entry's key adds the digest of the replicate's rows and its seed.
    The projection is made only when some probe must really run."""

    def __init__(self, featuresets, plans, store, seed, fraction, max_dim, cancel):
        from advisor.ranking import probe_cache

        self.featuresets, self.plans, self.store = featuresets, plans, store
        self.seed, self.max_dim, self.cancel = seed, max_dim, cancel
        self.reduced: dict[str, object] = {}
        self.groups, self.set_group = {}, None
        if store is not None:
            fps = {c: probe_cache.fingerprint(fs) for c, fs in featuresets.items()}
            how = f"max_dim={max_dim};fraction={fraction!r}"
            self.groups = {c: probe_cache.group_key("boot", fp, how) for c, fp in fps.items()}
            self.set_group = probe_cache.group_key(
                "bootset", how, *[f"{c}={fp}" for c, fp in fps.items()]
            )

    def projected(self, candidate: str):
        if candidate not in self.reduced:
            self.reduced[candidate] = _project(self.featuresets[candidate], self.max_dim)
        return self.reduced[candidate]

    def scores(self, b: int, rows: np.ndarray, skip) -> pd.DataFrame:
        from advisor.ranking import probe_cache, scoring

        plans = [p for p in self.plans if p.name not in skip]
        digest = probe_cache.rows_digest(rows)
        seed = self.seed + b + 1
        out, errors, seconds = {}, {}, {}
        for c, fs in self.featuresets.items():
            result = scoring.score_candidate(
                fs,
                plans,
                seed=seed,
                cancel=self.cancel,
                cache=self.store,
                group=self.groups.get(c),
                build=lambda c=c: _subset(self.projected(c), rows),
                rows=digest,
            )
            out[c], seconds[c] = result.scores, result.seconds
            if result.errors:
                errors[c] = result.errors
        set_scores, set_errors = scoring.score_set_level(
            self.featuresets,
            plans,
            seed=seed,
            cancel=self.cancel,
            cache=self.store,
            group=self.set_group,
            build=lambda: {c: _subset(self.projected(c), rows) for c in self.featuresets},
            rows=digest,
        )
        return scoring.assemble_frame(out, set_scores, self.plans, errors, set_errors, seconds)


class _FusionMemo:
    """fuse_scores(...).final and probe weights, remembered per table: a warm re-rank's
    replicates re-fuse identical tables, and the fusion's pandas work is most of its time."""

    _memo: dict[str, tuple] = {}  # shared: one process, one set of fusion parameters

    def __init__(self, entries, signals, scale_reference=None):
        from advisor.ranking.fusion_params import load_params

        parts = [repr(load_params())]
        parts += [f"{c}={entries[c]!r}" for c in sorted(entries, key=str)]
        if signals is not None:
            parts.append(repr(pd.DataFrame(signals).to_dict()))
        if scale_reference is not None:
            parts.append(repr(scale_reference.scores.to_dict()))
            parts += [f"{c}={e!r}" for c, e in sorted(scale_reference.entries.items())]
        self.context = "\x1f".join(parts)
        self.entries, self.signals, self.scale_reference = entries, signals, scale_reference

    def __call__(self, table: pd.DataFrame) -> tuple[pd.Series, dict]:
        import hashlib

        h = hashlib.sha256(self.context.encode())
        h.update(repr((list(table.index), list(table.columns))).encode())
        h.update(table.to_numpy(dtype=float, na_value=np.nan).tobytes())
        key = h.hexdigest()
        known = self._memo.get(key)
        if known is None:
            fused = _fuse(table, self.entries, self.signals, self.scale_reference)
            known = (fused.final, dict(fused.probe_weights))
            if len(self._memo) > 4096:  # a few KB each
                self._memo.clear()
            self._memo[key] = known
        return known


def summarise(candidates, ranks: np.ndarray, p_best: np.ndarray, point=None, costs=None):
    """Intervals and flags from a [replicates x candidates] matrix of ranks."""
    low = np.floor(np.percentile(ranks, 5, axis=0, method="lower")).astype(int)
    high = np.ceil(np.percentile(ranks, 95, axis=0, method="higher")).astype(int)
    frame = pd.DataFrame({"rank_low": low, "rank_high": high, "p_best": p_best}, index=candidates)
    if point is not None:
        point_rank = (
            pd.Series(point, dtype=float)
            .reindex(candidates)
            .fillna(-np.inf)
            .rank(ascending=False, method="min")
            .astype(int)
        )
        frame["rank_low"] = np.minimum(frame["rank_low"], point_rank)
        frame["rank_high"] = np.maximum(frame["rank_high"], point_rank)
        leader = str(point_rank.idxmin())
    else:
        median = pd.Series(np.median(ranks, axis=0), index=candidates)
        leader = str(max(candidates, key=lambda c: (frame.at[c, "p_best"], -median[c])))
    frame["too_close"] = [
        c != leader and frame.at[c, "rank_low"] <= frame.at[leader, "rank_high"] for c in candidates
    ]
    frame.attrs["leader"] = leader
    frame.attrs["suggestion"] = _suggestion(frame, leader, costs or {})
    return frame


def _suggestion(frame: pd.DataFrame, leader: str, costs: Mapping[str, float]) -> dict | None:
    close = [c for c in frame.index if frame.at[c, "too_close"]]
    pool = [c for c in [leader, *close] if _finite(costs.get(c))]
    if not close or leader not in pool:
        return None
    cheapest = min(pool, key=lambda c: (costs[c], c))
    if cheapest == leader or costs[cheapest] >= costs[leader]:
        return None
    return {
        "candidate": cheapest,
        "instead_of": leader,
        "reason": f"too close to call with {leader} (P(best) {frame.at[cheapest, 'p_best']:.2f} "
        f"vs {frame.at[leader, 'p_best']:.2f}) and cheaper "
        f"({costs[cheapest]:.3g} vs {costs[leader]:.3g})",
    }


def _comparable_costs(entries, featuresets) -> dict[str, float]:
    """The cost axis of ``advisor.ranking.cost`` (parameters, else measured latency)."""
    from advisor.ranking.cost import candidate_costs, cost_axis

    _, cost = cost_axis(candidate_costs(entries, featuresets))
    return {str(c): float(v) for c, v in cost.items() if _finite(v)}


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _register() -> None:
    from advisor.ranking import probe_cache

    probe_cache.on_clear(_clear_memos)


_register()
