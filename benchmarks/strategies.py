"""Issue 15's verification: the strategy advice and the learning curve against real fine-tunes.

For each case (data set, candidate), ``advisor.verification.strategies.verify_strategies``
fine-tunes every strategy (frozen features + linear head, LP-FT, full fine-tuning from a new
head, partial fine-tuning of the last blocks) on one seeded subsample and compares each
prediction with the measured test accuracy; then ``summarize`` scores the two targets
(the recommended strategy within 0.5 points of the measured best, the curve's frozen
prediction within 2 points of the measured frozen accuracy, each on >= 80 % of the cases).

    python benchmarks/strategies.py                       # zoo data sets + task examples
    python benchmarks/strategies.py --cases digits:torchvision/mobilenet_v2 --budget 600
    python benchmarks/strategies.py --quick               # one small case, a smoke run
    python benchmarks/strategies.py --replay benchmarks/results/strategies.json \
        --output /tmp/replayed.json                       # new predictions, same fine-tunes

Writes benchmarks/results/strategies.json (``--output``) and prints one table per case.
Fine-tunes are cached (advisor's verify cache), so a rerun only computes what changed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, os.path.dirname(_HERE))

# The zoo data sets (digits with two models) and the built-in task examples (issue 15).
CASES = (
    "digits:tf_efficientnet_lite0.in1k",
    "fashion-mnist:tf_efficientnet_lite0.in1k",
    "tweets:sentence-transformers/all-MiniLM-L6-v2",
    "wordnet-nouns:sentence-transformers/all-MiniLM-L6-v2",
    "digits:torchvision/mobilenet_v2",
    "digits-regression:tf_efficientnet_lite0.in1k",
    "wordnet-multilabel:sentence-transformers/all-MiniLM-L6-v2",
)
DEFAULT_OUTPUT = os.path.join(_HERE, "results", "strategies.json")


def run_case(spec: str, args) -> tuple[dict, object]:
    """The case's report as a dict (with its wall seconds) and the report itself."""
    from advisor.verification.strategies import verify_strategies

    data, candidate = spec.split(":", 1)
    started = time.perf_counter()
    report = verify_strategies(
        data,
        candidate=candidate,
        candidates=[candidate],
        epochs=args.epochs,
        seed=args.seed,
        budget=args.budget,
        rank_budget=args.rank_budget,
        output=os.path.join(args.runs, f"{data}-{candidate.replace('/', '_')}"),
        cache_dir=args.cache_dir,
        val=args.val,
        test=args.test,
    )
    return {**report.to_dict(), "wall_seconds": time.perf_counter() - started}, report


def seed_cache(path: str, args) -> str:
    """A fine-tune cache holding a results file's measured runs, so a rerun recomputes the
    ranking, curve and advice against the same fine-tunes (a strategy whose recipe the new
    advice changes misses the cache and is fine-tuned). Returns the cache directory."""
    import json
    import tempfile

    from advisor.data import load_data
    from advisor.verification.protocol import FinetuneCache, Protocol
    from advisor.verification.strategies import fine_tune_rows

    with open(path, encoding="utf-8") as handle:
        recorded = json.load(handle)
    settings = recorded["settings"]
    for key in ("budget", "val", "test", "epochs", "seed"):
        if settings[key] != getattr(args, key):
            sys.exit(
                f"--replay {path}: its {key} is {settings[key]!r}, this run's "
                f"{getattr(args, key)!r}; pass --{key} {settings[key]}"
            )
    cache = FinetuneCache(tempfile.mkdtemp(prefix="strategies-replay-"))
    for case in recorded["cases"]:
        rows = fine_tune_rows(load_data(case["data"]), budget=args.budget, seed=args.seed)
        for row in case["rows"]:
            recipe = {"val": args.val, "test": args.test, **row["recipe"]}
            protocol = Protocol(
                epochs=args.epochs, seed=args.seed, budget=args.budget, recipe=recipe
            )
            result = {
                "test_score": row["measured"],
                "test_accuracy": row["measured"],
                "score_name": row["metric"],
                "seconds": row["measured_seconds"],
                "replayed_from": path,
            }
            cache.put(case["candidate"], rows.fingerprint(), protocol, result)
    return str(cache.root)


def print_case(case: dict) -> None:
    checks = case["checks"]
    print(
        f"\n{case['data']} / {case['candidate']}: {case['n_train']} train, {case['n_test']} "
        f"test, {case['wall_seconds']:.0f} s"
    )
    print(f"{'strategy':<10} {'predicted':>9} {'interval':>13} {'measured':>9}  seconds")
    for row in case["rows"]:
        mark = "*" if row["strategy"] == case["recommended"] else " "
        print(
            f"{mark}{row['strategy']:<9} {100 * row['predicted']:>9.1f} "
            f"{100 * row['low']:>6.1f}-{100 * row['high']:<6.1f} {100 * row['measured']:>9.1f}"
            f"  {row.get('measured_seconds') or float('nan'):.0f}"
        )
    for name, message in case.get("failures", {}).items():
        print(f" {name}: failed: {message}")
    print(
        "recommended within 0.5 points of the measured best: "
        f"{checks.get('recommended_ok')} (best {checks.get('measured_best')}); "
        f"curve error {checks.get('curve_error_points', float('nan')):+.1f} points "
        f"(within 2: {checks.get('curve_ok')})"
    )


SHORT_NAMES = {
    "tf_efficientnet_lite0.in1k": "Lite0",
    "torchvision/mobilenet_v2": "MobileNetV2",
    "sentence-transformers/all-MiniLM-L6-v2": "MiniLM-L6",
}
STRATEGY_COLUMNS = ("frozen", "lp_ft", "full_ft", "partial_ft")


def _points(score: float, *, sign: bool = False) -> str:
    """A score in % with one decimal and a typographic minus, as docs/strategy.md writes it."""
    return f"{100 * score:{'+' if sign else ''}.1f}".replace("-", "−")


def markdown_table(result: dict) -> str:
    """docs/strategy.md's measured table from a results file: predicted (interval) / measured
    per strategy, in %, * on the recommended one."""
    lines = [
        "| data (model; train / test) | frozen | LP-FT | full, new head | partial | curve error |",
        "|---|---|---|---|---|---|",
    ]
    for case in result["cases"]:
        rows = {row["strategy"]: row for row in case["rows"]}
        model = SHORT_NAMES.get(case["candidate"], case["candidate"])
        metric = {"r2": ", R²", "map": ", mAP"}.get(case["rows"][0].get("metric"), "")
        cells = [f"{case['data']}{metric} ({model}; {case['n_train']} / {case['n_test']})"]
        for name in STRATEGY_COLUMNS:
            row = rows.get(name)
            if row is None:
                cells.append("failed" if name in case.get("failures", {}) else "-")
                continue
            mark = "*" if name == case["recommended"] else ""
            low, high = _points(row["low"]), _points(row["high"])
            cells.append(
                f"{mark}{_points(row['predicted'])} ({low}–{high}) / {_points(row['measured'])}"
            )
        error = case["checks"].get("curve_error_points")
        cells.append("-" if error is None else _points(error / 100, sign=True))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--cases", default=",".join(CASES), help="DATA:CANDIDATE, comma-separated")
    # 1,600 examples split 27.5/7.5/65: the 440 training and 120 validation examples of the
    # 800-example protocol, and 1,040 test examples instead of 240, so one split's draw moves
    # a measured accuracy by about 1.2 points (binomial SE at 80 %) rather than 2.6.
    parser.add_argument("--budget", type=int, default=1600, help="examples per case, all splits")
    parser.add_argument("--val", type=float, default=0.075, help="validation share of --budget")
    parser.add_argument("--test", type=float, default=0.65, help="test share of --budget")
    parser.add_argument("--rank-budget", type=int, default=1000, help="probe subsample (curve)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", default=os.path.join("runs", "strategies-benchmark"))
    parser.add_argument("--output", default=DEFAULT_OUTPUT)
    parser.add_argument("--quick", action="store_true", help="digits / Lite0, 200 examples")
    parser.add_argument(
        "--table", metavar="JSON", help="print a results file's docs table, run nothing"
    )
    parser.add_argument(
        "--replay",
        metavar="JSON",
        help="reuse a results file's measured fine-tunes (same settings); recompute the rest",
    )
    args = parser.parse_args(argv)
    if args.table:
        import json

        with open(args.table, encoding="utf-8") as handle:
            print(markdown_table(json.load(handle)))
        return 0
    if args.quick:
        args.cases, args.budget, args.rank_budget, args.epochs = CASES[0], 200, 300, 1
        args.val, args.test = 0.15, 0.3
        args.output = os.path.join(args.runs, "strategies-quick.json")
    args.cache_dir = seed_cache(args.replay, args) if args.replay else None

    from advisor.atomic import write_json
    from advisor.verification.strategies import summarize

    settings = {
        k: getattr(args, k) for k in ("budget", "val", "test", "rank_budget", "epochs", "seed")
    }
    if args.replay:
        settings["measured_from"] = args.replay  # the fine-tunes are that file's
    specs = args.cases.split(",")
    cases, reports = [], []
    for spec in specs:
        case, report = run_case(spec, args)
        cases.append(case)
        reports.append(report)
        print_case(case)
        sys.stdout.flush()
        # after every case, so an interrupted run keeps what it measured ("complete": false)
        summary = summarize(reports)
        complete = len(cases) == len(specs)
        write_json(
            args.output,
            {"settings": settings, "summary": summary, "complete": complete, "cases": cases},
        )
    print(
        f"\n{summary['cases']} cases: recommended within 0.5 points of the best on "
        f"{100 * summary['recommended_ok_share']:.0f} % (target 80 %, worst shortfall "
        f"{summary['worst_recommended_shortfall_points']:.1f} points); curve within 2 points "
        f"on {100 * summary['curve_ok_share']:.0f} % (target 80 %, worst error "
        f"{summary['worst_curve_error_points']:.1f} points); measured frozen score inside the "
        f"curve's 90 % interval on {100 * summary['curve_covered_share']:.0f} %"
    )
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
