"""Time a full ranking cold (empty feature cache) and again from the cache (re-rank).

    python benchmarks/rank.py                      # digits, budget 1000, offline image models
    python benchmarks/rank.py --data tweets --budget 500 --no-bootstrap

Prints one row per candidate (extraction and probe seconds, both runs) and the totals.
The re-rank must reproduce the scores exactly and run no forward pass.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="digits")
    parser.add_argument("--budget", type=int, default=1000)
    parser.add_argument("--models", default=None, help="comma-separated ids (default: all on disk)")
    parser.add_argument("--probes", default=None, help="comma-separated (default: default set)")
    parser.add_argument("--no-bootstrap", action="store_true")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    args = parser.parse_args()

    import advisor

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    data = advisor.load_data(args.data)
    options = dict(
        candidates=args.models.split(",") if args.models else None,
        probes=args.probes.split(",") if args.probes else None,
        budget=args.budget,
        bootstrap=not args.no_bootstrap,
    )
    with tempfile.TemporaryDirectory(prefix="rank-bench-") as cache:
        start = time.perf_counter()
        cold = advisor.rank(data, cache_dir=cache, **options)
        cold_s = time.perf_counter() - start
        start = time.perf_counter()
        warm = advisor.rank(data, cache_dir=cache, **options)
        warm_s = time.perf_counter() - start

    same = cold.candidates == warm.candidates and all(
        _same(a[k], b[k])
        for a, b in zip(cold.records, warm.records, strict=True)
        for k in ["final_score", *cold.probes]
    )
    n = cold.settings["data"]["n_used"]
    print(
        f"data={args.data} examples={n} probes={','.join(cold.probes)} "
        f"bootstrap={cold.settings['bootstrap_resamples']}"
    )
    header = (
        f"{'candidate':42} {'rank':>4} {'extract s':>10} {'img/s':>8} {'probes s':>9} "
        f"{'re-rank extract s':>18}"
    )
    print(header)
    print("-" * len(header))
    warm_by_id = {r["candidate"]: r for r in warm.records}
    for record in cold.records:
        again = warm_by_id[record["candidate"]]
        rate = n / record["extract_seconds"] if record["extract_seconds"] else float("nan")
        print(
            f"{record['candidate'][:42]:42} {record['rank']:>4} {record['extract_seconds']:>10.2f} "
            f"{rate:>8.1f} {record['probe_seconds']:>9.2f} {again['extract_seconds']:>18.2f}"
        )
    for candidate, reason in cold.failures.items():
        print(f"{candidate[:42]:42} failed: {reason}")
    print("-" * len(header))
    print(f"cold ranking wall time:     {cold_s:8.1f} s")
    verdict = "yes" if same else "NO"
    print(f"cache-hit re-rank wall time:{warm_s:8.1f} s  (identical scores: {verdict})")


def _same(a, b) -> bool:
    return a == b or (
        isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    )


if __name__ == "__main__":
    main()
