"""The ranking screen's verification (``v``): fine-tune the top candidates with one fixed
protocol and measure how well the ranking predicted the real accuracy.

A dialog asks for top K, epochs and examples (remembered in ``verify_options``);
``advisor.verify`` runs in a thread worker with the screen job's cancel event, its typed
events fill the status line, and the report adds the fine-tuned accuracy to the table and
the verification measures under it. Finished fine-tunes are cached, so ``v`` again after
escape picks up where it stopped.
"""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.widgets import Static

from advisor.tui.components.verify_view import (
    VERIFY_DEFAULTS,
    VERIFY_FIELDS,
    check_verify_options,
    progress_text,
    report_caption,
    report_table,
)
from advisor.tui.jobs import Job
from advisor.tui.messages import VerifyDone, VerifyProgress, typed_event


class VerifyActions:
    """Mixed into RankingScreen (which owns ``ranking``, ``report``, ``job``, ``verifying``,
    ``verify_options``, the status line ``#verify-status`` shared with the race, and
    ``#verify-report``)."""

    def action_verify(self) -> None:
        self.ask_fine_tune_options(
            "[b]Verify the ranking[/]: fine-tune the top candidates with one fixed protocol",
            VERIFY_FIELDS,
            self.verify_options,
            check_verify_options,
            self.start_verify,
        )

    def start_verify(self, options: dict, ranking) -> None:
        records = ranking.records
        options = {**VERIFY_DEFAULTS, **options}
        self.verify_options = dict(options)
        models = {str(r["candidate"]): self.app.entry(str(r["candidate"])) for r in records}
        self.job = self.app.jobs.start("verification")
        self.verifying = ""
        self.refresh_bindings()
        self.query_one("#verify-status", Static).update("verifying: starting · escape cancels")
        self._verify(
            self.app.session.data,
            ranking,
            options,
            {c: e for c, e in models.items() if e is not None},
            self.job,
        )

    @work(thread=True, exclusive=True, group="verify", name="verify", exit_on_error=False)
    def _verify(self, data, ranking, options: dict, models: dict, job: Job) -> None:
        import advisor

        def progress(event) -> None:
            self.post_message(VerifyProgress(typed_event(event)))

        with job:  # errors and Cancelled go to WorkScreen.on_worker_state_changed
            report = advisor.verify(
                data,
                ranking=ranking,
                top=min(options["top"], len(ranking.records)),
                epochs=options["epochs"],
                budget=options["budget"],
                models=models,
                progress=progress,
                cancel=job.cancel,
            )
            self.post_message(VerifyDone(report))

    def on_verify_progress(self, message: VerifyProgress) -> None:
        from advisor import events as ev

        event = message.event
        if isinstance(event, ev.VerifyStarted):
            self.verifying = event.candidate
        data = self.app.session.data
        text = progress_text(
            event, self.verifying, self.verify_options, len(data) if data is not None else None
        )
        if text is not None:
            self.query_one("#verify-status", Static).update(text)

    def on_verify_done(self, message: VerifyDone) -> None:
        self.verifying = None
        self.refresh_bindings()
        self.report = message.report
        self.app.session.verify_report = message.report
        self.query_one("#verify-status", Static).update(report_caption(message.report))
        self.query_one("#verify-report", Static).update(report_table(message.report))
        self._rebuild()
        advisor_tau = message.report.measures.get("advisor", {}).get("weighted_tau")
        self.notify(
            f"advisor weighted tau {advisor_tau:.2f}"
            if advisor_tau is not None
            else "verification finished",
            title="Verified",
            markup=False,
        )

    def verify_stopped(self, cancelled: bool, reason: str = "") -> None:
        """The verify worker ended on Cancelled (``cancelled``) or an error (``reason``)."""
        self.verifying = None
        self.refresh_bindings()
        status = self.query_one("#verify-status", Static)
        if cancelled:
            status.update(
                "[yellow]verification cancelled[/]: finished fine-tunes are cached, so v again "
                "picks up where it stopped"
            )
            self.notify(
                "finished fine-tunes are cached; v again picks up where it stopped",
                title="Verification cancelled",
                severity="warning",
            )
        else:
            status.update(f"[red]verification stopped[/]: {escape(reason)}")
            self.notify(reason, title="Cannot verify", severity="error", markup=False)
