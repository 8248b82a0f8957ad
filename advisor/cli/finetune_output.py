"""How ``advisor finetune`` prints: the result as tables, and training progress on stderr."""

from __future__ import annotations


def render_table(result) -> str:
    import io

    from rich.console import Console
    from rich.table import Table

    from advisor.finetuning.metrics import history_columns

    buffer = io.StringIO()
    console = Console(file=buffer, width=120, highlight=False, force_terminal=False)
    summary = result.summary()
    if result.history:
        epochs = Table(title="epochs")
        columns = history_columns(result.history)  # the task's own validation metrics
        shown = columns[: columns.index("train_examples_per_s") + 1]
        for column in shown:
            epochs.add_column(column.replace("train_examples_per_s", "examples/s"), justify="right")
        for row in result.history:
            epochs.add_row(*[_fmt(row.get(c)) for c in shown])
        console.print(epochs)
    task = getattr(result, "task", "classification")
    if not result.cancelled and task != "classification":  # the task's own test figures
        for key, value in result.test_metrics.items():
            console.print(f"{key}: {_fmt(value)}")
    elif not result.cancelled:
        classes = Table(title="test accuracy")
        classes.add_column("class")
        classes.add_column("accuracy", justify="right")
        names = list(result.per_class_accuracy)
        for name, acc in result.per_class_accuracy.items():
            classes.add_row(name, _fmt(acc))
        console.print(classes)
        if len(names) <= 12:
            confusion = Table(title="confusion", caption="rows: true class, columns: predicted")
            confusion.add_column("")
            for name in names:
                confusion.add_column(name, justify="right")
            for name, row in zip(names, result.confusion, strict=True):
                confusion.add_row(name, *[str(v) for v in row])
            console.print(confusion)
    for key in (
        *(("test_accuracy", "test_macro_f1") if task == "classification" else ()),
        "best_epoch",
        "best_val_metric",
        "epochs_run",
        "stopped_early",
        "frozen_backbone",
        "run_dir",
        "export_dir",
    ):
        console.print(f"{key}: {_fmt(summary.get(key))}")
    return buffer.getvalue()


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


class StepPrinter:
    """Training progress on stderr; the callback is thread-safe.

    A terminal gets a rich bar per epoch. Anything else (a log file, a pipe, CI) gets one
    plain line as each epoch starts and one as it ends, since a bar that cannot redraw
    would show nothing until the run is over.
    """

    def __init__(self, console):
        self.console = console
        self.progress = None
        self.task = None
        self.epoch_label = ""
        self.epoch_started = 0.0

    def __enter__(self):
        if not self.console.is_terminal:
            return self
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def __call__(self, event) -> None:
        import time

        from advisor import events as ev

        if isinstance(event, ev.TrainingPhase):
            label = {"head": "head warm-up", "probe": "linear-probe head"}.get(
                event.phase, "fine-tune"
            )
            self.epoch_label = f"epoch {event.epoch}/{event.epochs} {label}"
            self.epoch_started = time.perf_counter()
            if self.progress is None:
                self.console.print(f"{self.epoch_label}: {event.steps} steps", highlight=False)
                return
            self.task = self.progress.add_task(
                self.epoch_label, total=event.steps, completed=event.step, info=""
            )
        elif isinstance(event, ev.TrainingStep) and self.task is not None:
            self.progress.update(self.task, completed=event.step, info=f"loss {event.loss:.3f}")
        elif isinstance(event, ev.EpochDone):
            m = event.metrics
            name = next(
                (k for k in ("val_accuracy", "val_r2", "val_map") if k in m), "val_accuracy"
            )
            label = {"val_accuracy": "val acc", "val_r2": "val R²", "val_map": "val mAP"}[name]
            info = f"{label} {m.get(name, float('nan')):.3f}"
            if event.epoch != 0:  # epoch 0 is the linear-probe head: no training loss
                info += f" val loss {m.get('val_loss', float('nan')):.3f}"
            if self.progress is None:
                seconds = time.perf_counter() - self.epoch_started
                self.console.print(f"{self.epoch_label}: {info} ({seconds:.1f}s)", highlight=False)
            elif self.task is not None:
                done = {"completed": event.steps} if event.epoch == 0 else {}
                self.progress.update(self.task, info=info, **done)
