"""After training: the one read of the test split (with the weights chosen on validation),
report.json, the exported model, the TrainingDone event and the ``FinetuneResult``."""

from __future__ import annotations

import math
import time

from advisor import events
from advisor.finetuning import atomic, checkpoint
from advisor.finetuning.result import FinetuneResult


def finish_run(
    setup, state, built, recipe, config, run_dir, class_names, backbone, progress, started
) -> FinetuneResult:
    """Test, report and export a finished run (classification here; other tasks:
    ``_finish_task``)."""
    from advisor.finetuning.loop import evaluate  # looked up per call: tests count its reads

    model, device, ckpt_dir = setup.model, setup.device, setup.ckpt_dir
    history = list(state.history)

    # The test split is touched once, with the weights chosen on validation.
    best = checkpoint.load(ckpt_dir, "best", with_training=False)
    model.load_state_dict(best.model_state)
    logits, labels, test_loss = evaluate(
        model,
        built.test_set,
        built.collate,
        batch_size=recipe.eval_batch_size,
        device=device,
        recipe=recipe,
        num_workers=setup.loader_workers,
        task=setup.head,
    )
    if setup.head.task != "classification":
        return _finish_task(
            setup,
            state,
            logits,
            labels,
            test_loss,
            built,
            recipe,
            config,
            run_dir,
            backbone,
            model,
            history,
            progress,
            started,
        )
    from advisor.finetuning.metrics import summarize

    summary = summarize(labels, logits.argmax(1), len(class_names))
    per_class = {
        name: (None if math.isnan(v) else float(v))
        for name, v in zip(class_names, summary["per_class_accuracy"], strict=True)
    }
    report = {
        "test_accuracy": summary["accuracy"],
        "test_macro_f1": summary["macro_f1"],
        "test_loss": test_loss,
        "n_test": int(len(labels)),
        "best_epoch": state.best_epoch,
        "metric": recipe.metric,
        "best_val_metric": state.best_metric,
        "epochs_run": state.epoch,
        "stopped_early": state.stopped_early,
        "class_names": list(class_names),
        "per_class_accuracy": per_class,
        "confusion": summary["confusion"].tolist(),
    }
    atomic.write_json(run_dir / "report.json", report)
    export_dir = _export(run_dir, model, built, class_names, config, backbone, recipe)
    if progress is not None:
        metrics = {k: report[k] for k in ("test_accuracy", "test_macro_f1", "best_epoch")}
        progress(events.TrainingDone(state.epoch, recipe.epochs, 0, 0, metrics))
    return FinetuneResult(
        run_dir=run_dir,
        export_dir=export_dir,
        test_accuracy=summary["accuracy"],
        test_macro_f1=summary["macro_f1"],
        best_epoch=state.best_epoch,
        best_val_metric=_nan(state.best_metric),
        history=history,
        per_class_accuracy=per_class,
        confusion=report["confusion"],
        config=config,
        frozen_backbone=built.frozen_backbone,
        cancelled=False,
        stopped_early=state.stopped_early,
        epochs_run=state.epoch,
        seconds=time.perf_counter() - started,
    )


def _finish_task(
    setup,
    state,
    outputs,
    targets,
    test_loss,
    built,
    recipe,
    config,
    run_dir,
    backbone,
    model,
    history,
    progress,
    started,
):
    """Test report, export and result of a regression or multilabel run (the test split is
    read once: here; multilabel uses the best epoch's validation threshold)."""
    from advisor.finetuning.tasks import TEST_SCORE

    head = setup.head
    threshold = None
    if head.task == "multilabel":
        best_row = next(r for r in history if r["epoch"] == state.best_epoch)
        threshold = float(best_row["val_threshold"])
    metrics = head.evaluate(outputs, targets, threshold)
    metrics.pop("threshold", None)
    score = metrics[TEST_SCORE[head.task]]
    report = {
        "task": head.task,
        **{f"test_{k}": v for k, v in metrics.items()},
        "test_score": score,
        "test_loss": test_loss,
        "n_test": int(len(targets)),
        "best_epoch": state.best_epoch,
        "metric": recipe.metric,
        "best_val_metric": state.best_metric,
        "epochs_run": state.epoch,
        "stopped_early": state.stopped_early,
        "target_names": list(head.names),
        "threshold": threshold,
    }
    atomic.write_json(run_dir / "report.json", report)
    info = {**head.to_dict(), "threshold": threshold}
    export_dir = _export(run_dir, model, built, head.names, config, backbone, recipe, info)
    if progress is not None:
        shown = {f"test_{k}": v for k, v in metrics.items()}
        progress(
            events.TrainingDone(
                state.epoch, recipe.epochs, 0, 0, {**shown, "best_epoch": state.best_epoch}
            )
        )
    return result_without_test_accuracy(
        run_dir,
        state,
        config,
        built,
        started,
        export_dir=export_dir,
        stopped_early=state.stopped_early,
        task=head.task,
        test_metrics={f"test_{k}": v for k, v in metrics.items()},
        test_score=float(score),
    )


def result_without_test_accuracy(
    run_dir, state, config, built, started, **fields
) -> FinetuneResult:
    """A result with no classification test figures: a cancelled run, or another task's."""
    return FinetuneResult(
        **{
            "run_dir": run_dir,
            "export_dir": None,
            "test_accuracy": math.nan,
            "test_macro_f1": math.nan,
            "best_epoch": state.best_epoch,
            "best_val_metric": _nan(state.best_metric),
            "history": list(state.history),
            "per_class_accuracy": {},
            "confusion": [],
            "config": config,
            "frozen_backbone": built.frozen_backbone,
            "cancelled": False,
            "epochs_run": state.epoch,
            "seconds": time.perf_counter() - started,
            **fields,
        }
    )


def _export(run_dir, model, built, class_names, config, backbone, recipe, task_info=None):
    from advisor.finetuning.build import fold_into_backbone
    from advisor.finetuning.export import export_model

    info = built.export
    if built.frozen_backbone and backbone is not None:
        model, info = fold_into_backbone(model, backbone, recipe)
    tokenizer = encoder_config = None
    if info["kind"] == "text":
        tokenizer, encoder_config = backbone.tokenizer, model.encoder.config
    return export_model(
        run_dir / "model",
        model=model,
        class_names=list(class_names),
        info=info,
        entry_id=config["model"],
        tokenizer=tokenizer,
        encoder_config=encoder_config,
        recipe=config["recipe"],
        # what predict needs to read inputs and outputs: the task, and text pairs
        task_info={**(task_info or {"task": "classification"}), "pairs": bool(config["pairs"])},
    )


def _nan(value):
    return math.nan if value is None else float(value)
