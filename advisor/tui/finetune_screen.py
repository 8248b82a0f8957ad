"""Step 5: fine-tune the highlighted candidate with live curves; cancel and resume."""

from __future__ import annotations

import math

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Label, ProgressBar, Static

from advisor.tui.components.finetune_form import FinetuneForm
from advisor.tui.components.finetune_summary import (
    early_stop_status,
    headline_score,
    summary_markup,
)
from advisor.tui.components.step_bar import StepBar
from advisor.tui.components.training_curves import CurvePlot, split_metrics
from advisor.tui.jobs import Job, WorkScreen
from advisor.tui.messages import (
    EpochFinished,
    FinetuneDone,
    FinetuneStep,
    WorkCancelled,
    WorkFailed,
    typed_event,
)
from advisor.tui.run_exists_dialog import RunExistsDialog, output_folder_state

# The loss curve gets a point per training step and is redrawn every this many steps.
STEP_REDRAW = 10


class FinetuneScreen(WorkScreen):
    """Form on the left; progress, curves and the final summary on the right.

    Entering the step focuses nothing, so 1-5, ? and q work; tab enters the form and escape
    leaves a field. Escape outside a field cancels a running job (and does nothing else)."""

    BINDINGS = [
        Binding("ctrl+s", "start", "Start", priority=True),
        Binding("escape", "cancel", "Cancel"),
        Binding("c", "cancel", "Cancel", show=False),
        Binding("r", "resume", "Resume"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.candidate: str | None = None
        self.job: Job | None = None
        self.running = False
        self.history: list[dict] = []
        self.step_losses: list[tuple[float, float]] = []  # (fractional epoch, training loss)
        self.last_options: dict | None = None
        self.patience = 3
        self._fresh_display = False  # clear the old curves once the new run reports

    def compose(self) -> ComposeResult:
        yield StepBar("finetune")
        with Horizontal(id="ft-body"):
            with VerticalScroll(id="ft-left"):
                yield FinetuneForm(id="ft-form")
                yield Label(
                    "tab enters the form · escape leaves a field · ctrl+s starts · "
                    "escape cancels a run · r resumes",
                    classes="hint",
                )
            with Vertical(id="ft-right"):
                yield Static("Pick a candidate in the ranking (4) and press f.", id="ft-status")
                with Horizontal(classes="bar-row"):
                    yield Label("epochs", classes="bar-label")
                    yield ProgressBar(id="ft-epoch-bar", show_eta=False)
                with Horizontal(classes="bar-row"):
                    yield Label("this epoch", classes="bar-label")
                    yield ProgressBar(
                        id="ft-step-bar", show_eta=False
                    )  # ETA text is timing noise in snapshots
                yield Label("", id="ft-early")
                with Horizontal(id="ft-curves"):
                    yield CurvePlot("loss", id="ft-loss")
                    yield CurvePlot("accuracy", id="ft-acc")
                yield Static("", id="ft-summary")
        yield Footer()

    def on_screen_resume(self) -> None:
        self.sync_with_session()

    def sync_with_session(self) -> None:
        """Show the candidate chosen in the ranking (or none, once the data changed)."""
        session = self.app.session
        if self.running:
            return
        if session.finetune_candidate is None and self.candidate is not None:
            # The data changed since: the old choice no longer applies.
            self.candidate, self.last_options = None, None
            self.query_one("#ft-status", Static).update(
                "Pick a candidate in the ranking (4) and press f."
            )
        if session.finetune_candidate and session.finetune_candidate != self.candidate:
            self.candidate = session.finetune_candidate
            entry = self.app.entry(self.candidate)
            self.query_one(FinetuneForm).set_candidate(
                self.candidate, session.data.name, getattr(entry, "modality", None)
            )
            advice = getattr(session, "strategy", None)  # the ranking screen's advice (a)
            matches = advice is not None and advice.candidate == self.candidate
            self.query_one(FinetuneForm).apply_strategy(advice if matches else None)
            self.query_one("#ft-status", Static).update(
                f"Ready to fine-tune [b]{escape(self.candidate)}[/]: tab into the options, "
                "then ctrl+s."
            )
        self.set_focus(None)  # keys go to the screen until the user tabs into the form

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return self.running if action == "cancel" else True

    # ---- starting, cancelling, resuming ---------------------------------------------------

    @on(Input.Submitted, ".ft-field, #ft-output")
    def _submitted(self) -> None:
        self.action_start()

    def mismatch(self) -> str | None:
        """Why the chosen model cannot train on the loaded data (None when it can)."""
        data, entry = self.app.session.data, self.app.entry(self.candidate)
        modality = getattr(entry, "modality", None)
        if modality is not None and modality != data.modality:
            return (
                f"{self.candidate} is a {modality} model but {data.name} is {data.modality} "
                f"data; rank candidates for this data (2, 3) and pick one of those"
            )
        return None

    def action_start(self, resume: bool = False) -> None:
        session = self.app.session
        if self.running:
            self.notify("training is running; escape cancels it", severity="warning")
            return
        if self.candidate is None or session.data is None:
            self.notify("pick a candidate in the ranking (4) and press f first", severity="warning")
            return
        problem = self.mismatch()
        if problem:
            self.notify(
                problem, title="Model and data do not match", severity="error", markup=False
            )
            return
        form = self.query_one(FinetuneForm)
        options, problems = form.values()
        form.show_problems(problems)
        if problems:
            self.notify(
                "; ".join(problems.values()), title="Check the form", severity="error", markup=False
            )
            return
        if resume:
            options["overwrite"] = False
        elif not options["overwrite"]:
            state = output_folder_state(options["output"])
            if state == "run":  # ask in our words instead of failing with the CLI's
                self.app.push_screen(RunExistsDialog(options["output"]), self._run_exists_answer)
                return
            if state in ("other", "file"):
                what = "a file" if state == "file" else "a folder holding other files"
                self.notify(
                    f"{options['output']} is {what}; type another output folder",
                    title="Cannot start",
                    severity="error",
                    markup=False,
                )
                return
        self._launch(options, resume)

    def _run_exists_answer(self, choice: str | None) -> None:
        if choice == "resume":
            self.action_start(resume=True)
        elif choice == "overwrite":
            options, _ = self.query_one(FinetuneForm).values()
            self._launch({**options, "overwrite": True}, resume=False)
        else:
            self.query_one("#ft-output", Input).focus()

    def _launch(self, options: dict, resume: bool) -> None:
        form = self.query_one(FinetuneForm)
        self.last_options = options
        self.patience = int(options.get("patience") or form.defaults.get("patience") or 3)
        self._fresh_display = not resume  # the old curves stay until the new run reports
        epochs = options.get("epochs") or form.defaults.get("epochs")
        self.query_one("#ft-epoch-bar", ProgressBar).update(total=epochs, progress=0)
        self.query_one("#ft-step-bar", ProgressBar).update(total=None, progress=0)
        verb = "Resuming" if resume else "Fine-tuning"
        self.query_one("#ft-status", Static).update(f"{verb} [b]{escape(self.candidate)}[/] …")
        self.job = self.app.jobs.start("fine-tuning")
        self.running = True
        self.refresh_bindings()
        self.set_focus(None)  # so c / escape / r reach the screen, not a form field
        model = self.app.entry(self.candidate) or self.candidate
        self._train(self.app.session.data, model, dict(options), resume, self.job)

    def action_cancel(self) -> None:
        if self.running and self.job is not None:
            self.job.cancel.set()
            self.query_one("#ft-status", Static).update("Cancelling at the next step …")

    def action_resume(self) -> None:
        if self.last_options is None:
            self.notify("nothing to resume: start a run first (ctrl+s)", severity="warning")
            return
        self.action_start(resume=True)

    @work(thread=True, exclusive=True, group="finetune", name="fine-tune", exit_on_error=False)
    def _train(self, data, model, options: dict, resume: bool, job: Job) -> None:
        import advisor
        from advisor import events as ev

        def progress(event) -> None:
            event = typed_event(event)
            if isinstance(event, ev.EpochDone):
                self.post_message(EpochFinished(event.epoch, event.epochs, dict(event.metrics)))
            elif isinstance(event, (ev.TrainingPhase, ev.TrainingStep)):
                self.post_message(FinetuneStep(event))

        output = options.pop("output")
        with job:  # errors and Cancelled go to WorkScreen.on_worker_state_changed
            result = advisor.finetune(
                data,
                model=model,
                output=output,
                resume=resume,
                progress=progress,
                cancel=job.cancel,
                **options,
            )
            self.post_message(FinetuneDone(result))

    # ---- messages from the worker ---------------------------------------------------------

    def _run_reported(self) -> None:
        """The new run is under way: now the previous run's curves and summary go."""
        if self._fresh_display:
            self._fresh_display = False
            self.history, self.step_losses = [], []
            self.query_one("#ft-summary", Static).update("")
            self.query_one("#ft-early", Label).update("")
            self._draw_curves()

    def on_finetune_step(self, message: FinetuneStep) -> None:
        from advisor import events as ev

        self._run_reported()
        event = message.event
        if isinstance(event, ev.TrainingPhase):
            self.query_one("#ft-status", Static).update(
                f"Fine-tuning [b]{escape(str(self.candidate))}[/] · {escape(event.phase)}"
            )
            return
        if event.steps:
            self.query_one("#ft-step-bar", ProgressBar).update(
                total=event.steps, progress=event.step
            )
        if math.isfinite(event.loss):
            self.step_losses.append(
                (event.epoch - 1 + event.step / max(event.steps, 1), event.loss)
            )
            if len(self.step_losses) % STEP_REDRAW == 0:
                self._draw_curves()
            self.query_one("#ft-status", Static).update(
                f"Fine-tuning [b]{escape(str(self.candidate))}[/] · epoch {event.epoch}/"
                f"{event.epochs} · step {event.step}/{event.steps} · loss {event.loss:.4f}"
            )

    def on_epoch_finished(self, message: EpochFinished) -> None:
        self._run_reported()
        row = {"epoch": message.epoch, **message.metrics}
        self.history.append(row)
        epochs_bar = self.query_one("#ft-epoch-bar", ProgressBar)
        epochs_bar.update(total=message.epochs or epochs_bar.total, progress=message.epoch)
        metric = next(
            (k for k in ("val_accuracy", "val_r2", "val_map") if k in row), "val_accuracy"
        )
        self.query_one("#ft-early", Label).update(
            early_stop_status(self.history, self.patience, metric=metric)
        )
        self._draw_curves()

    def _stopped(self) -> None:
        self.running = False
        self.refresh_bindings()
        bar = self.query_one("#ft-step-bar", ProgressBar)
        if bar.total is None:  # a bar with no total pulses: stop it
            bar.update(total=1, progress=0)

    def on_finetune_done(self, message: FinetuneDone) -> None:
        self._stopped()
        self._fresh_display = False
        result = message.result
        self.app.session.finetune_result = result
        if result.history and len(result.history) >= len(self.history):
            self.history = [dict(row) for row in result.history]
            self._draw_curves()
        self.query_one("#ft-summary", Static).update(summary_markup(result))
        if not result.cancelled:
            self.query_one("#ft-step-bar", ProgressBar).update(total=1, progress=1)
        state = "cancelled" if result.cancelled else "finished"
        self.query_one("#ft-status", Static).update(
            f"Fine-tuning [b]{escape(str(self.candidate))}[/] {state}."
        )
        if result.cancelled:
            self.notify("cancelled; r resumes from the checkpoint", title="Fine-tuning cancelled")
        else:
            self.notify(
                f"test {headline_score(result)}; saved to {result.export_dir}",
                title="Fine-tuning finished",
                markup=False,
            )

    def on_work_cancelled(self, message: WorkCancelled) -> None:
        self._stopped()
        self.query_one("#ft-status", Static).update(
            "Fine-tuning cancelled before the first checkpoint; ctrl+s starts again."
        )
        self.notify("cancelled before the first checkpoint", title="Fine-tuning cancelled")

    def on_work_failed(self, message: WorkFailed) -> None:
        self._stopped()
        resumable = not self._fresh_display and self.history
        self.query_one("#ft-status", Static).update(
            f"[b red]Fine-tuning failed:[/] {escape(message.reason)}"
            + (" · press r to resume from the last checkpoint" if resumable else "")
        )
        self.notify(message.reason, title=f"Cannot {message.task}", severity="error", markup=False)

    def _draw_curves(self) -> None:
        losses, scores = split_metrics(self.history)
        if self.step_losses:
            losses = {"step loss": list(self.step_losses), **losses}
        self.query_one("#ft-loss", CurvePlot).show(losses)
        self.query_one("#ft-acc", CurvePlot).show(scores)
