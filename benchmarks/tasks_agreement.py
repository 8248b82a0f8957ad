"""Probe agreement with fine-tuned results on the built-in task examples (issue 12).

For each built-in example of a new task (digits-regression, wordnet-multilabel,
wordnet-pairs) it ranks 3 candidates (two pretrained offline backbones and a random-init
control), fine-tunes all of them with the verification protocol (advisor.verify), and
prints, per task, the Spearman correlation and weighted Kendall tau between each method's
prediction (the fused advisor score, each probe) and the fine-tuned test score (R^2, mean AP
or accuracy), with the ranking and fine-tuning times.

    OMP_NUM_THREADS=2 .venv/bin/python -m benchmarks.tasks_agreement --budget 200 --epochs 2

Small sizes by default: the figures are a smoke-level check on 3 candidates, not a benchmark.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

EXAMPLES = {
    "digits-regression": (
        "image",
        ["tf_efficientnet_lite0.in1k", "torchvision/mobilenet_v2"],
        "test_efficientnet",
    ),
    "wordnet-multilabel": (
        "text",
        ["sentence-transformers/all-MiniLM-L6-v2", "sre-embedding-model/all-MiniLM-L6-v2-sre"],
        "sentence-transformers/all-MiniLM-L6-v2",
    ),
    "wordnet-pairs": (
        "text",
        ["sentence-transformers/all-MiniLM-L6-v2", "sre-embedding-model/all-MiniLM-L6-v2-sre"],
        "sentence-transformers/all-MiniLM-L6-v2",
    ),
}


def control(modality: str, base: str):
    """A random-init control candidate: (id, factory of fresh copies)."""
    from advisor.models import load_backbone
    from catalog import Entry, load_catalog

    if modality == "image":
        entry = Entry(id=f"{base}.random", modality="image", source="timm", architecture=base)
    else:
        entry = load_catalog().get(base)

    def make():
        return load_backbone(entry, pretrained=False, device="cpu")

    return make().entry.id if modality == "image" else f"{entry.id}@random-init", make


def run(name: str, budget: int, epochs: int, out: Path) -> dict:
    import numpy as np
    from scipy.stats import spearmanr

    import advisor

    modality, pretrained, base = EXAMPLES[name]
    data = advisor.load_data(name)
    control_id, make = control(modality, base)
    started = time.perf_counter()
    ranking = advisor.rank(
        data,
        candidates=[*pretrained, make()],
        budget=budget,
        bootstrap=False,
        cache_dir=out / "features",
    )
    rank_seconds = time.perf_counter() - started
    ids = [r["candidate"] for r in ranking.records]
    models = {cid: make for cid in ids if cid not in pretrained}
    report = advisor.verify(
        data,
        ranking=ranking,
        all=True,
        models=models,
        epochs=epochs,
        budget=budget,
        output=out / name,
        cache_dir=out / "verify-cache",
        plot=False,
    )
    truth = {r["candidate"]: r["test_score"] for r in report.candidates}
    methods = {"advisor": {r["candidate"]: r["final_score"] for r in ranking.records}}
    for probe in ranking.probes:
        methods[probe] = {r["candidate"]: r.get(probe) for r in ranking.records}
    agreement = {}
    for method, predicted in methods.items():
        common = [c for c in truth if predicted.get(c) is not None and np.isfinite(predicted[c])]
        rho = spearmanr([predicted[c] for c in common], [truth[c] for c in common]).statistic
        agreement[method] = {
            "spearman": None if not np.isfinite(rho) else round(float(rho), 3),
            "weighted_tau": report.measures.get(method, {}).get("weighted_tau"),
            "n": len(common),
        }
    return {
        "data": name,
        "task": data.task,
        "pairs": data.text_pairs is not None,
        "score": report.candidates[0].get("score_name"),
        "candidates": {c: round(float(v), 4) for c, v in truth.items()},
        "predicted": {c: round(float(v), 4) for c, v in methods["advisor"].items()},
        "agreement": agreement,
        "rank_seconds": round(rank_seconds, 1),
        "finetune_seconds": round(report.finetune_seconds, 1),
        "protocol": report.protocol,
        "control": control_id,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=list(EXAMPLES))
    parser.add_argument("--output", type=Path, default=Path("runs/tasks-agreement"))
    args = parser.parse_args()
    results = []
    for name in args.only:
        result = run(name, args.budget, args.epochs, args.output)
        results.append(result)
        print(json.dumps(result, indent=2), flush=True)
    from advisor.atomic import write_json

    write_json(args.output / "agreement.json", results)
    for r in results:
        advisor_row = r["agreement"]["advisor"]
        print(
            f"{r['data']} ({r['task']}{', pairs' if r['pairs'] else ''}, {r['score']}): "
            f"advisor spearman {advisor_row['spearman']} weighted tau "
            f"{advisor_row['weighted_tau']} over {advisor_row['n']} candidates; rank "
            f"{r['rank_seconds']} s, fine-tune {r['finetune_seconds']} s"
        )


if __name__ == "__main__":
    main()
