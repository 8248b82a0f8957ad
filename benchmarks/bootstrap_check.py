"""Does the cheaper bootstrap agree with the 30-resample one it replaces? Prints, per dataset.

``reference`` is the bootstrap as it was before the probe cache (written out here, on
purpose independent of advisor/ranking/uncertainty.py): 30 stratified half-samples, every
probe recomputed on each, re-fused. ``exact`` is today's ``bootstrap_ranks`` with
``early_stop=None`` (probes the fusion gives no weight are not recomputed; checked per
replicate), ``early`` the same with ``early_stop=10``. Both run on an empty probe cache, so
their seconds are cold. Reported: seconds, resamples run, max |ΔP(best)| against the
reference, how many candidates' 5–95 % rank intervals differ and by how many ranks at most.

    python -m benchmarks.bootstrap_check [--datasets digits,fashion-mnist,tweets]
                                         [--budget 300] [--resamples 30] [--models A,B]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

import numpy as np

DEFAULT_DATASETS = ("digits", "fashion-mnist", "tweets")


def evidence(name: str, *, budget: int, seed: int = 0, models=None):
    """(featuresets, entries, signals, scores, point) exactly as advisor.rank builds them."""
    from advisor.data import load_data, subsample
    from advisor.data.skipped import drop_small_classes
    from advisor.features import FeatureCache, extract
    from advisor.ranking import scoring
    from advisor.ranking.candidates import resolve_candidates
    from advisor.ranking.fusion import fuse_scores
    from advisor.ranking.rank import _signals

    used, _ = subsample(load_data(name), budget=budget, min_per_class=10, seed=seed)
    used, _ = drop_small_classes(used)
    chosen, _ = resolve_candidates(used.modality, models)
    cache = FeatureCache()
    featuresets = {c.id: extract(c.entry, used, cache=cache) for c in chosen}
    entries = {c.id: c.entry for c in chosen}
    scores = scoring.compute_probe_scores(featuresets, None, seed=seed)
    scores = scores.drop(columns=[c for c in scores.columns if scores[c].isna().all()])
    signals = _signals(featuresets)
    point = fuse_scores(scores, entries, signals).final
    return featuresets, entries, signals, scores, point


def reference(featuresets, probe_names, entries, signals, point, *, n_boot=30, seed=0):
    """The pre-cache bootstrap: every probe on every replicate (the figures to agree with)."""
    from dataclasses import replace

    from advisor.data.sampling import half_sample
    from advisor.ranking.fusion import fuse_scores
    from advisor.ranking.scoring import compute_probe_scores
    from advisor.ranking.uncertainty import _project, summarise

    candidates = list(featuresets)
    labels = np.asarray(next(iter(featuresets.values())).labels)
    reduced = {c: _project(featuresets[c], 128) for c in candidates}
    rng = np.random.default_rng(seed)
    ranks = np.zeros((n_boot, len(candidates)))
    wins = np.zeros(len(candidates))
    for b in range(n_boot):
        rows = half_sample(labels, rng, 0.5)
        subsets = {
            c: replace(
                fs,
                features=fs.features[rows],
                labels=fs.labels[rows],
                source_probs=None if fs.source_probs is None else fs.source_probs[rows],
                targets=None if getattr(fs, "targets", None) is None else fs.targets[rows],
            )
            for c, fs in reduced.items()
        }
        table = compute_probe_scores(subsets, probe_names, seed=seed + b + 1)
        values = fuse_scores(table, entries, signals).final.reindex(candidates)
        values = values.fillna(-np.inf).to_numpy(float)
        ranks[b] = 1 + (values[None, :] > values[:, None]).sum(axis=1)
        best = np.flatnonzero(values == values.max())
        wins[best] += 1.0 / len(best)
    return summarise(candidates, ranks, wins / n_boot, point)


def compare(name: str, *, budget: int, n_boot: int, models=None, log=sys.stderr) -> list[dict]:
    from advisor.ranking import probe_cache
    from advisor.ranking.uncertainty import bootstrap_ranks

    print(f"[{name}] features for budget {budget} ...", file=log, flush=True)
    featuresets, entries, signals, scores, point = evidence(name, budget=budget, models=models)
    names = list(scores.columns)
    started = time.perf_counter()
    ref = reference(featuresets, names, entries, signals, point, n_boot=n_boot)
    rows = [
        {
            "dataset": name,
            "scheme": "reference",
            "candidates": len(featuresets),
            "seconds": time.perf_counter() - started,
            "resamples": n_boot,
            "max_dp_best": 0.0,
            "intervals_differ": 0,
            "max_shift": 0,
            "leader": ref.attrs["leader"],
        }
    ]
    for scheme, early in (("exact", None), ("early", 10)):
        with tempfile.TemporaryDirectory() as folder:
            probe_cache.clear_memo()
            started = time.perf_counter()
            new = bootstrap_ranks(
                featuresets,
                names,
                entries,
                n_boot=n_boot,
                signals=signals,
                point=point,
                scores=scores,
                cache=probe_cache.ProbeCache(folder),
                early_stop=early,
            )
            seconds = time.perf_counter() - started
        new = new.loc[ref.index]
        differ = (new["rank_low"] != ref["rank_low"]) | (new["rank_high"] != ref["rank_high"])
        shift = max(
            int((new["rank_low"] - ref["rank_low"]).abs().max()),
            int((new["rank_high"] - ref["rank_high"]).abs().max()),
        )
        rows.append(
            {
                "dataset": name,
                "scheme": scheme,
                "candidates": len(featuresets),
                "seconds": seconds,
                "resamples": int(new.attrs.get("resamples", n_boot)),
                "max_dp_best": float((new["p_best"] - ref["p_best"]).abs().max()),
                "intervals_differ": int(differ.sum()),
                "max_shift": shift,
                "leader": new.attrs["leader"],
            }
        )
    return rows


def print_table(rows: list[dict], out=sys.stdout) -> None:
    print(
        f"{'dataset':<14} {'scheme':<10} {'cands':>5} {'seconds':>8} {'resamples':>9} "
        f"{'max|dP(best)|':>13} {'intervals differ':>16} {'max shift':>9}  leader",
        file=out,
    )
    for r in rows:
        print(
            f"{r['dataset']:<14} {r['scheme']:<10} {r['candidates']:>5} {r['seconds']:>8.1f} "
            f"{r['resamples']:>9} {r['max_dp_best']:>13.3f} {r['intervals_differ']:>16} "
            f"{r['max_shift']:>9}  "
            f"{r['leader']}",
            file=out,
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DEFAULT_DATASETS))
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--resamples", type=int, default=30)
    parser.add_argument("--models", default=None, help="comma-separated candidate ids")
    args = parser.parse_args(argv)
    models = args.models.split(",") if args.models else None
    rows = []
    for name in [d.strip() for d in args.datasets.split(",") if d.strip()]:
        rows += compare(name, budget=args.budget, n_boot=args.resamples, models=models)
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
