"""The report's figures as PNG bytes (matplotlib's object API with the Agg canvas: no global
pyplot state, so a TUI worker thread may draw them)."""

from __future__ import annotations

import io
import math

import numpy as np


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def pareto_png(ranking) -> bytes:
    """Final score against the ranking's cost axis; the Pareto front joined and marked."""
    from advisor.verification.plot import short_labels

    axis = ranking.pareto_cost or "params_m"
    rows = [
        (r["candidate"], _num(r.get(axis)), _num(r.get("final_score")), bool(r.get("pareto")))
        for r in ranking.records
    ]
    rows = [r for r in rows if math.isfinite(r[1]) and math.isfinite(r[2])]
    fig = _figure(6.4, 4.0)
    ax = fig.add_subplot(1, 1, 1)
    labels = short_labels([r[0] for r in rows])
    for cid, cost, score, front in rows:
        ax.scatter([cost], [score], s=36, color="tab:red" if front else "tab:gray", zorder=3)
        ax.annotate(
            labels[cid], (cost, score), fontsize=7, xytext=(4, 3), textcoords="offset points"
        )
    front = sorted((r for r in rows if r[3]), key=lambda r: r[1])
    if len(front) > 1:
        ax.plot([r[1] for r in front], [r[2] for r in front], color="tab:red", lw=1, zorder=2)
    names = {"params_m": "parameters (millions)", "latency_ms": "measured ms per example"}
    ax.set_xlabel(names.get(axis, axis), fontsize=8)
    ax.set_ylabel("final score (higher is better)", fontsize=8)
    ax.set_title("Score against cost (red: Pareto front)", fontsize=9)
    ax.tick_params(labelsize=7)
    if (
        rows
        and min(r[1] for r in rows) > 0
        and max(r[1] for r in rows) / min(r[1] for r in rows) > 20
    ):
        ax.set_xscale("log")
    return _png(fig)


def curves_png(curves: dict) -> bytes:
    """Every learning curve: the measured means with their spread over repeats, the fitted
    power law out to 10x the full set and its interval there."""
    from advisor.strategy.learning_curve import power_law
    from advisor.verification.plot import short_labels

    fig = _figure(6.4, 4.0)
    ax = fig.add_subplot(1, 1, 1)
    labels = short_labels(list(curves))
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink"]
    for i, (cid, curve) in enumerate(curves.items()):
        color = colors[i % len(colors)]
        sizes = np.asarray(curve.sizes, dtype=float)
        mean, std = curve.scores.mean(0), curve.scores.std(0)
        ax.errorbar(
            sizes,
            100 * mean,
            yerr=100 * std,
            fmt="o",
            ms=3,
            color=color,
            capsize=2,
            label=labels[cid],
        )
        top = max(curve.n_full * 10, sizes[-1])
        xs = np.geomspace(sizes[0], top, 80)
        ax.plot(xs, 100 * power_law(xs, *curve.params), color=color, lw=1)
        lows = [curve.predict(x).low for x in xs[::8]]
        highs = [curve.predict(x).high for x in xs[::8]]
        ax.fill_between(
            xs[::8], 100 * np.array(lows), 100 * np.array(highs), color=color, alpha=0.15, lw=0
        )
        full = curve.predictions.get("full")
        if full is not None:
            ax.axvline(full.n, color=color, lw=0.6, ls=":")
    ax.set_xscale("log")
    metric = next(iter(curves.values())).metric if curves else "accuracy"
    ax.set_xlabel("labelled training examples (dotted: the full set)", fontsize=8)
    ax.set_ylabel(f"frozen-feature {metric} (%)", fontsize=8)
    ax.set_title("Learning curves: a - b·n^-c fitted, 90% interval", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="lower right")
    return _png(fig)


def _num(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
