"""Bar chart of examples per class (textual-plotext)."""

from __future__ import annotations

from textual_plotext import PlotextPlot

MAX_BARS = 12


def bars_for(counts: dict[str, int], max_bars: int = MAX_BARS) -> tuple[list[str], list[int]]:
    """The largest classes, with the rest folded into one "others" bar, in class order."""
    items = list(counts.items())
    if len(items) > max_bars:
        keep = set(sorted(counts, key=counts.get, reverse=True)[: max_bars - 1])
        rest = sum(n for name, n in items if name not in keep)
        items = [(name, n) for name, n in items if name in keep]
        items.append((f"+{len(counts) - len(keep)} more", rest))
    labels = [str(name)[:10] for name, _ in items]
    return labels, [int(n) for _, n in items]


class ClassBalance(PlotextPlot):
    """Examples per class; empty until a dataset is shown."""

    def show_counts(self, counts: dict[str, int]) -> None:
        labels, values = bars_for(counts)
        self.add_class("shown")
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("examples per class")
        if labels:
            plt.bar(labels, values, marker="hd", width=0.6)
        self.refresh()
