"""Score-against-cost scatter with the Pareto front marked (textual-plotext)."""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot

from advisor.ranking.display import short_names

# Cost axes the user can cycle through: record/entry key -> axis label.
COST_AXES = {
    "params_m": "parameters (M)",
    "cpu_latency_ms": "CPU latency (ms, catalog)",
    "latency_ms": "measured extraction latency (ms/example)",
}


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the (cost, score) points on the front, by increasing cost: the core rule
    (advisor.ranking.cost.pareto_front), so the plot and the ranking's flags agree."""
    import pandas as pd

    from advisor.ranking.cost import pareto_front as front_of

    cost = pd.Series([p[0] for p in points], dtype=float)
    score = pd.Series([p[1] for p in points], dtype=float)
    return [int(i) for i in front_of(score, cost)]


def cost_points(
    records: list[dict], axis: str, entry_lookup=None
) -> list[tuple[str, float, float]]:
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


LABEL_LIMIT = 16  # characters of a point's label; the detail pane has the full id


def point_labels(names: list[str], ranks: dict[str, int] | None = None) -> dict[str, str]:
    """ "#1 lite2": the rank and the short display name of each point's candidate."""
    short = short_names(names)
    labels = {}
    for name in names:
        label = short[name]
        if ranks and ranks.get(name) is not None:
            label = f"#{ranks[name]} {label}"
        labels[name] = label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1] + "…"
    return labels


def _padded(low: float, high: float, cells: int, pad_cells: float) -> tuple[float, float, float]:
    """Axis limits with ``pad_cells`` of room on each side, and the data width of one cell."""
    span = high - low or max(abs(high), 1.0) * 0.2
    step = span / max(cells - 2 * pad_cells, 1)
    return low - pad_cells * step, high + pad_cells * step, step


class ParetoPlot(PlotextPlot):
    """Final score against cost; the front (best score for its cost) is drawn in green and
    each point is labelled with its rank and short name beside it, on the side with room;
    the highlighted candidate is the red @."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple = ([], "params_m", None, None)

    def show(
        self,
        points: list[tuple[str, float, float]],
        axis: str,
        highlight: str | None = None,
        ranks: dict[str, int] | None = None,
    ) -> None:
        self._shown = (list(points), axis, highlight, dict(ranks or {}))
        self.refresh()

    def render(self):
        # Drawn here, where the size is known: labels are placed in cells, not data units.
        self._draw(self.size.width, self.size.height)
        return super().render()

    def _draw(self, width: int, height: int) -> None:
        points, axis, highlight, ranks = self._shown
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        title = f"final score vs {COST_AXES.get(axis, axis)}  (green: Pareto front)"
        plt.title(title if len(title) <= width else "score vs cost (green: Pareto front)")
        plt.xlabel(COST_AXES.get(axis, axis))
        if not points:
            return
        xs = [p[1] for p in points]
        ys = [p[2] for p in points]
        # Canvas cells, less the y tick labels and borders (x) and title and ticks (y).
        x_low, x_high, x_step = _padded(min(xs), max(xs), max(width - 8, 4), 1.5)
        y_low, y_high, _ = _padded(min(ys), max(ys), max(height - 5, 3), 1.0)
        plt.xlim(x_low, x_high)
        plt.ylim(y_low, y_high)
        front = pareto_front(list(zip(xs, ys, strict=True)))
        if len(front) > 1:
            plt.plot(
                [xs[i] for i in front], [ys[i] for i in front], marker="braille", color="green"
            )
        rest = [i for i in range(len(points)) if i not in front]
        plt.scatter([xs[i] for i in rest], [ys[i] for i in rest], marker="●", color="blue")
        plt.scatter([xs[i] for i in front], [ys[i] for i in front], marker="●", color="green")
        labels = point_labels([p[0] for p in points], ranks)
        middle = (x_low + x_high) / 2
        for name, x, y in points:
            if name == highlight:
                plt.scatter([x], [y], marker="@", color="red")
            # Right of the point in the left half, left of it in the right half: never cut
            # by the frame, never over the point itself.
            if x > middle:
                plt.text(labels[name], x - x_step, y, alignment="right", color="orange")
            else:
                plt.text(labels[name], x + x_step, y, alignment="left", color="orange")
