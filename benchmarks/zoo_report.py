"""The zoo benchmark's summary over datasets and its printed report (tau per dataset, ground
truth, means, cost, race), and the merge of several runs into one results file."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from advisor import atomic
from advisor.verification.metrics import MEASURES, mean_measures


def summarise(rows: dict) -> dict:
    methods = sorted(
        {m for r in rows.values() for m in r["measures"]},
        key=lambda m: (m != "advisor", m != "prior", m),
    )
    means = {
        m: mean_measures([r["measures"][m] for r in rows.values() if m in r["measures"]])
        for m in methods
    }
    ranking = sum(r["ranking_seconds"] for r in rows.values())
    probes = sum(r.get("probe_seconds") or 0.0 for r in rows.values())
    races = [r["race"] for r in rows.values() if r.get("race")]
    finetune = sum(r["finetune_seconds"] for r in rows.values())
    projected = sum(r["projected_full_finetune_seconds"] for r in rows.values())
    return {
        "methods": methods,
        "mean": means,
        "ranking_seconds": ranking,
        "probe_seconds": probes,
        "probe_cost_share": probes / finetune if finetune else None,
        "race_regret_points": sum(r["regret_points"] for r in races) / len(races)
        if races
        else None,
        "race_cost_share": sum(r["seconds"] for r in races)
        / sum(rows[n]["finetune_seconds"] for n in rows if rows[n].get("race"))
        if races
        else None,
        "finetune_seconds": finetune,
        "ranking_cost_share": ranking / (ranking + finetune) if finetune else None,
        "projected_full_finetune_seconds": projected,
        "projected_ranking_cost_share": ranking / (ranking + projected) if projected else None,
    }


def print_report(rows: dict, summary: dict) -> None:
    methods = summary["methods"]
    print(
        "\n## Weighted Kendall tau per dataset (mean fine-tuned accuracy over seeds as ground "
        "truth; [95 % bootstrap interval over the seeds])\n"
    )
    print("| dataset | " + " | ".join(methods) + " | best (acc %) | advisor pick |")
    print("|" + "---|" * (len(methods) + 3))
    for name, row in rows.items():
        cells = [
            _with_interval(
                row["measures"].get(m, {}).get("weighted_tau"),
                (row["intervals"].get(m) or {}).get("weighted_tau"),
            )
            for m in methods
        ]
        best = max(row["candidates"], key=lambda r: r["test_accuracy"])
        pick = row["measures"]["advisor"].get("chosen")
        print(
            f"| {name} | "
            + " | ".join(cells)
            + f" | {best['candidate']} ({100 * best['test_accuracy']:.1f}) | {pick} |"
        )
    print("\n## Ground truth: test accuracy % over seeds (mean +- standard error)\n")
    for name, row in rows.items():
        sep = row["separation"]
        gap = (
            f"; best {sep['best']} leads {sep['runner_up']} by {sep['gap_points']:.2f} points"
            f" = {_fmt(sep['gap_in_se'], 1)} SE of the gap"
            if sep
            else ""
        )
        print(
            f"{name} (seeds {row['seeds']}; mean SE {_fmt(sep.get('mean_se_points'), 2)} "
            f"points{gap})\n"
        )
        print("| candidate | accuracy % | SE | seeds |")
        print("|---|---|---|---|")
        for cid, truth in sorted(row["ground_truth"].items(), key=lambda kv: -kv[1]["mean"]):
            se = truth["se"]
            print(
                f"| {cid} | {100 * truth['mean']:.1f} | "
                f"{'-' if se is None else f'{100 * se:.2f}'} | {truth['n']} |"
            )
        for cid, why in row["failures"].items():
            print(f"| {cid} | failed: {why[:80]} | | |")
        print()
    print("\n## Mean over datasets\n")
    print("| method | " + " | ".join(MEASURES) + " |")
    print("|" + "---|" * (len(MEASURES) + 1))
    for m in methods:
        print(f"| {m} | " + " | ".join(_fmt(summary["mean"][m][k]) for k in MEASURES) + " |")
    print("\n## Cost\n")
    print(
        "| dataset | ranking s | fine-tuning all (this protocol) s | ranking share | "
        "fine-tuning all, full data at native size (projected) s | ranking share |"
    )
    print("|---|---|---|---|---|---|")
    for name, row in [*rows.items(), ("**total**", summary)]:
        print(
            f"| {name} | {row['ranking_seconds']:.1f} | {row['finetune_seconds']:.1f} | "
            f"{_pct(row['ranking_cost_share'])} | {row['projected_full_finetune_seconds']:.0f} | "
            f"{_pct(row['projected_ranking_cost_share'])} |"
        )

    print_probe_and_race(rows, summary)


def _fmt(value, digits: int = 3) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _with_interval(value, interval) -> str:
    if not interval:
        return _fmt(value)
    return f"{_fmt(value)} [{_fmt(interval[0], 2)}, {_fmt(interval[1], 2)}]"


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def print_probe_and_race(rows: dict, summary: dict) -> None:
    print(
        f"\nprobes + fusion alone (no forward passes): {summary.get('probe_seconds', 0.0):.1f} s = "
        f"{_pct(summary.get('probe_cost_share'))} of fine-tuning every candidate once"
    )
    races = {name: row["race"] for name, row in rows.items() if row.get("race")}
    if races:
        print("\n## Race of the close calls (a share of the fine-tuning time)\n")
        print(
            "| dataset | raced | winner | regret (points) | probes' regret | race s | "
            "race share | with ranking |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for name, race in races.items():
            print(
                f"| {name} | {len(race['candidates'])} | {race['winner']} | "
                f"{race['regret_points']:.2f} | {race['probes_regret_points']:.2f} | "
                f"{race['seconds']:.0f} | {_pct(race['cost_share'])} | "
                f"{_pct(race['cost_share_with_ranking'])} |"
            )


def merge_runs(paths: list[Path], out: Path, order: list[str]) -> int:
    """One results file from several runs of the same size and seeds, datasets in ``order``
    (e.g. one run per modality, run side by side)."""

    runs = [json.loads(Path(p).read_text()) for p in paths]
    first = runs[0]
    for path, run in zip(paths, runs, strict=True):
        if (run["size"], run.get("seeds")) != (first["size"], first.get("seeds")):
            raise SystemExit(f"{path}: size/seeds differ from {paths[0]}; rerun with the same")
    rows = {}
    for run in runs:
        rows.update(run["datasets"])
    rows = dict(sorted(rows.items(), key=lambda kv: order.index(kv[0])))
    summary = summarise(rows)
    print_report(rows, summary)
    merged = {key: first[key] for key in ("size", "sizes", "seeds") if key in first}
    atomic.write_json(out, {**merged, "datasets": rows, "summary": summary})
    print(f"\nwrote {out}", file=sys.stderr)
    return 0
