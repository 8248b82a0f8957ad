"""A Rich table that keeps the columns that fit the width it is drawn at, most important first,
so a narrow pane shows fewer whole columns instead of every column cut to "0.9…"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table


@dataclass
class FitColumn:
    title: str
    priority: int  # 0 is always shown; higher numbers are dropped first
    justify: str = "left"


@dataclass
class FitTable:
    """Rows of plain strings under ``columns``; ``styles`` per row (None: plain)."""

    title: str
    columns: Sequence[FitColumn]
    rows: list[list[str]] = field(default_factory=list)
    styles: list[str | None] = field(default_factory=list)

    def _needs(self) -> list[int]:
        return [
            max([cell_len(c.title)] + [cell_len(row[i]) for row in self.rows]) + 2
            for i, c in enumerate(self.columns)
        ]

    def fitting(self, width: int) -> list[int]:
        """Indices of the columns drawn at ``width`` cells, in display order."""
        needs = self._needs()
        keep, used = set(), 0
        for i in sorted(range(len(self.columns)), key=lambda i: self.columns[i].priority):
            if self.columns[i].priority > 0 and used + needs[i] > width:
                continue  # a smaller, less important column may still fit
            keep.add(i)
            used += needs[i]
        return sorted(keep)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        needs = self._needs()
        always = sum(n for n, c in zip(needs, self.columns, strict=True) if c.priority == 0)
        widest = max(sum(needs), cell_len(self.title))
        return Measurement(min(always, options.max_width), min(widest, options.max_width))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        shown = self.fitting(options.max_width)
        hidden = len(self.columns) - len(shown)
        table = Table(
            title=self.title,
            title_justify="left",
            expand=False,
            box=None,
            padding=(0, 1),
            caption_justify="left",
            caption=f"{hidden} more column(s) in a wider terminal" if hidden else None,
        )
        for i in shown:
            column = self.columns[i]
            table.add_column(column.title, justify=column.justify, no_wrap=True)
        for row, style in zip(self.rows, self.styles or [None] * len(self.rows), strict=True):
            table.add_row(*(row[i] for i in shown), style=style)
        yield table
