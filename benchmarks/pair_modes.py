"""How a text pair becomes one frozen feature vector: the tokenizer's pair encoding ("joint")
against [u, v, |u-v|, u*v] of the two separate embeddings ("combined").

Prints 5-fold logistic-regression accuracy on a seeded subsample of the built-in
wordnet-pairs for the offline MiniLM models (docs/data.md "Text pairs"):

    OMP_NUM_THREADS=2 python -m benchmarks.pair_modes [--budget 600]
"""

from __future__ import annotations

import argparse
import time


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=600, help="pairs in the subsample")
    parser.add_argument("--device", default=None, help="torch device (default: cuda if any)")
    args = parser.parse_args(argv)

    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    from advisor.data import load_data, subsample
    from advisor.features import extract
    from advisor.models import load_backbone
    from tests.models.entries import MINILM, SRE_MINILM, offline_entry

    data, _ = subsample(load_data("wordnet-pairs"), budget=args.budget, seed=0)
    print(f"wordnet-pairs: {len(data)} pairs, 5-fold logistic regression on frozen features")
    for model in (MINILM, SRE_MINILM):
        backbone = load_backbone(offline_entry(model), device=args.device)
        for mode in ("joint", "combined"):
            started = time.perf_counter()
            features = extract(backbone, data, cache=False, pair_mode=mode).features
            probe = LogisticRegression(max_iter=2000)
            accuracy = cross_val_score(probe, features, data.labels, cv=5).mean()
            seconds = time.perf_counter() - started
            print(f"{model:45s} {mode:9s} width {features.shape[1]:5d} "
                  f"accuracy {accuracy:.3f}  {seconds:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
