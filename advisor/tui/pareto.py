"""Score-against-cost scatter with the Pareto front marked (textual-plotext)."""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot

# Cost axes the user can cycle through: record/entry key -> axis label.
COST_AXES = {
    "params_m": "parameters (M)",
    "cpu_latency_ms": "CPU latency (ms, catalog)",
    "latency_ms": "measured extraction latency (ms/example)",
}


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of points no other point beats on both lower cost and higher score."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front, best = [], float("-inf")
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return sorted(front, key=lambda i: points[i][0])


def cost_points(records: list[dict], axis: str, entry_lookup=None) -> list[tuple[str, float, float]]:
    """(candidate, cost, score) for records that have both a cost on ``axis`` and a score."""
    points = []
    for record in records:
        cost = record.get(axis)
        if cost is None and entry_lookup is not None:
            entry = entry_lookup(record.get("candidate"))
            cost = getattr(entry, axis, None) if entry is not None else None
        score = record.get("final_score")
        if cost is not None and score is not None and not math.isnan(float(score)):
            points.append((str(record.get("candidate")), float(cost), float(score)))
    return points


def short_name(candidate: str, limit: int = 14) -> str:
    """A label that fits beside a point: the id's distinctive end, without tag or organisation."""
    name = candidate.split("/")[-1].split(".")[0]
    return name if len(name) <= limit else "…" + name[-(limit - 1):]


class ParetoPlot(PlotextPlot):
    """Final score against cost; the front (best score for its cost) is drawn in green and
    each point is labelled with its rank; the highlighted candidate is the red @."""

    def show(self, points: list[tuple[str, float, float]], axis: str, highlight: str | None = None,
             ranks: dict[str, int] | None = None) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(f"final score vs {COST_AXES.get(axis, axis)}  (green: Pareto front)")
        if points:
            xs = [p[1] for p in points]
            ys = [p[2] for p in points]
            front = pareto_front([(x, y) for x, y in zip(xs, ys)])
            if len(front) > 1:
                plt.plot([xs[i] for i in front], [ys[i] for i in front], marker="braille", color="green")
            rest = [i for i in range(len(points)) if i not in front]
            plt.scatter([xs[i] for i in rest], [ys[i] for i in rest], marker="●", color="blue")
            plt.scatter([xs[i] for i in front], [ys[i] for i in front], marker="●", color="green")
            for name, x, y in points:
                if name == highlight:
                    plt.scatter([x], [y], marker="@", color="red")
                label = f"#{ranks[name]}" if ranks and name in ranks else short_name(name)
                plt.text(label, x, y, alignment="left", color="orange")
            plt.xlabel(COST_AXES.get(axis, axis))
        self.refresh()
