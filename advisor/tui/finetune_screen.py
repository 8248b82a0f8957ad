"""Step 5: fine-tune the highlighted candidate with live curves; cancel and resume."""

from __future__ import annotations

import math
import threading

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, ProgressBar, Static

from advisor.tui.finetune_form import FinetuneForm
from advisor.tui.messages import EpochFinished, FinetuneDone, FinetuneStep, WorkFailed
from advisor.tui.reasons import is_user_error, reason
from advisor.tui.step_bar import StepBar
from advisor.tui.training_curves import CurvePlot, split_metrics


def early_stop_status(history: list[dict], patience: int, metric: str = "val_accuracy") -> str:
    """"best epoch 3 (val_accuracy 0.91) · no gain for 1/3 epochs" from the epoch history."""
    scored = [(row.get("epoch"), row[metric]) for row in history if row.get(metric) is not None]
    if not scored:
        return "early stopping: waiting for the first validation"
    higher = metric != "val_loss"
    best_epoch, best = scored[0]
    stale = 0
    for epoch, value in scored[1:]:
        if (value > best) if higher else (value < best):
            best_epoch, best, stale = epoch, value, 0
        else:
            stale += 1
    text = f"best epoch {best_epoch} ({metric} {best:.4f}) · no gain for {stale}/{patience} epochs"
    if stale >= patience:
        text += " · early stop"
    return text


def _num(value, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def summary_markup(result) -> str:
    """Final report: test accuracy, per-class accuracy, where the model was saved."""
    run_dir = escape(str(result.run_dir))
    if getattr(result, "cancelled", False):
        return "\n".join([
            "[yellow b]Cancelled[/]: training stopped and a resumable checkpoint was kept; "
            "press r to resume.",
            f"best epoch so far {result.best_epoch} (val {_num(result.best_val_metric)})",
            f"[b]run folder[/] {run_dir}",
        ])
    lines = [f"[b]test accuracy {_num(result.test_accuracy)}[/] · macro F1 {_num(result.test_macro_f1)}"
             f" · best epoch {result.best_epoch} (val {_num(result.best_val_metric)})"]
    if getattr(result, "stopped_early", False):
        lines[0] += " · stopped early"
    if getattr(result, "frozen_backbone", False):
        lines.append("backbone frozen (head trained on fixed features)")
    per_class = result.per_class_accuracy or {}
    if per_class:
        cells = [f"{escape(str(name))} {_num(value, 2)}" for name, value in per_class.items()]
        lines.append("[b]per-class accuracy[/]  " + " · ".join(cells))
    lines.append(f"[b]model saved to[/] {escape(str(result.export_dir))}")
    lines.append(f"[dim]run folder (config, checkpoints, metrics, report) {run_dir}[/]")
    return "\n".join(lines)


class FinetuneScreen(Screen):
    """Form on the left; progress, curves and the final summary on the right."""

    BINDINGS = [
        Binding("ctrl+s", "start", "Start", priority=True),
        Binding("escape", "cancel", "Cancel"),
        Binding("c", "cancel", "Cancel", show=False),
        Binding("r", "resume", "Resume"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.candidate: str | None = None
        self.cancel_event: threading.Event | None = None
        self.running = False
        self.history: list[dict] = []
        self.last_options: dict | None = None
        self.patience = 3

    def compose(self) -> ComposeResult:
        yield StepBar("finetune")
        with Horizontal(id="ft-body"):
            with VerticalScroll(id="ft-left"):
                yield FinetuneForm(id="ft-form")
                yield Label("ctrl+s starts · escape cancels · r resumes", classes="hint")
            with Vertical(id="ft-right"):
                yield Static("Pick a candidate in the ranking (4) and press f.", id="ft-status")
                with Horizontal(classes="bar-row"):
                    yield Label("epochs", classes="bar-label")
                    yield ProgressBar(id="ft-epoch-bar", show_eta=False)
                with Horizontal(classes="bar-row"):
                    yield Label("this epoch", classes="bar-label")
                    yield ProgressBar(id="ft-step-bar", show_eta=False)  # ETA text is timing noise in snapshots
                yield Label("", id="ft-early")
                with Horizontal(id="ft-curves"):
                    yield CurvePlot("loss", id="ft-loss")
                    yield CurvePlot("accuracy", id="ft-acc")
                yield Static("", id="ft-summary")
        yield Footer()

    def on_screen_resume(self) -> None:
        session = self.app.session
        if self.running:
            return
        if session.finetune_candidate and session.finetune_candidate != self.candidate:
            self.candidate = session.finetune_candidate
            self.query_one(FinetuneForm).set_candidate(self.candidate, session.data.name)
            self.query_one("#ft-status", Static).update(
                f"Ready to fine-tune [b]{escape(self.candidate)}[/]: check the options, then ctrl+s.")
        if self.candidate is not None:
            self.query_one(".ft-field", Input).focus()  # typing goes to the form, not to 1-5

    # ---- starting, cancelling, resuming ---------------------------------------------------

    @on(Input.Submitted, ".ft-field, #ft-output")
    def _submitted(self) -> None:
        self.action_start()

    def action_start(self, resume: bool = False) -> None:
        session = self.app.session
        if self.running:
            self.notify("training is running; escape cancels it", severity="warning")
            return
        if self.candidate is None or session.data is None:
            self.notify("pick a candidate in the ranking (4) and press f first", severity="warning")
            return
        options, problems = self.query_one(FinetuneForm).values()
        self.query_one(FinetuneForm).show_problems(problems)
        if problems:
            self.notify("; ".join(problems.values()), title="Check the form", severity="error", markup=False)
            return
        if resume:
            options["overwrite"] = False
        self.last_options = options
        self.patience = int(options.get("patience") or self.query_one(FinetuneForm).defaults.get("patience") or 3)
        if not resume:
            self.history = []
        self._draw_curves()
        self.query_one("#ft-summary", Static).update("")
        epochs = options.get("epochs") or self.query_one(FinetuneForm).defaults.get("epochs")
        self.query_one("#ft-epoch-bar", ProgressBar).update(total=epochs, progress=0)
        self.query_one("#ft-step-bar", ProgressBar).update(total=None, progress=0)
        verb = "Resuming" if resume else "Fine-tuning"
        self.query_one("#ft-status", Static).update(f"{verb} [b]{escape(self.candidate)}[/] …")
        self.cancel_event = threading.Event()
        self.running = True
        self.set_focus(None)  # so c / escape / r reach the screen, not a form field
        model = self.app.entry(self.candidate) or self.candidate
        self._train(session.data, model, dict(options), resume, self.cancel_event)

    async def action_cancel(self) -> None:
        if self.running and self.cancel_event is not None:
            self.cancel_event.set()
            self.query_one("#ft-status", Static).update("Cancelling at the next step …")
        else:
            await self.app.action_goto("ranking")

    def action_resume(self) -> None:
        if self.last_options is None:
            self.notify("nothing to resume: start a run first (ctrl+s)", severity="warning")
            return
        self.action_start(resume=True)

    @work(thread=True, exclusive=True, group="finetune")
    def _train(self, data, model, options: dict, resume: bool, cancel: threading.Event) -> None:
        import advisor
        from advisor.errors import Cancelled

        def progress(event: dict) -> None:
            if event.get("kind") == "epoch":
                self.post_message(EpochFinished(int(event.get("epoch") or 0), int(event.get("epochs") or 0),
                                                dict(event.get("metrics") or {})))
            elif event.get("kind") in ("phase", "step"):
                self.post_message(FinetuneStep(dict(event)))

        output = options.pop("output")
        try:
            result = advisor.finetune(data, model=model, output=output, resume=resume,
                                      progress=progress, cancel=cancel, **options)
        except Cancelled:
            self.post_message(WorkFailed("fine-tune", "cancelled before the first checkpoint; "
                                         "start again with ctrl+s"))
        except Exception as exc:
            self.post_message(WorkFailed("fine-tune", reason(exc), is_user_error(exc)))
        else:
            self.post_message(FinetuneDone(result))

    # ---- messages from the worker ---------------------------------------------------------

    def on_finetune_step(self, message: FinetuneStep) -> None:
        event = message.event
        bar = self.query_one("#ft-step-bar", ProgressBar)
        if event.get("kind") == "phase":
            phase = (event.get("metrics") or {}).get("phase") or event.get("phase") or ""
            self.query_one("#ft-status", Static).update(
                f"Fine-tuning [b]{escape(str(self.candidate))}[/] · {escape(str(phase))}")
            return
        if event.get("steps"):
            bar.update(total=event["steps"], progress=event.get("step") or 0)
        loss = (event.get("metrics") or {}).get("loss")
        if loss is not None:
            epoch = event.get("epoch")
            self.query_one("#ft-status", Static).update(
                f"Fine-tuning [b]{escape(str(self.candidate))}[/] · epoch {epoch} · "
                f"step {event.get('step')}/{event.get('steps')} · loss {loss:.4f}")

    def on_epoch_finished(self, message: EpochFinished) -> None:
        row = {"epoch": message.epoch, **message.metrics}
        self.history.append(row)
        epochs_bar = self.query_one("#ft-epoch-bar", ProgressBar)
        epochs_bar.update(total=message.epochs or epochs_bar.total, progress=message.epoch)
        self.query_one("#ft-early", Label).update(early_stop_status(self.history, self.patience))
        self._draw_curves()

    def on_finetune_done(self, message: FinetuneDone) -> None:
        self.running = False
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
            f"Fine-tuning [b]{escape(str(self.candidate))}[/] {state}.")
        if result.cancelled:
            self.notify("cancelled; r resumes from the checkpoint", title="Fine-tuning cancelled")
        else:
            self.notify(f"test accuracy {result.test_accuracy:.3f}; saved to {result.export_dir}",
                        title="Fine-tuning finished", markup=False)

    def on_work_failed(self, message: WorkFailed) -> None:
        self.running = False
        self.query_one("#ft-status", Static).update(
            f"[b red]Fine-tuning failed:[/] {escape(message.reason)}"
            + ("" if not self.history else " · press r to resume from the last checkpoint"))
        self.notify(message.reason, title=f"Cannot {message.task}", severity="error", markup=False)

    def _draw_curves(self) -> None:
        losses, scores = split_metrics(self.history)
        self.query_one("#ft-loss", CurvePlot).show(losses)
        self.query_one("#ft-acc", CurvePlot).show(scores)
