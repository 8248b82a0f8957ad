"""Step 4: the ranking as a sortable table, a detail pane and a score-vs-cost plot."""

from __future__ import annotations

import math

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from advisor.tui.detail_pane import DetailPane
from advisor.tui.export_dialog import ExportDialog, write_ranking
from advisor.tui.pareto import COST_AXES, ParetoPlot, cost_points
from advisor.tui.reasons import reason
from advisor.tui.step_bar import StepBar


def ranking_columns(probes: list[str]) -> list[tuple[str, str]]:
    """(record key, column title) in display order."""
    return ([("rank", "#"), ("candidate", "candidate"), ("final_score", "final"),
             ("rank_range", "rank range")]
            + [(p, p) for p in probes]
            + [("params_m", "params (M)"), ("extract_seconds", "extract s"),
               ("availability", "availability")])


def cell(record: dict, key: str) -> str:
    if key == "rank_range":
        low, high = record.get("rank_low"), record.get("rank_high")
        return "—" if low is None or high is None else f"{low}–{high}"
    value = record.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if key != "params_m" else f"{value:.1f}"
    return str(value)


def sort_records(records: list[dict], key: str, descending: bool) -> list[dict]:
    """Missing values always last, whatever the direction."""
    def absent(r: dict) -> bool:
        value = r.get(key)
        return value is None or (isinstance(value, float) and math.isnan(value))

    present = [r for r in records if not absent(r)]
    missing = [r for r in records if absent(r)]
    try:
        present.sort(key=lambda r: r[key], reverse=descending)
    except TypeError:
        present.sort(key=lambda r: str(r[key]), reverse=descending)
    return present + missing


class RankingScreen(Screen):
    """Sortable ranking; the detail pane follows the cursor; f fine-tunes the highlighted row."""

    BINDINGS = [
        Binding("s", "cycle_sort", "Sort"),
        Binding("r", "reverse_sort", "Reverse"),
        Binding("x", "cycle_cost", "Cost axis"),
        Binding("e", "export", "Export"),
        Binding("f", "finetune", "Fine-tune this"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.ranking = None
        self.sort_key = "rank"
        self.descending = False
        self.cost_axis = "params_m"

    def compose(self) -> ComposeResult:
        yield StepBar("ranking")
        with Horizontal(id="ranking-body"):
            with Vertical(id="ranking-left"):
                yield Label("No ranking yet: score some candidates (3).", id="ranking-title")
                yield DataTable(id="ranking-table", cursor_type="row", zebra_stripes=True)
                yield ParetoPlot(id="pareto")
            yield DetailPane(id="detail")
        yield Footer()

    def on_screen_resume(self) -> None:
        ranking = self.app.session.ranking
        if ranking is not None and ranking is not self.ranking:
            self.show_ranking(ranking)

    # ---- filling --------------------------------------------------------------------------

    def show_ranking(self, ranking) -> None:
        self.ranking = ranking
        self.sort_key, self.descending = "rank", False
        table = self.query_one("#ranking-table", DataTable)
        table.clear(columns=True)
        for key, title in ranking_columns(list(ranking.probes)):
            table.add_column(title, key=key)
        settings = getattr(ranking, "settings", {}) or {}
        title = f"[b]Ranking[/] of {len(ranking.records)} candidates"
        if settings.get("budget"):
            title += f" · budget {settings['budget']}"
        if ranking.failures:
            title += f" · [red]{len(ranking.failures)} failed[/]: " + escape(", ".join(ranking.failures))
        if getattr(ranking, "fusion", None):
            title += f"\n[dim]fusion: {escape(ranking.fusion)}[/]"
        self.query_one("#ranking-title", Label).update(title)
        self._fill()
        self._plot()
        table.focus()

    def _fill(self) -> None:
        table = self.query_one("#ranking-table", DataTable)
        highlighted = self.highlighted_record()
        table.clear()
        columns = ranking_columns(list(self.ranking.probes))
        for record in sort_records(self.ranking.records, self.sort_key, self.descending):
            cells = [cell(record, key) for key, _ in columns]
            cells[1] = Text(cells[1], style="b") if record.get("rank") == 1 else cells[1]
            table.add_row(*cells, key=str(record["candidate"]))
        if highlighted is not None:
            table.move_cursor(row=table.get_row_index(str(highlighted["candidate"])))
        self._show_detail()

    def _plot(self) -> None:
        record = self.highlighted_record()
        points = cost_points(self.ranking.records, self.cost_axis, self.app.entry)
        ranks = {str(r["candidate"]): r.get("rank") for r in self.ranking.records}
        self.query_one("#pareto", ParetoPlot).show(
            points, self.cost_axis, record["candidate"] if record else None, ranks)

    def highlighted_record(self) -> dict | None:
        table = self.query_one("#ranking-table", DataTable)
        if self.ranking is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.ranking.records if str(r["candidate"]) == key), None)

    def _show_detail(self) -> None:
        record = self.highlighted_record()
        if record is not None:
            self.query_one(DetailPane).show(record, list(self.ranking.probes),
                                            self.app.entry(record["candidate"]),
                                            len(self.ranking.records))

    @on(DataTable.RowHighlighted, "#ranking-table")
    def _highlighted(self) -> None:
        self._show_detail()
        self._plot()

    @on(DataTable.HeaderSelected, "#ranking-table")
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        key = event.column_key.value
        if key == self.sort_key:
            self.descending = not self.descending
        else:
            self.sort_key, self.descending = key, key not in ("rank", "candidate", "params_m",
                                                               "extract_seconds", "rank_range")
        self._resort()

    # ---- actions --------------------------------------------------------------------------

    def sort_keys(self) -> list[str]:
        return ["rank", "final_score"] + list(self.ranking.probes) + ["params_m", "extract_seconds"]

    def action_cycle_sort(self) -> None:
        if self.ranking is None:
            return
        keys = self.sort_keys()
        self.sort_key = keys[(keys.index(self.sort_key) + 1) % len(keys)] if self.sort_key in keys else "rank"
        # Scores read best-first; rank, size and cost read smallest-first.
        self.descending = self.sort_key not in ("rank", "params_m", "extract_seconds")
        self._resort()

    def action_reverse_sort(self) -> None:
        if self.ranking is not None:
            self.descending = not self.descending
            self._resort()

    def _resort(self) -> None:
        self._fill()
        arrow = "↓" if self.descending else "↑"
        self.notify(f"sorted by {self.sort_key} {arrow}", timeout=2)

    def action_cycle_cost(self) -> None:
        axes = list(COST_AXES)
        self.cost_axis = axes[(axes.index(self.cost_axis) + 1) % len(axes)]
        if self.ranking is not None:
            self._plot()

    def action_export(self) -> None:
        if self.ranking is None:
            self.notify("nothing to export yet: score candidates first", severity="warning")
            return

        def write(path: str | None) -> None:
            if path is None:
                return
            try:
                written = write_ranking(self.ranking, path)
            except Exception as exc:
                self.notify(reason(exc), title="Export failed", severity="error", markup=False)
            else:
                self.notify(f"wrote {written}", title="Exported", markup=False)

        self.app.push_screen(ExportDialog(), write)

    async def action_finetune(self) -> None:
        record = self.highlighted_record()
        if record is None:
            self.notify("no ranking yet: score candidates first", severity="warning")
            return
        await self.app.open_finetune(str(record["candidate"]))
