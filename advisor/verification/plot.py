"""Predicted score against fine-tuned accuracy, one panel per method (PNG, matplotlib Agg)."""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path


def plot_predictions(ranking, rows: list[dict], path: Path, entries=None, *,
                     title: str = "") -> Path:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from advisor.verification.metrics import ranking_measures
    from advisor.verification.run import method_scores

    accuracy = {r["candidate"]: 100.0 * float(r["test_accuracy"]) for r in rows}
    labels = short_labels(list(accuracy))
    methods = method_scores(ranking, list(accuracy), entries)
    cols = min(3, len(methods))
    nrows = math.ceil(len(methods) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.6 * nrows), squeeze=False)
    for ax, (name, predicted) in zip(axes.flat, methods.items()):
        xs = [predicted.get(c) for c in accuracy]
        ys = list(accuracy.values())
        ax.scatter(xs, ys, s=28, color="tab:red" if name == "advisor" else "tab:blue")
        for cid, x, y in zip(accuracy, xs, ys):
            if x is not None and math.isfinite(x):
                ax.annotate(labels[cid], (x, y), fontsize=7, alpha=0.8,
                            xytext=(3, 3), textcoords="offset points")
        m = ranking_measures(predicted, accuracy)
        ax.set_title(f"{name}: τw {_fmt(m['weighted_tau'])}, regret {_fmt(m['regret_points'])} pt",
                     fontsize=9)
        ax.set_xlabel("predicted score", fontsize=8)
        ax.set_ylabel("fine-tuned test accuracy (%)", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(methods):]:
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        Path(tmp).unlink(missing_ok=True)
    return path


def short_labels(ids: list[str]) -> dict[str, str]:
    """Names without their shared prefix (e.g. "lite0+random-init"), at most 28 characters."""
    names = [i.split("/")[-1] for i in ids]
    prefix = os.path.commonprefix(names) if len(names) > 1 else ""
    if prefix in names:  # one name is the prefix of all others: keep the names whole
        prefix = ""
    cut = max(prefix.rfind(sep) for sep in "_-.") + 1 if prefix else 0
    return {i: (n[cut:] or n)[-28:] for i, n in zip(ids, names)}


def _fmt(value) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.2f}"
