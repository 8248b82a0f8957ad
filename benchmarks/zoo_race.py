"""The zoo's race measurement: settle the probes' close calls with a short real race.

The race runs under the zoo's own verification protocol (same subsample, split, recipe and
epochs as the first seed's fine-tunes) with a wall-clock budget that is a share of what
fine-tuning every candidate once cost. What is measured is the pick (its regret against the
mean fine-tuned accuracy over the seeds) and what the race cost. Unlike the fine-tunes, the
race is never read from a cache: it runs in a temporary folder on every zoo run, because its
wall time is what is measured and its rungs are priced by it.

    python benchmarks/zoo_race.py --from benchmarks/results/zoo-full.json   # races only

re-measures the race rows of a stored zoo run (its ranking redone, its fine-tuned ground
truth and cost read back), without repeating the fine-tunes.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

RACE_SHARE = 0.25  # of fine-tuning every candidate once (the cost ceiling)


def race_row(
    name: str,
    ranking,
    accuracy: pd.Series,
    *,
    finetune_once: float,
    ranking_seconds: float,
    ft_budget: int,
    epochs: int,
    seed: int,
    recipe: Mapping,
    models: Mapping,
    share: float = RACE_SHARE,
    top: int = 3,
) -> dict:
    """Race the ranking's close calls (else its top ``top``) for ``share`` of the fine-tuning
    time, then score the race's pick against the ground truth ``accuracy`` (id -> mean).
    A share whose calibration rung leaves nothing for a halving round is decided on that rung
    (the race's note says so), so the race never spends more than its share plus that rung.
    """
    import tempfile
    import time

    from advisor.race.api import race
    from advisor.race.settle import settle

    budget_s = max(1.0, share * finetune_once)
    tick = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="zoo-race-") as scratch:
        result = race(
            name,
            ranking=ranking,
            top=top,
            budget=f"{budget_s:.0f}s",
            epochs=epochs,
            seed=seed,
            data_budget=ft_budget,
            models=dict(models),
            output=Path(scratch),
            **dict(recipe),
        )
    wall = time.perf_counter() - tick
    settled = settle(ranking, result)
    best = float(accuracy.max())
    pick = settled.records[0]["candidate"]
    probes_pick = ranking.records[0]["candidate"]
    return {
        "budget_seconds": budget_s,
        "share": share,
        "notes": result.notes,
        "seconds": wall,
        "race_seconds": result.seconds,
        "candidates": result.candidates,
        "winner": result.winner,
        "order": result.order,
        "total_steps": result.total_steps,
        "rungs": result.accuracy_table(),
        "regret_points": 100 * (best - float(accuracy.get(pick, float("nan")))),
        "probes_regret_points": 100 * (best - float(accuracy.get(probes_pick, float("nan")))),
        "raced_best_possible_points": 100
        * (best - max(float(accuracy.get(c, float("-inf"))) for c in result.candidates)),
        "cost_share": wall / finetune_once if finetune_once else None,
        "cost_share_with_ranking": (wall + ranking_seconds) / finetune_once
        if finetune_once
        else None,
    }


def rerun(stored: dict, name: str, *, share: float = RACE_SHARE, bootstrap: bool = False) -> dict:
    """The race row of one zoo dataset again, against that stored run's ground truth.

    The zoo's own ranking is redone (bootstrap off, as zoo.py ranks, so the race takes the
    top 3; with ``bootstrap`` as ``advisor rank`` does by default, so it races the leader
    and every candidate too close to call with it) and raced for ``share`` of the stored
    cost of fine-tuning every candidate once; the fine-tunes themselves are not repeated, so
    the pick is scored on the stored means.
    """
    import advisor
    from benchmarks import zoo

    modality = "image" if name in zoo.IMAGE_DATA else "text"
    rank_budget, ft_budget, epochs, recipe = zoo.SIZES[stored["size"]]
    row = stored["datasets"][name]
    made, candidates = zoo.zoo_candidates(modality, [r["candidate"] for r in row["candidates"]])
    ranking = advisor.rank(
        name, candidates=candidates, budget=rank_budget, seed=row["seeds"][0], bootstrap=bootstrap
    )
    accuracy = pd.Series({c: t["mean"] for c, t in row["ground_truth"].items()})
    return race_row(
        name,
        ranking,
        accuracy,
        finetune_once=float(row["finetune_seconds"]),
        ranking_seconds=zoo.ranking_seconds(ranking, rank_budget),
        ft_budget=ft_budget,
        epochs=epochs,
        seed=row["seeds"][0],
        recipe=recipe,
        models={cid: make for cid, (make, _) in made.items()},
        share=share,
    )


def main(argv=None) -> int:
    import argparse
    import json

    from advisor import atomic

    parser = argparse.ArgumentParser(
        description="Re-measure the zoo's race rows against a stored zoo run's ground truth."
    )
    parser.add_argument("--from", dest="stored", type=Path, required=True, help="zoo JSON")
    parser.add_argument("--datasets", help="comma-separated subset (default: every one stored)")
    parser.add_argument("--share", type=float, default=RACE_SHARE, help="of fine-tuning once")
    parser.add_argument(
        "--bootstrap",
        action="store_true",
        help="rank with the bootstrap, as advisor rank does: race the close calls, not the top 3",
    )
    parser.add_argument("--output", type=Path, help="write the rows to this JSON")
    args = parser.parse_args(argv)
    stored = json.loads(args.stored.read_text(encoding="utf-8"))
    names = args.datasets.split(",") if args.datasets else list(stored["datasets"])
    unknown = sorted(set(names) - set(stored["datasets"]))
    if unknown:
        parser.error(f"{args.stored} has no datasets {unknown}")
    rows = {}
    for name in names:
        print(f"[{name}] ranking and racing", file=sys.stderr, flush=True)
        rows[name] = row = rerun(stored, name, share=args.share, bootstrap=args.bootstrap)
        print(
            f"{name}: winner {row['winner']}, regret {row['regret_points']:.2f} points "
            f"(probes' {row['probes_regret_points']:.2f}), race cost "
            f"{100 * row['cost_share']:.1f} % of fine-tuning once "
            f"({100 * row['cost_share_with_ranking']:.1f} % with the ranking)"
            + "".join(f"\n  note: {n}" for n in row["notes"]),
            flush=True,
        )
    regrets = [r["regret_points"] for r in rows.values()]
    shares = [r["cost_share"] for r in rows.values()]
    print(
        f"mean regret {sum(regrets) / len(regrets):.2f} points; race cost "
        f"{100 * min(shares):.1f}-{100 * max(shares):.1f} %"
    )
    if args.output:
        settings = {"from": str(args.stored), "share": args.share, "bootstrap": args.bootstrap}
        atomic.write_json(args.output, {**settings, "datasets": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
