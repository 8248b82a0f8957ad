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
    )
    return {**report.to_dict(), "wall_seconds": time.perf_counter() - started}, report


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--cases", default=",".join(CASES), help="DATA:CANDIDATE, comma-separated")
    parser.add_argument("--budget", type=int, default=800, help="examples fine-tuned per case")
    parser.add_argument("--rank-budget", type=int, default=1000, help="probe subsample (curve)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", default=os.path.join("runs", "strategies-benchmark"))
    parser.add_argument("--output", default=DEFAULT_OUTPUT)
    parser.add_argument("--quick", action="store_true", help="digits / Lite0, 200 examples")
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.budget, args.rank_budget, args.epochs = CASES[0], 200, 300, 1
        args.output = os.path.join(args.runs, "strategies-quick.json")

    from advisor.atomic import write_json
    from advisor.verification.strategies import summarize

    cases, reports = [], []
    for spec in args.cases.split(","):
        case, report = run_case(spec, args)
        cases.append(case)
        reports.append(report)
        print_case(case)
        sys.stdout.flush()
    summary = summarize(reports)
    print(
        f"\n{summary['cases']} cases: recommended within 0.5 points of the best on "
        f"{100 * summary['recommended_ok_share']:.0f} % (target 80 %, worst shortfall "
        f"{summary['worst_recommended_shortfall_points']:.1f} points); curve within 2 points "
        f"on {100 * summary['curve_ok_share']:.0f} % (target 80 %, worst error "
        f"{summary['worst_curve_error_points']:.1f} points)"
    )
    settings = {k: getattr(args, k) for k in ("budget", "rank_budget", "epochs", "seed")}
    write_json(args.output, {"settings": settings, "summary": summary, "cases": cases})
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
