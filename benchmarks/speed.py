"""Issue 14's figures in one run: re-rank, uncertainty, probes, extraction, anytime ranking.

    python -m benchmarks.speed [--budget 1000] [--warm-runs 5] [--sections rerank,...]
                               [--quick] [--anytime-cache-dir DIR]

Sections (each prints its own table; a section whose module is absent says so and is
skipped):

* ``rerank``: ``advisor.rank(DATA)`` with the default offline candidates, cold (the probe
  cache of the default cache folder emptied, in-process memos cleared; heavy imports done
  before the clock starts, features from the feature cache when there) against the median
  of ``--warm-runs`` warm re-ranks in the same process, their ratio and the target
  (<= 3 % and < 1 s); then a changed candidate set and a changed cost budget, with the
  number of probe computations each needed (``probe_cache.STATS.computed``).
* ``bootstrap``: benchmarks/bootstrap_check.py (the cheaper bootstrap against the
  30-resample reference).
* ``probes``, ``extract``, ``anytime``: benchmarks/speed_probes.py, speed_extract.py and
  speed_anytime.py (their ``main``, with ``--small`` / ``--tiny`` under ``--quick``).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time

SECTIONS = ("rerank", "bootstrap", "probes", "extract", "anytime")
QUICK_ARGS = {"probes": ["--small"], "anytime": ["--tiny"], "extract": ["--quick"]}


def _timed(run):
    from advisor.ranking import probe_cache

    before = probe_cache.STATS.computed
    started = time.perf_counter()
    out = run()
    return out, time.perf_counter() - started, probe_cache.STATS.computed - before


def rerank(data: str = "digits", *, budget: int = 1000, warm_runs: int = 5) -> dict:
    """Cold rank, warm re-ranks, and the re-ranks that change candidates or a budget."""
    import sklearn.linear_model  # noqa: F401 - imports are not what the cache saves
    import torch  # noqa: F401

    import advisor
    from advisor.features import FeatureCache
    from advisor.ranking import probe_cache

    store = probe_cache.ProbeCache.beside(FeatureCache())
    removed = store.clear()
    probe_cache.clear_memo()
    print(f"probe cache {store.root}: {removed} entries removed for the cold run", flush=True)

    def run(**options):
        return advisor.rank(data, budget=budget, **options)

    cold, cold_s, cold_n = _timed(run)
    cached = sum(bool(r.get("cached")) for r in cold.records)
    warm = [_timed(run) for _ in range(warm_runs)]
    warm_s = statistics.median(s for _, s, _ in warm)
    warm_n = max(n for _, _, n in warm)
    same = all(_key_values(w) == _key_values(cold) for w, _, _ in warm)
    fewer = cold.candidates[:-1]  # drop the last-ranked candidate: fusion only
    _, fewer_s, fewer_n = _timed(lambda: run(candidates=fewer))
    params = [r.get("params_m") for r in cold.records if r.get("params_m")]
    limit = sorted(params)[-1] - 1e-6 if len(params) > 1 else None  # excludes the largest
    budget_s = budget_n = float("nan")
    if limit is not None:
        _, budget_s, budget_n = _timed(lambda: run(max_params_m=limit))
    ratio = warm_s / cold_s
    print(
        f"\n{data}, budget {budget}, {len(cold.records)} candidates "
        f"({cached} with cached features), bootstrap {cold.settings.get('bootstrap_resamples')}"
    )
    rows = [
        ("cold rank", cold_s, cold_n),
        (f"warm re-rank (median of {warm_runs})", warm_s, warm_n),
        (f"fewer candidates ({len(fewer)})", fewer_s, fewer_n),
        (f"max_params_m={limit:.3g}" if limit else "max_params_m (n/a)", budget_s, budget_n),
    ]
    print(f"{'run':<34} {'seconds':>9} {'probes computed':>16}")
    for name, seconds, n in rows:
        print(f"{name:<34} {seconds:>9.3f} {n:>16}")
    verdict = "meets" if ratio <= 0.03 and warm_s < 1.0 else "misses"
    print(
        f"warm / cold = {100 * ratio:.2f} % ({verdict} the target <= 3 % and < 1 s); "
        f"warm rankings identical to the cold one: {same}"
    )
    return {"cold_s": cold_s, "warm_s": warm_s, "ratio": ratio, "identical": same}


def _key_values(ranking) -> list:
    keys = ("candidate", "final_score", "p_best", "rank_low", "rank_high")
    return [[r.get(k) for k in keys] for r in ranking.records]


def section(name: str, argv: list[str]) -> None:
    module_name = "bootstrap_check" if name == "bootstrap" else f"speed_{name}"
    try:
        module = importlib.import_module(f"benchmarks.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"benchmarks.{module_name}":
            raise
        print(f"[{name}] skipped: benchmarks/{module_name}.py is not there", flush=True)
        return
    entry = getattr(module, "main", None) or getattr(module, "run", None)
    if entry is None:
        print(f"[{name}] skipped: benchmarks/{module_name}.py has no main or run", flush=True)
        return
    entry(argv)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="digits", help="the demo's data (rerank section)")
    parser.add_argument("--budget", type=int, default=1000, help="the demo's budget (1000)")
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="small sizes for every section")
    parser.add_argument(
        "--anytime-cache-dir",
        help="the anytime section's feature caches (default: a temporary folder, so cold); "
        "a folder kept from an earlier run re-reports its figures without re-extracting",
    )
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        if name == "rerank":
            rerank(args.data, budget=args.budget, warm_runs=args.warm_runs)
        elif name == "bootstrap":
            quick = ["--datasets", "digits"] if args.quick else []
            section(name, [*quick, "--budget", str(min(args.budget, 300))])
        else:
            extra = []
            if name == "anytime" and args.anytime_cache_dir:
                extra = ["--cache-dir", args.anytime_cache_dir]
            section(name, [*(QUICK_ARGS.get(name, []) if args.quick else []), *extra])
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
