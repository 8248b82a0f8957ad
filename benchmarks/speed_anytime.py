"""Anytime ranking against the full budget on the offline zoo: same top-1? tau_w? seconds saved?

    python benchmarks/speed_anytime.py --tiny                  # smoke test: digits + tweets
    python benchmarks/speed_anytime.py                         # every zoo dataset, budget 1000
    python benchmarks/speed_anytime.py --datasets tweets --auto auto   # auto's own cap (4000)

For each dataset, the zoo's offline candidates (benchmarks/zoo.py: real models whose weights
are on disk, plus its controls unless --no-controls) are ranked twice, each with its own
feature cache: with ``budget=--budget`` (the full ranking) and with ``budget=--auto``
(default "auto:<budget>": the same rows at the cap, so only stopping and dropping differ).
Both skip the final bootstrap (it does not move the order). Reported per dataset: whether
the top-1 agrees, the weighted Kendall tau (scipy.stats.weightedtau) between the two
orders, the rounds run, the examples embedded, and the extraction seconds of each, counted
from the measured examples/s (so a rerun from the caches reports the same cost).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import zoo

# Left out of --tiny: the slowest image models on a CPU (Lite2 at 260 px, VGG16-BN).
SLOW = ("tf_efficientnet_lite2.in1k", "vgg16_bn_craft.ocr_text_detection")
TINY_CONTROLS = {
    "image": ["tf_efficientnet_lite0.in1k+random-init", "torchvision/mobilenet_v2+random-init"],
    "text": None,  # every text control: they are cheap
}


def offline(ids) -> list[str]:
    from catalog import availability, load_catalog

    catalog = load_catalog()
    return [cid for cid in ids if availability(catalog.get(cid)) in ("offline", "local", "cached")]


def candidates_for(modality: str, *, tiny: bool, with_controls: bool, only=None) -> list:
    real = offline(zoo.IMAGE_MODELS if modality == "image" else zoo.TEXT_MODELS)
    if tiny:
        real = [cid for cid in real if cid not in SLOW]
    if only:
        real = [cid for cid in real if cid in only]
    if not with_controls:
        return real
    wanted = TINY_CONTROLS[modality] if tiny else None
    if only:
        wanted = [cid for cid in zoo.CONTROL_IDS[modality] if cid in only]
    made = zoo.controls(modality, wanted)
    return [*real, *(backbone for _, backbone in made.values())]


def extraction_seconds(ranking) -> float:
    """Extraction cost of a fixed-budget ranking: each record's measured ms/example times
    the examples used (as benchmarks/zoo.py counts it)."""
    n_used = int(ranking.settings["data"]["n_used"])
    return sum(float(r.get("latency_ms") or 0.0) * n_used / 1000.0 for r in ranking.records)


def weighted_tau(full, auto) -> float:
    from scipy.stats import weightedtau

    common = [c for c in full.candidates if c in set(auto.candidates)]
    if len(common) < 2:
        return math.nan
    rank_auto = {r["candidate"]: r["rank"] for r in auto.records}
    rank_full = {r["candidate"]: r["rank"] for r in full.records}
    x = [-rank_full[c] for c in common]  # higher = better, as weightedtau weighs the top
    y = [-rank_auto[c] for c in common]
    return float(weightedtau(x, y).statistic)


def compare(name: str, candidates: list, *, budget: int, auto: str, seed: int, cache: Path):
    import advisor

    options = dict(candidates=candidates, seed=seed, bootstrap=False)
    started = time.perf_counter()
    full = advisor.rank(name, budget=budget, cache_dir=cache / "full", **options)
    full_wall = time.perf_counter() - started
    started = time.perf_counter()
    fast = advisor.rank(name, budget=auto, cache_dir=cache / "auto", **options)
    auto_wall = time.perf_counter() - started
    info = fast.settings["anytime"]
    full_s = extraction_seconds(full)
    # The machine is shared: the auto run's examples at the full run's measured rates
    # compares the work itself, whatever else ran meanwhile.
    rate = {r["candidate"]: float(r.get("latency_ms") or 0.0) / 1000.0 for r in full.records}
    auto_at_full_rates = sum(n * rate.get(c, 0.0) for c, n in info["examples"].items())
    return {
        "data": name,
        "candidates": len(full.records),
        "full_top1": full.best,
        "auto_top1": fast.best,
        "same_top1": full.best == fast.best,
        "weighted_tau": weighted_tau(full, fast),
        "rounds": len(info["rounds"]),
        "planned_rounds": len(info["planned"]),
        "stop": info["stop"],
        "examples_full": int(full.settings["data"]["n_used"]) * len(full.records),
        "examples_auto": info["examples_embedded"],
        "extract_seconds_full": full_s,
        "extract_seconds_auto": info["extract_seconds"],
        "extract_seconds_auto_at_full_rates": auto_at_full_rates,
        "saved_share": 1 - auto_at_full_rates / full_s if full_s else None,
        "measured_saved_share": 1 - info["extract_seconds"] / full_s if full_s else None,
        "dropped": {r["candidate"]: r["stopped_round"] for r in fast.records if r["stopped_round"]},
        "wall_full": full_wall,
        "wall_auto": auto_wall,
        "round_details": info["rounds"],
        "full_order": full.candidates,
        "auto_order": fast.candidates,
    }


def print_table(rows: list[dict], budget: int, auto: str) -> None:
    print(f"\n## Anytime ranking (budget={auto!r}) against budget={budget}\n")
    print(
        "| dataset | candidates | top-1 same | tau_w | rounds | stop | examples auto / full | "
        "extraction s auto (at full's rates) / full | saved | measured auto s | "
        "wall s auto / full |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        saved = "-" if r["saved_share"] is None else f"{100 * r['saved_share']:.0f} %"
        print(
            f"| {r['data']} | {r['candidates']} | {'yes' if r['same_top1'] else 'NO'} "
            f"({r['auto_top1']}) | {r['weighted_tau']:.3f} | {r['rounds']}/{r['planned_rounds']} "
            f"| {r['stop']} | {r['examples_auto']} / {r['examples_full']} | "
            f"{r['extract_seconds_auto_at_full_rates']:.1f} / {r['extract_seconds_full']:.1f} | "
            f"{saved} | {r['extract_seconds_auto']:.1f} | "
            f"{r['wall_auto']:.0f} / {r['wall_full']:.0f} |"
        )
    if rows:
        same = sum(r["same_top1"] for r in rows)
        auto_s = sum(r["extract_seconds_auto_at_full_rates"] for r in rows)
        full_s = sum(r["extract_seconds_full"] for r in rows)
        share = f"{100 * (1 - auto_s / full_s):.0f} %" if full_s else "-"
        print(
            f"\ntop-1 kept on {same}/{len(rows)} datasets; extraction {auto_s:.1f} s against "
            f"{full_s:.1f} s at the same rates ({share} saved); wall times include the "
            "probes and are cold only on a first run with an empty --cache-dir"
        )
        for r in rows:
            if r["dropped"]:
                shown = ", ".join(f"{c} (round {k})" for c, k in r["dropped"].items())
                print(f"  {r['data']}: dropped {shown}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="digits + tweets, budget 240")
    parser.add_argument("--datasets", help=f"comma-separated subset of {zoo_datasets()}")
    parser.add_argument("--budget", type=int, help="the full budget (default 1000; --tiny 240)")
    parser.add_argument("--auto", help="the anytime budget (default auto:<budget>)")
    parser.add_argument("--models", help="comma-separated candidate ids (real or control)")
    parser.add_argument("--no-controls", action="store_true", help="real models only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cache-dir", type=Path, help="feature caches (default: a temporary folder: cold runs)"
    )
    parser.add_argument("--output", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    budget = args.budget or (240 if args.tiny else 1000)
    auto = args.auto or f"auto:{budget}"
    from advisor import validation

    validation.RANK_BUDGET.check(auto, name="--auto")
    chosen = (
        args.datasets.split(",")
        if args.datasets
        else (["digits", "tweets"] if args.tiny else [*zoo.IMAGE_DATA, *zoo.TEXT_DATA])
    )
    unknown = sorted(set(chosen) - set(zoo.IMAGE_DATA + zoo.TEXT_DATA))
    if unknown:
        parser.error(f"unknown datasets {unknown}; choose from {zoo_datasets()}")
    only = args.models.split(",") if args.models else None
    rows = []
    with tempfile.TemporaryDirectory(prefix="anytime-bench-") as scratch:
        cache = args.cache_dir or Path(scratch)
        for name in chosen:
            modality = "image" if name in zoo.IMAGE_DATA else "text"
            candidates = candidates_for(
                modality, tiny=args.tiny, with_controls=not args.no_controls, only=only
            )
            print(f"[{name}] {len(candidates)} candidates", file=sys.stderr, flush=True)
            if not candidates:
                print(f"[{name}] no candidate is available offline; skipped", file=sys.stderr)
                continue
            row = compare(
                name, candidates, budget=budget, auto=auto, seed=args.seed, cache=cache / name
            )
            rows.append(row)
            print(  # as it comes: a later dataset that fails leaves this one reported
                f"[{name}] top-1 same: {row['same_top1']}, tau_w {row['weighted_tau']:.3f}, "
                f"saved {row['saved_share']}",
                file=sys.stderr,
                flush=True,
            )
    print_table(rows, budget, auto)
    if args.output:
        from advisor import atomic

        atomic.write_json(args.output, {"budget": budget, "auto": auto, "rows": rows})
    return 0


def zoo_datasets() -> str:
    return ",".join(zoo.IMAGE_DATA + zoo.TEXT_DATA)


if __name__ == "__main__":
    raise SystemExit(main())
