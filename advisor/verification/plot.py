"""Predicted score against fine-tuned accuracy, one panel per method (PNG, matplotlib Agg).

The plot renders the predictions and measures it is given and computes none of them
(``advisor.verification.methods`` does), so it depends on nothing but matplotlib and the
shared display names (``advisor.ranking.display``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from pathlib import Path

from advisor.atomic import write_bytes


def plot_predictions(
    methods: Mapping[str, Mapping],
    accuracy: Mapping[str, float],
    measures: Mapping[str, Mapping],
    path: Path,
    *,
    title: str = "",
) -> Path:
    """One scatter per method of its predicted score (``methods[name][candidate]``) against
    ``accuracy`` (0-1), titled with its ``measures[name]``; written atomically to ``path``."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    percent = {c: 100.0 * float(a) for c, a in dict(accuracy).items()}
    labels = short_labels(list(percent))
    cols = max(1, min(3, len(methods)))
    nrows = max(1, math.ceil(len(methods) / cols))
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.6 * nrows), squeeze=False)
    try:
        for ax, (name, predicted) in zip(axes.flat, methods.items(), strict=False):
            xs = [_number(predicted.get(c)) for c in percent]
            ys = list(percent.values())
            ax.scatter(xs, ys, s=28, color="tab:red" if name == "advisor" else "tab:blue")
            for cid, x, y in zip(percent, xs, ys, strict=True):
                if math.isfinite(x):
                    ax.annotate(
                        labels[cid],
                        (x, y),
                        fontsize=7,
                        alpha=0.8,
                        xytext=(3, 3),
                        textcoords="offset points",
                    )
            m = measures.get(name, {})
            ax.set_title(
                f"{name}: τw {_fmt(m.get('weighted_tau'))}, "
                f"regret {_fmt(m.get('regret_points'))} pt",
                fontsize=9,
            )
            ax.set_xlabel("predicted score", fontsize=8)
            ax.set_ylabel("fine-tuned test accuracy (%)", fontsize=8)
            ax.tick_params(labelsize=7)
        for ax in list(axes.flat)[len(methods) :]:
            ax.axis("off")
        if title:
            fig.suptitle(title, fontsize=9)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
    finally:
        plt.close(fig)
    path = Path(path)
    write_bytes(path, buffer.getvalue())
    return path


def short_labels(ids: list[str], *, width: int = 28) -> dict[str, str]:
    """The display names the TUI shows too (advisor.ranking.display.short_names: the ids
    without the prefix and suffix they share), at most ``width`` characters: a longer one
    keeps both ends around an ellipsis. (Keeping only the tail cut "vgg16_bn_craft..." to
    "_bn_craft...", and matplotlib leaves a label starting with "_" out of the legend.)"""
    from advisor.ranking.display import short_names

    names = short_names(ids)
    head = (width - 1) // 2
    out = {}
    for i in ids:
        name = names[i]
        if len(name) > width:
            name = f"{name[:head]}…{name[-(width - 1 - head) :]}"
        out[i] = name if not name.startswith("_") else name.lstrip("_") or name
    return out


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _fmt(value) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.2f}"
