"""The ranking screen's strategy advice (key ``a``): ``advisor.strategy.advise`` for the
highlighted candidate in a thread worker, shown in the detail pane's StrategyPane; the
fine-tune form starts from the recommended strategy (``Session.strategy``)."""

from __future__ import annotations

from rich.markup import escape
from textual import work

from advisor.tui.components.strategy_pane import STRATEGY_TASK, StrategyPane, StrategyReady
from advisor.tui.jobs import Job


class StrategyActions:
    """Mixed into RankingScreen (which provides highlighted_record, ranking and notify)."""

    def action_advice(self) -> None:
        record = self.highlighted_record()
        if record is None or self.app.session.data is None:
            self.notify("no ranking yet: score candidates first", severity="warning")
            return
        candidate = str(record["candidate"])
        self.query_one(StrategyPane).show_text(
            f"fitting the learning curve of {escape(candidate)} …"
        )
        entry = self.app.entry(candidate)  # read on the event loop, not in the worker
        self._advise(
            self.ranking, self.app.session.data, candidate, entry, self.app.jobs.start("advice")
        )

    @work(thread=True, exclusive=True, group="strategy", name=STRATEGY_TASK, exit_on_error=False)
    def _advise(self, ranking, data, candidate: str, entry, job: Job) -> None:
        from advisor.tui.components.strategy_pane import compute_advice

        with job:
            advice = compute_advice(ranking, data, candidate, job.cancel, entry)
            self.post_message(StrategyReady(candidate, advice))

    def on_strategy_ready(self, message: StrategyReady) -> None:
        self.app.session.strategy = message.advice  # the fine-tune form starts from it
        self._show_strategy()

    def _show_strategy(self) -> None:
        advice = getattr(self.app.session, "strategy", None)
        record = self.highlighted_record()
        pane = self.query_one(StrategyPane)
        if advice is not None and record is not None and advice.candidate == record["candidate"]:
            pane.show_advice(advice)
        elif advice is not None:
            pane.show_text("[dim]a: learning curve and strategy advice for this candidate[/]")
