"""Step 4: the ranking as a sortable table, a detail pane and a score-vs-cost plot.

The table shows each candidate's bootstrap rank range and P(best) ("≈" marks a candidate too
close to call against the leader); ``b`` applies cost budgets to the view; ``v`` fine-tunes
the top candidates with the verification protocol in a worker and adds the real accuracy
and the verification measures under the table (``verify_actions.py``); ``R`` races the close
calls (``race_actions.py``) and shows the race order as the final word.
"""

from __future__ import annotations

import dataclasses

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Label, Static

from advisor.errors import user_message
from advisor.ranking.display import probes_by_weight
from advisor.tui.budgets import BUDGET_FIELDS, records_within
from advisor.tui.components.detail_pane import DetailPane
from advisor.tui.components.pareto import COST_AXES, ParetoPlot, cost_points
from advisor.tui.components.ranking_table import ASCENDING, DESCENDING, RankingTable, sort_records
from advisor.tui.components.ranking_title import ranking_title
from advisor.tui.components.step_bar import StepBar
from advisor.tui.components.strategy_pane import STRATEGY_TASK, StrategyPane
from advisor.tui.components.verify_view import VERIFY_DEFAULTS, accuracies
from advisor.tui.export_dialog import ExportDialog, write_ranking
from advisor.tui.jobs import Job, WorkScreen
from advisor.tui.messages import WorkCancelled, WorkFailed
from advisor.tui.number_dialog import NumberDialog
from advisor.tui.race_actions import RACE_TASK, RaceActions
from advisor.tui.strategy_actions import StrategyActions
from advisor.tui.verify_actions import VerifyActions


class RankingScreen(StrategyActions, RaceActions, VerifyActions, WorkScreen):
    """Sortable ranking; the detail pane follows the cursor; f fine-tunes the highlighted row."""

    BINDINGS = [
        Binding("s", "cycle_sort", "Sort"),
        Binding("r", "reverse_sort", "Reverse"),
        Binding("x", "cycle_cost", "Cost axis"),
        Binding("b", "budgets", "Budgets"),
        Binding("v", "verify", "Verify"),
        Binding("R", "race", "Race", key_display="R"),
        Binding("escape", "cancel_work", "Cancel"),
        Binding("e", "export", "Export"),
        Binding("f", "finetune", "Fine-tune this"),
        Binding("a", "advice", "Strategy", show=False),  # learning curve + strategy advice
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
        self.job: Job | None = None
        self.verifying: str | None = None  # candidate being fine-tuned, "" while starting
        self.verify_options: dict = dict(VERIFY_DEFAULTS)  # the dialog shows the last ones

    def compose(self) -> ComposeResult:
        yield StepBar("ranking")
        with Horizontal(id="ranking-body"):
            with Vertical(id="ranking-left"):
                yield Label("No ranking yet: score some candidates (3).", id="ranking-title")
                yield RankingTable(id="ranking-table")
                yield Static("", id="verify-status")
                yield Static("", id="verify-report")
                yield ParetoPlot(id="pareto")
            yield DetailPane(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DetailPane).mount(StrategyPane(id="strategy"))  # hidden until `a`

    def on_screen_resume(self) -> None:
        ranking = self.app.session.ranking
        if ranking is not None and ranking is not self.ranking:
            self.show_ranking(ranking)
        elif (
            ranking is None
            and self.ranking is not None
            and self.verifying is None
            and not self.racing
        ):
            self.clear_ranking()  # the data changed: the old ranking no longer applies

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "cancel_work":
            return self.verifying is not None or self.racing
        return True

    def clear_ranking(self) -> None:
        self.ranking, self.report, self.budgets, self.over_budget = None, None, {}, {}
        self.query_one("#ranking-table", DataTable).clear(columns=True)
        data = self.app.session.data
        on = f" on {data.name}" if data is not None else ""
        self.query_one("#ranking-title", Label).update(
            f"No ranking{escape(on)} yet: score some candidates (3)."
        )
        for selector in ("#verify-status", "#verify-report"):
            self.query_one(selector, Static).update("")
        self.query_one("#pareto", ParetoPlot).show([], self.cost_axis, None, {})

    # ---- filling --------------------------------------------------------------------------

    def show_ranking(self, ranking) -> None:
        self.ranking = ranking
        self.sort_key, self.descending = "rank", False
        if self.verifying is None and not self.racing:
            self.report = None
            self.query_one("#verify-status", Static).update("")
            self.query_one("#verify-report", Static).update("")
        self._rebuild()
        self.query_one("#ranking-table", DataTable).focus()

    def _rebuild(self) -> None:
        """Columns, title, rows and plot for the current ranking, budgets and report."""
        self.query_one("#ranking-title", Label).update(self._title())
        self._fill()
        self._plot()

    def _title(self) -> str:
        return ranking_title(self.ranking, self.budgets, self.over_budget)

    def visible_records(self) -> list[dict]:
        """The ranking's records inside the budgets, with fine-tuned accuracy when verified."""
        kept, _ = records_within(self.ranking.records, self.budgets)
        if self.report is None:
            return kept
        tested = accuracies(self.report)
        return [{**r, "finetuned_accuracy": tested.get(str(r["candidate"]))} for r in kept]

    def _fill(self) -> None:
        # The table keeps the cursor on the same candidate and fits its columns to the width.
        self.query_one("#ranking-table", RankingTable).show(
            sort_records(self.visible_records(), self.sort_key, self.descending),
            list(self.ranking.probes),
            verified=self.report is not None,
            sort_key=self.sort_key,
            descending=self.descending,
            weights=self.ranking.probe_weights,
        )
        self._show_detail()

    def _plot(self) -> None:
        record = self.highlighted_record()
        records = self.visible_records()
        points = cost_points(records, self.cost_axis, self.app.entry)
        ranks = {str(r["candidate"]): r.get("rank") for r in records}
        self.query_one("#pareto", ParetoPlot).show(
            points, self.cost_axis, record["candidate"] if record else None, ranks
        )

    def highlighted_record(self) -> dict | None:
        table = self.query_one("#ranking-table", DataTable)
        if self.ranking is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.visible_records() if str(r["candidate"]) == key), None)

    def _show_detail(self) -> None:
        record = self.highlighted_record()
        if record is not None:
            ranking = self.ranking
            self.query_one(DetailPane).show(
                record,
                list(ranking.probes),
                self.app.entry(record["candidate"]),
                len(ranking.records),
                ranking.fusion,
                weights=ranking.probe_weights,
                race=ranking.race,
                layers=(ranking.settings or {}).get("layers"),
            )

    @on(DataTable.RowHighlighted, "#ranking-table")
    def _highlighted(self) -> None:
        self._show_detail()
        self._show_strategy()
        self._plot()

    @on(DataTable.HeaderSelected, "#ranking-table")
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        key = event.column_key.value
        if key == self.sort_key:
            self.descending = not self.descending
        else:
            self.sort_key, self.descending = (
                key,
                key not in ("rank", "candidate", "params_m", "latency_ms", "rank_range"),
            )
        self._resort()

    # ---- actions --------------------------------------------------------------------------

    def sort_keys(self) -> list[str]:
        verified = ["finetuned_accuracy"] if self.report is not None else []
        raced = ["race_val_accuracy"] if self.ranking.race else []
        # the table's column order
        probes = probes_by_weight(list(self.ranking.probes), self.ranking.probe_weights or None)
        return [
            "rank",
            "final_score",
            *raced,
            "p_best",
            *verified,
            *probes,
            "params_m",
            "latency_ms",
        ]

    def action_cycle_sort(self) -> None:
        if self.ranking is None:
            return
        keys = self.sort_keys()
        self.sort_key = (
            keys[(keys.index(self.sort_key) + 1) % len(keys)] if self.sort_key in keys else "rank"
        )
        # Scores read best-first; rank, size and cost read smallest-first.
        self.descending = self.sort_key not in ("rank", "params_m", "latency_ms")
        self._resort()

    def action_reverse_sort(self) -> None:
        if self.ranking is not None:
            self.descending = not self.descending
            self._resort()

    def _resort(self) -> None:
        self._fill()
        arrow = DESCENDING if self.descending else ASCENDING  # as on the column header
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
                return {"max_latency": user_message(exc)}
            return {}

        def apply(budgets: dict | None) -> None:
            if budgets is None:
                return
            self.budgets = budgets
            _, self.over_budget = records_within(self.ranking.records, budgets)
            self._rebuild()
            shown = len(self.ranking.records) - len(self.over_budget)
            self.notify(
                f"{shown} of {len(self.ranking.records)} candidates within the budgets"
                if budgets
                else "budgets cleared",
                timeout=3,
            )

        self.app.push_screen(
            NumberDialog(
                "[b]Cost budgets[/]  (empty = no limit)", BUDGET_FIELDS, self.budgets, check
            ),
            apply,
        )

    # ---- fine-tunes: verification (verify_actions) and the race (race_actions) ------------

    def can_start_fine_tunes(self) -> bool:
        """A ranking to work from and no verification or race running (else say why)."""
        if self.ranking is None or self.app.session.data is None:
            self.notify("no ranking yet: score candidates first", severity="warning")
            return False
        if self.verifying is not None or self.racing:
            self.notify(
                "a race or a verification is running; escape cancels it", severity="warning"
            )
            return False
        return True

    def ask_fine_tune_options(self, title: str, fields, options: dict, check, then) -> None:
        """The options dialog of a verification or a race, when one may start; ``then``
        gets the parsed options and the visible ranking (not called when the dialog is
        dismissed or fewer than two candidates are visible)."""
        from advisor.tui.number_dialog import NumberDialog

        def chosen(picked: dict | None) -> None:
            ranking = self.visible_ranking() if picked is not None else None
            if ranking is not None:
                then(picked, ranking)

        if self.can_start_fine_tunes():
            self.app.push_screen(NumberDialog(title, fields, options, check), chosen)

    def visible_ranking(self):
        """The ranking within the budgets, without fine-tuned accuracies (None if < 2 left)."""
        records = self.visible_records()
        if len(records) < 2:
            self.notify(
                "fewer than 2 candidates within the budgets; widen them (b)", severity="warning"
            )
            return None
        return dataclasses.replace(
            self.ranking,
            records=[{k: v for k, v in r.items() if k != "finetuned_accuracy"} for r in records],
        )

    def action_cancel_work(self) -> None:
        if (self.verifying is not None or self.racing) and self.job is not None:
            self.job.cancel.set()
            what = "racing" if self.racing else "verifying"
            self.query_one("#verify-status", Static).update(
                f"{what}: cancelling at the next step …"
            )

    def on_work_cancelled(self, message: WorkCancelled) -> None:
        if message.task == STRATEGY_TASK:
            return
        if message.task == RACE_TASK:
            self.race_stopped(cancelled=True)
            return
        self.verify_stopped(cancelled=True)

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.task == STRATEGY_TASK:
            self.query_one(StrategyPane).show_text(f"[red]no advice[/]: {escape(message.reason)}")
            return
        if message.task == RACE_TASK:
            self.race_stopped(cancelled=False, reason=message.reason)
            return
        self.verify_stopped(cancelled=False, reason=message.reason)

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
                self.notify(
                    user_message(exc), title="Export failed", severity="error", markup=False
                )
            else:
                self.notify(f"wrote {written}", title="Exported", markup=False)

        self.app.push_screen(ExportDialog(), write)

    async def action_finetune(self) -> None:
        record = self.highlighted_record()
        if record is None:
            self.notify("no ranking yet: score candidates first", severity="warning")
            return
        await self.app.open_finetune(str(record["candidate"]))
