"""Ranking N candidates with the local engine and with Ray at 1 and 2 workers (issue 13).

    python -m benchmarks.scale                  # N=8, budget 1000 (the rank default), digits
    python -m benchmarks.scale --n 4 --budget 100 --output /tmp/scale.json

The candidates are random-init timm architectures from the catalog (no download: the
weights are random, the compute is the real architecture's), each given to ``advisor.rank``
as a loaded Backbone. Every run starts from an empty feature cache, so every candidate is
extracted. The local run uses one torch thread, like one Ray worker with one CPU, so
"Ray at 1 worker" against "local" is the engine's own overhead: the data and the
backbones through the object store, one task per candidate, the event relay. Before each
Ray ranking, ``RayEngine.warm_up()`` starts the workers and imports torch and timm in them
(a one-off per worker and driver, reported on its own, as is ``ray.init``: a long run pays
it once, a second ranking in the same process not at all). Overhead and efficiency use the
ranking's own wall time; "with workers starting" adds the warm-up. Scaling efficiency is
T(1 worker) / (2 * T(2 workers)).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
# Ray starts its workers at niceness 15, the local engine runs at 0: on a busy machine that
# measures the scheduler, not the engine. Same priority for both.
os.environ.setdefault("RAY_worker_niceness", "0")

# Eight distinct small architectures (catalog ids), smallest GMACs first.
ARCHITECTURES = (
    "mobilenetv3_small_100.lamb_in1k",
    "ghostnetv2_100.in1k",
    "mobilenetv4_conv_small.e2400_r224_in1k",
    "mobilenetv3_large_100.ra_in1k",
    "levit_128s.fb_dist_in1k",
    "efficientnet_b0.ra_in1k",
    "efficientvit_b1.r224_in1k",
    "convnext_atto.d2_in1k",
)


CPU_S: dict[int, float] = {}  # CPU seconds of each timed ranking (driver + Ray processes)


def random_init_candidates(n: int):
    """The first ``n`` catalog architectures with random weights (no download)."""
    from advisor.models import load_backbone
    from catalog import load_catalog

    catalog = load_catalog()
    entries = [catalog.get(i) for i in ARCHITECTURES[:n]]
    return [load_backbone(e, pretrained=False, device="cpu") for e in entries], entries


def ray_cpu_s() -> float:
    """CPU seconds used so far by Ray's processes on this machine (workers, raylet, GCS),
    read from /proc (Linux): on a busy machine CPU time says more than wall time."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes()
            if not (cmd.startswith(b"ray::") or b"ray/core/src" in cmd):
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        except (OSError, IndexError, ValueError):
            continue
    return total


def timed_rank(data, candidates, budget: int, engine) -> tuple[float, object]:
    import advisor

    with tempfile.TemporaryDirectory(prefix="scale-cache-") as cache:
        started = time.perf_counter()
        cpu = time.process_time() + (ray_cpu_s() if engine != "local" else 0.0)
        ranking = advisor.rank(
            data,
            candidates=candidates,
            budget=budget,
            bootstrap=False,
            seed=0,
            cache_dir=cache,
            engine=engine,
        )
        cpu = time.process_time() + (ray_cpu_s() if engine != "local" else 0.0) - cpu
        CPU_S[id(ranking)] = cpu
        return time.perf_counter() - started, ranking


def ray_run(data, candidates, budget: int, workers: int) -> dict:
    import ray

    from advisor.engines.ray_engine import RayEngine

    tick = time.perf_counter()
    ray.init(num_cpus=workers, include_dashboard=False, logging_level="WARNING")
    init_s = time.perf_counter() - tick
    engine = RayEngine(cpus_per_task=1)
    try:
        warm_up_s = engine.warm_up()  # each worker imports torch and timm once
        seconds, ranking = timed_rank(data, candidates, budget, engine)
    finally:
        ray.shutdown()
    return {
        "workers": workers,
        "ray_init_s": init_s,
        "warm_up_s": warm_up_s,
        "cold_wall_s": warm_up_s + seconds,
        "cpu_s": CPU_S[id(ranking)],
        "wall_s": seconds,
        "ranking": ranking,
    }


def compare_rankings(ranking, local) -> dict:
    """Same order, and the largest final-score and probe-score differences against local."""
    import math

    import numpy as np

    by_id = {r["candidate"]: r for r in local.records}
    final_diff = probe_diff = 0.0
    for record in ranking.records:
        base = by_id.get(record["candidate"])
        if base is None:
            return {"same_order": False, "same_ranking": False}
        final_diff = max(final_diff, abs(record["final_score"] - base["final_score"]))
        for probe in local.probes:
            a, b = record.get(probe), base.get(probe)
            if a is not None and b is not None and math.isfinite(a) and math.isfinite(b):
                probe_diff = max(probe_diff, abs(a - b))
    same_order = ranking.candidates == local.candidates

    def median_ratio(key: str) -> float | None:
        """Median over candidates of ``key`` (seconds) in its task against the local run's."""
        ratios = [
            r[key] / by_id[r["candidate"]][key]
            for r in ranking.records
            if r.get(key) and by_id[r["candidate"]].get(key)
        ]
        return float(np.median(ratios)) if ratios else None

    return {
        "extract_s_ratio_median": median_ratio("extract_seconds"),
        "probe_s_ratio_median": median_ratio("probe_seconds"),
        "same_order": same_order,
        "max_abs_final_diff": final_diff,
        "max_abs_probe_diff": probe_diff,
        "same_ranking": same_order and final_diff <= 1e-6,
    }


def synthetic_featuresets(n: int, rows: int, dim: int, classes: int = 10, seed: int = 0):
    """``n`` candidates' features for the driver's figures: real shapes, random values."""
    import numpy as np

    from advisor.features import FeatureSet

    rng = np.random.default_rng(seed)
    labels = np.arange(rows) % classes
    out = {}
    for i in range(n):
        logits = rng.normal(size=(rows, 1000)).astype(np.float32)
        probs = np.exp(logits - logits.max(1, keepdims=True))
        out[f"m{i}"] = FeatureSet(
            features=(rng.normal(size=(rows, dim)) + labels[:, None] * 0.1).astype(np.float32),
            source_probs=(probs / probs.sum(1, keepdims=True)).astype(np.float32),
            labels=labels.astype(np.int64),
            candidate=f"m{i}",
            seconds=0.0,
            cached=False,
            stats={},
        )
    return out


def driver_figures(rows: int = 1000, dim: int = 768) -> dict:
    """What stays on the driver, measured: per-candidate probes (what a worker does, and
    what every bootstrap resample redoes), set-level probes, fusion, bootstrap per candidate.
    CPU seconds of this process (one thread), so a busy machine does not inflate them."""
    from advisor.ranking import scoring
    from advisor.ranking.fusion import fuse_scores
    from advisor.ranking.uncertainty import bootstrap_ranks

    specs = scoring.plan_probes(None, has_source_head=True)
    out: dict = {"rows": rows, "dim": dim}
    sets = synthetic_featuresets(4, rows, dim)
    tick = time.process_time()
    for fs in sets.values():
        scoring.score_candidate(fs, specs, seed=0)
    out["per_candidate_probes_s"] = (time.process_time() - tick) / len(sets)
    for n in (10, 20):
        many = synthetic_featuresets(n, rows, dim, seed=n)
        tick = time.process_time()
        set_specs = [s for s in scoring.plan_probes(["ncti", "etran"]) if s.level == "set"]
        scoring.score_set_level(many, set_specs, seed=0)
        out[f"set_level_probes_s_at_{n}"] = time.process_time() - tick
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    names = [s.name for s in specs]
    for n in (100, 1000):
        table = pd.DataFrame(rng.normal(size=(n, len(names))), columns=names)
        table.index = [f"m{i}" for i in range(n)]
        tick = time.process_time()
        fuse_scores(table, {c: None for c in table.index})
        out[f"fusion_s_at_{n}"] = time.process_time() - tick
    small = synthetic_featuresets(6, rows, dim, seed=1)
    probe_names = [s.name for s in specs]
    tick = time.process_time()
    bootstrap_ranks(small, probe_names, {c: None for c in small}, n_boot=3, seed=0)
    out["bootstrap_s_per_candidate_resample"] = (time.process_time() - tick) / (3 * len(small))
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8, help="candidates (at most 8)")
    parser.add_argument("--budget", type=int, default=1000, help="examples in the subsample")
    parser.add_argument("--data", default="digits")
    parser.add_argument("--output", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument(
        "--driver", action="store_true", help="only the driver's costs (probes, fusion, bootstrap)"
    )
    args = parser.parse_args(argv)
    if args.driver:
        figures = driver_figures()
        for key, value in figures.items():
            print(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
        return figures

    import torch

    import advisor

    torch.set_num_threads(1)
    data = advisor.load_data(args.data)
    candidates, entries = random_init_candidates(args.n)
    print(
        f"{args.n} candidates: random-init timm architectures from the catalog standing in for "
        "pretrained weights (no download); the compute per candidate is the real one's"
    )
    local_s, local = timed_rank(data, candidates, args.budget, "local")
    entry_of = {b.entry.id: e for b, e in zip(candidates, entries, strict=True)}
    per_model = {
        r["candidate"]: {
            "extract_s": r["extract_seconds"],
            "probe_s": r["probe_seconds"],
            "gmacs": getattr(entry_of.get(r["candidate"].split("@")[0]), "gmacs", None),
            "params_m": getattr(entry_of.get(r["candidate"].split("@")[0]), "params_m", None),
        }
        for r in local.records
    }
    runs = [ray_run(data, candidates, args.budget, w) for w in (1, 2)]
    for run in runs:
        run.update(compare_rankings(run.pop("ranking"), local))
    one, two = runs
    n = args.n
    figures = {
        "n": n,
        "budget": args.budget,
        "data": args.data,
        "cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
        "local_wall_s": local_s,
        "ray": runs,
        "overhead_s_per_task": (one["wall_s"] - local_s) / n,
        "overhead_share_of_local": (one["wall_s"] - local_s) / local_s,
        "cold_overhead_share_of_local": (one["cold_wall_s"] - local_s) / local_s,
        "local_cpu_s": CPU_S[id(local)],
        "cpu_overhead_share_of_local": (one["cpu_s"] - CPU_S[id(local)]) / CPU_S[id(local)],
        "scaling_efficiency_2_workers": one["wall_s"] / (2 * two["wall_s"]),
        "speedup_2_workers_vs_local": local_s / two["wall_s"],
        "per_model": per_model,
    }
    print(f"local engine (1 torch thread): {local_s:.1f} s, {CPU_S[id(local)]:.1f} CPU-s")
    for run in runs:
        print(
            f"ray, {run['workers']} worker(s): {run['wall_s']:.1f} s with warm workers, "
            f"{run['cold_wall_s']:.1f} s when they start (+ ray.init {run['ray_init_s']:.1f} s); "
            f"{run['cpu_s']:.1f} CPU-s (driver + Ray); same ranking: {run['same_ranking']} "
            f"(order {run['same_order']}, max |final diff| {run.get('max_abs_final_diff', 0):.2g}, "
            f"max |probe diff| {run.get('max_abs_probe_diff', 0):.2g}); per candidate against "
            f"local, median: extraction x{run.get('extract_s_ratio_median') or float('nan'):.2f}, "
            f"probes x{run.get('probe_s_ratio_median') or float('nan'):.2f}"
        )
    print(
        f"overhead per task vs local: {figures['overhead_s_per_task']:+.2f} s "
        f"({100 * figures['overhead_share_of_local']:+.1f}% of local wall time; target <= 10%); "
        f"with workers starting: {100 * figures['cold_overhead_share_of_local']:+.1f}%; "
        f"in CPU time (1 worker): {100 * figures['cpu_overhead_share_of_local']:+.1f}%"
    )
    print(
        f"scaling efficiency at 2 workers: {100 * figures['scaling_efficiency_2_workers']:.0f}% "
        f"(speed-up vs local {figures['speedup_2_workers_vs_local']:.2f}x); "
        f"1-min load average {figures['load_average_1min']:.1f} on {figures['cpus']} CPUs"
    )
    for cid, row in per_model.items():
        print(
            f"  {cid}: extract {row['extract_s']:.2f} s, probes {row['probe_s']:.2f} s, "
            f"{row['gmacs']} GMACs"
        )
    if args.output is not None:
        from advisor.atomic import write_text
        from advisor.jsonable import dumps

        write_text(args.output, dumps(figures, indent=1))
    return figures


if __name__ == "__main__":
    main()
