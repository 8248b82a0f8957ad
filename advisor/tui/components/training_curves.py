"""Live training curves: losses on one plot, accuracies on another (textual-plotext)."""

from __future__ import annotations

from textual_plotext import PlotextPlot

COLORS = ("blue", "orange", "green", "magenta", "cyan")


def split_metrics(history: list[dict]) -> tuple[dict[str, list], dict[str, list]]:
    """Per-epoch history -> ({loss name: [(epoch, value)]}, {accuracy/F1 name: [...]})."""
    losses: dict[str, list] = {}
    scores: dict[str, list] = {}
    for row in history:
        epoch = row.get("epoch")
        for key, value in row.items():
            if key == "epoch" or not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            if "loss" in key:
                losses.setdefault(key, []).append((epoch, float(value)))
            elif "acc" in key or "f1" in key or key in ("val_r2", "val_map", "val_spearman"):
                scores.setdefault(key, []).append((epoch, float(value)))
    return losses, scores


class CurvePlot(PlotextPlot):
    """One line per series; x is the epoch."""

    def __init__(self, title: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.title_text = title

    def show(self, series: dict[str, list]) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self.title_text)
        plt.xlabel("epoch")
        for color, (name, points) in zip(COLORS, series.items(), strict=False):
            points = [(x, y) for x, y in points if x is not None]
            if points:
                plt.plot(
                    [p[0] for p in points],
                    [p[1] for p in points],
                    label=name,
                    marker="braille",
                    color=color,
                )
        self.refresh()
