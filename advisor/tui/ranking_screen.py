"""Step 4: the ranking as a sortable table, a detail pane and a score-vs-cost plot.

The table shows each candidate's bootstrap rank range and P(best) ("≈" marks a candidate too
close to call against the leader); ``b`` applies cost budgets to the view; ``v`` fine-tunes
the top candidates with the verification protocol in a worker and adds the real accuracy
and the verification measures under the table.
"""

from __future__ import annotations

import dataclasses
import threading

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from advisor.tui.budgets import BUDGET_FIELDS, budget_text, records_within
from advisor.tui.detail_pane import DetailPane
from advisor.tui.export_dialog import ExportDialog, write_ranking
from advisor.tui.messages import VerifyDone, VerifyProgress, WorkFailed
from advisor.tui.number_dialog import NumberDialog
from advisor.tui.pareto import COST_AXES, ParetoPlot, cost_points
from advisor.tui.ranking_table import cell, ranking_columns, sort_records
from advisor.tui.reasons import is_user_error, reason
from advisor.tui.step_bar import StepBar
from advisor.tui.verify_view import (VERIFY_DEFAULTS, VERIFY_FIELDS, accuracies,
                                     check_verify_options, progress_text, report_caption,
                                     report_table)


class RankingScreen(Screen):
    """Sortable ranking; the detail pane follows the cursor; f fine-tunes the highlighted row."""

    BINDINGS = [
        Binding("s", "cycle_sort", "Sort"),
        Binding("r", "reverse_sort", "Reverse"),
        Binding("x", "cycle_cost", "Cost axis"),
        Binding("b", "budgets", "Budgets"),
        Binding("v", "verify", "Verify"),
        Binding("escape", "cancel_verify", "Cancel verify", show=False),
        Binding("e", "export", "Export"),
        Binding("f", "finetune", "Fine-tune this"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.ranking = None
        self.sort_key = "rank"
        self.descending = False
        self.cost_axis = "params_m"
        self.budgets: dict = {}
        self.over_budget: dict[str, str] = {}
        self.report = None  # VerifyReport of this ranking
        self.verify_cancel: threading.Event | None = None
        self.verifying: str | None = None  # candidate being fine-tuned, "" while starting

    def compose(self) -> ComposeResult:
        yield StepBar("ranking")
        with Horizontal(id="ranking-body"):
            with Vertical(id="ranking-left"):
                yield Label("No ranking yet: score some candidates (3).", id="ranking-title")
                yield DataTable(id="ranking-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="verify-status")
                yield Static("", id="verify-report")
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
        if self.verifying is None:
            self.report = None
            self.query_one("#verify-status", Static).update("")
            self.query_one("#verify-report", Static).update("")
        self._rebuild()
        self.query_one("#ranking-table", DataTable).focus()

    def _rebuild(self) -> None:
        """Columns, title, rows and plot for the current ranking, budgets and report."""
        table = self.query_one("#ranking-table", DataTable)
        table.clear(columns=True)
        for key, title in ranking_columns(list(self.ranking.probes), self.report is not None):
            table.add_column(title, key=key)
        self.query_one("#ranking-title", Label).update(self._title())
        self._fill()
        self._plot()

    def _title(self) -> str:
        ranking = self.ranking
        settings = getattr(ranking, "settings", {}) or {}
        title = f"[b]Ranking[/] of {len(ranking.records)} candidates"
        if settings.get("budget"):
            title += f" · budget {settings['budget']}"
        if ranking.failures:
            title += f" · [red]{len(ranking.failures)} failed[/]: " + escape(", ".join(ranking.failures))
        skipped = settings.get("excluded") or {}
        if skipped:
            title += f" · {len(skipped)} skipped by the ranking's budgets"
        if self.budgets:
            title += f"\n[b]budgets[/] {escape(budget_text(self.budgets))}"
            if self.over_budget:
                title += " · hidden: " + escape("; ".join(f"{c} ({why})" for c, why in self.over_budget.items()))
        if any(r.get("too_close") for r in ranking.records):
            title += "\n[yellow]≈ too close to call[/]: the rank ranges overlap the leader's"
        suggestion = settings.get("suggestion")
        if suggestion:
            title += (f"\n[b]consider[/] {escape(str(suggestion.get('candidate')))} instead of "
                      f"{escape(str(suggestion.get('instead_of')))}: {escape(str(suggestion.get('reason')))}")
        if getattr(ranking, "fusion", None):
            title += f"\n[dim]fusion: {escape(ranking.fusion)}[/]"
        return title

    def visible_records(self) -> list[dict]:
        """The ranking's records inside the budgets, with fine-tuned accuracy when verified."""
        kept, _ = records_within(self.ranking.records, self.budgets)
        if self.report is None:
            return kept
        tested = accuracies(self.report)
        return [{**r, "finetuned_accuracy": tested.get(str(r["candidate"]))} for r in kept]

    def _fill(self) -> None:
        table = self.query_one("#ranking-table", DataTable)
        highlighted = self.highlighted_record()
        table.clear()
        columns = ranking_columns(list(self.ranking.probes), self.report is not None)
        for record in sort_records(self.visible_records(), self.sort_key, self.descending):
            cells = [cell(record, key) for key, _ in columns]
            cells[1] = Text(cells[1], style="b") if record.get("rank") == 1 else cells[1]
            table.add_row(*cells, key=str(record["candidate"]))
        if highlighted is not None:
            table.move_cursor(row=table.get_row_index(str(highlighted["candidate"])))
        self._show_detail()

    def _plot(self) -> None:
        record = self.highlighted_record()
        records = self.visible_records()
        points = cost_points(records, self.cost_axis, self.app.entry)
        ranks = {str(r["candidate"]): r.get("rank") for r in records}
        self.query_one("#pareto", ParetoPlot).show(
            points, self.cost_axis, record["candidate"] if record else None, ranks)

    def highlighted_record(self) -> dict | None:
        table = self.query_one("#ranking-table", DataTable)
        if self.ranking is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.visible_records() if str(r["candidate"]) == key), None)

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
                                                               "latency_ms", "rank_range")
        self._resort()

    # ---- actions --------------------------------------------------------------------------

    def sort_keys(self) -> list[str]:
        verified = ["finetuned_accuracy"] if self.report is not None else []
        return ["rank", "final_score", "p_best", *verified, *self.ranking.probes, "params_m", "latency_ms"]

    def action_cycle_sort(self) -> None:
        if self.ranking is None:
            return
        keys = self.sort_keys()
        self.sort_key = keys[(keys.index(self.sort_key) + 1) % len(keys)] if self.sort_key in keys else "rank"
        # Scores read best-first; rank, size and cost read smallest-first.
        self.descending = self.sort_key not in ("rank", "params_m", "latency_ms")
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

    def action_budgets(self) -> None:
        if self.ranking is None:
            self.notify("no ranking yet: score candidates first", severity="warning")
            return

        def check(budgets: dict) -> dict[str, str]:
            try:
                records_within(self.ranking.records, budgets)
            except Exception as exc:  # e.g. a latency budget with no measured latency
                return {"max_latency": reason(exc)}
            return {}

        def apply(budgets: dict | None) -> None:
            if budgets is None:
                return
            self.budgets = budgets
            _, self.over_budget = records_within(self.ranking.records, budgets)
            self._rebuild()
            shown = len(self.ranking.records) - len(self.over_budget)
            self.notify(f"{shown} of {len(self.ranking.records)} candidates within the budgets"
                        if budgets else "budgets cleared", timeout=3)

        self.app.push_screen(NumberDialog("[b]Cost budgets[/]  (empty = no limit)", BUDGET_FIELDS,
                                          self.budgets, check), apply)

    # ---- verification ---------------------------------------------------------------------

    def action_verify(self) -> None:
        if self.ranking is None or self.app.session.data is None:
            self.notify("no ranking yet: score candidates first", severity="warning")
            return
        if self.verifying is not None:
            self.notify("verification is running; escape cancels it", severity="warning")
            return
        self.app.push_screen(NumberDialog("[b]Verify the ranking[/]: fine-tune the top candidates "
                                          "with one fixed protocol", VERIFY_FIELDS, VERIFY_DEFAULTS,
                                          check_verify_options), self.start_verify)

    def start_verify(self, options: dict | None) -> None:
        if options is None:
            return
        records = self.visible_records()
        if len(records) < 2:
            self.notify("fewer than 2 candidates within the budgets; widen them (b)", severity="warning")
            return
        options = {**VERIFY_DEFAULTS, **options}
        ranking = dataclasses.replace(self.ranking, records=[
            {k: v for k, v in r.items() if k != "finetuned_accuracy"} for r in records])
        models = {str(r["candidate"]): self.app.entry(str(r["candidate"])) for r in records}
        self.verify_cancel = threading.Event()
        self.verifying = ""
        self.query_one("#verify-status", Static).update("verifying: starting · escape cancels")
        self._verify(self.app.session.data, ranking, options,
                     {c: e for c, e in models.items() if e is not None}, self.verify_cancel)

    def action_cancel_verify(self) -> None:
        if self.verifying is not None and self.verify_cancel is not None:
            self.verify_cancel.set()
            self.query_one("#verify-status", Static).update("verifying: cancelling at the next step …")

    @work(thread=True, exclusive=True, group="verify")
    def _verify(self, data, ranking, options: dict, models: dict, cancel: threading.Event) -> None:
        import advisor
        from advisor.errors import Cancelled

        try:
            report = advisor.verify(data, ranking=ranking, top=min(options["top"], len(ranking.records)),
                                    epochs=options["epochs"], budget=options["budget"], models=models,
                                    progress=lambda event: self.post_message(VerifyProgress(dict(event))),
                                    cancel=cancel)
        except Cancelled:
            self.post_message(WorkFailed("verify", "verification cancelled; finished fine-tunes are "
                                         "cached, so v again picks up where it stopped"))
        except Exception as exc:
            self.post_message(WorkFailed("verify", reason(exc), is_user_error(exc)))
        else:
            self.post_message(VerifyDone(report))

    def on_verify_progress(self, message: VerifyProgress) -> None:
        event = message.event
        if event.get("kind") == "finetune_start":
            self.verifying = str(event.get("candidate"))
        text = progress_text(event, self.verifying)
        if text is not None:
            self.query_one("#verify-status", Static).update(text)

    def on_verify_done(self, message: VerifyDone) -> None:
        self.verifying = None
        self.report = message.report
        self.app.session.verify_report = message.report
        self.query_one("#verify-status", Static).update(report_caption(message.report))
        self.query_one("#verify-report", Static).update(report_table(message.report))
        self._rebuild()
        advisor_tau = message.report.measures.get("advisor", {}).get("weighted_tau")
        self.notify(f"advisor weighted tau {advisor_tau:.2f}" if advisor_tau is not None
                    else "verification finished", title="Verified", markup=False)

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.task != "verify":
            return
        self.verifying = None
        self.query_one("#verify-status", Static).update(f"[red]verification stopped[/]: {escape(message.reason)}")
        self.notify(message.reason, title="Cannot verify", severity="error", markup=False)

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
