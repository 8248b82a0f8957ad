"""``advisor.finetune``: split the data, build the classifier, train, test, export."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor import events
from advisor import validation as v
from advisor.errors import AdvisorError, CheckpointError
from advisor.finetuning import atomic, checkpoint, run_folder
from advisor.finetuning.config import RESUME_FREE_KEYS, Recipe, resolve_recipe
from advisor.finetuning.result import FinetuneResult

if TYPE_CHECKING:  # pragma: no cover
    import os

    from advisor.api_types import CancelFlag, DataLike, ModelLike
    from advisor.data import LabelledData
    from advisor.events import ProgressEvent

_RECIPE = v.Param(
    "recipe",
    (v.InstanceOf((Recipe, Mapping), "a Recipe or a dict of recipe options"), v.NONE),
    "pass advisor.finetuning.Recipe(...) or {'lr': 1e-3, ...}, or None for the defaults",
)


@v.validate_params(
    {
        "recipe": _RECIPE,
        "output": v.OUTPUT,
        "epochs": v.OPTIONAL_EPOCHS,
        "seed": v.SEED,
        "resume": v.FLAG,
        "overwrite": v.FLAG,
        "progress": v.PROGRESS,
        "cancel": v.CANCEL,
    }
)
def finetune(
    data: DataLike | tuple[LabelledData, LabelledData, LabelledData],
    model: ModelLike | None = None,
    *,
    recipe: Recipe | Mapping[str, Any] | None = None,
    output: str | os.PathLike | None = None,
    epochs: int | None = None,
    seed: int = 0,
    resume: bool = False,
    overwrite: bool = False,
    progress: Callable[[ProgressEvent], None] | None = None,
    cancel: CancelFlag | None = None,
    **recipe_options: Any,
) -> FinetuneResult:
    """Fine-tune ``model`` (a catalog id, Entry or loaded Backbone) on labelled ``data``.

    ``data`` is anything ``advisor.load_data`` takes, or a ``(train, val, test)`` tuple for
    your own split. Writes the run folder (config, checkpoints, metrics, report, export) to
    ``output`` (default ``runs/<model>-<data>``). ``recipe``: a ``Recipe`` or a dict of its
    options; single options may also be passed as keywords (``lr=1e-3``), not both ways.
    ``progress`` receives the training events of ``advisor.events``.
    """
    started = time.perf_counter()
    from advisor.data import load_data
    from advisor.finetuning.splits import make_splits

    first = load_data(data[0]) if isinstance(data, tuple) and data else load_data(data)
    model_id = _model_id(model, first)
    _check_modality(model, first)
    options = _recipe_options(recipe, recipe_options, epochs)
    run_dir = (
        Path(output) if output is not None else run_folder.default_run_dir(model_id, first.name)
    )
    task = getattr(first, "task", "classification")
    if not resume:  # bad options are refused before a run folder exists
        resolve_recipe(
            "features" if first.modality == "features" else first.modality, options, task
        )
    saved = run_folder.prepare(run_dir, resume=resume, overwrite=overwrite)
    options = _merge_options(saved, options)

    backbone = None
    if first.modality != "features":
        backbone = _load_backbone(model, options.get("device"))
    from advisor.finetuning.build import finetunable

    frozen = (
        first.modality == "features"
        or bool(options.get("freeze_backbone"))
        or not finetunable(backbone)
    )
    recipe = resolve_recipe("features" if frozen else first.modality, options, task)

    full, train, val, test = make_splits(
        data if isinstance(data, tuple) else first, val=recipe.val, test=recipe.test, seed=seed
    )
    identity = run_folder.run_identity(model_id, full, train, val, test, seed)
    if saved is not None:
        run_folder.check_same_run(saved, identity)

    built = _build(backbone, train, val, test, recipe, seed, frozen, progress, cancel)
    config = {
        "kind": run_folder.RUN_MARKER,
        **identity,
        "data": full.name,
        "data_source": full.source,
        "modality": first.modality,
        "task": task,
        "class_names": list(full.class_names),
        "target_names": getattr(full, "target_names", None),
        "pairs": getattr(full, "text_pairs", None) is not None,
        "frozen_backbone": frozen,
        "split_sizes": {"train": len(train), "val": len(val), "test": len(test)},
        "recipe": recipe.to_dict(),
        "versions": _versions(),
    }
    if saved is None:  # every argument checked: only now does the run folder appear
        run_folder.create(run_dir, overwrite=overwrite)
        atomic.write_json(run_dir / run_folder.CONFIG, config)
    return _run(
        built,
        recipe,
        config,
        run_dir,
        full.class_names,
        backbone,
        seed,
        progress,
        cancel,
        resume,
        started,
    )


def _run(
    built, recipe, config, run_dir, class_names, backbone, seed, progress, cancel, resume, started
):

    from advisor.finetuning.loop import LoopState, build_optimizer, evaluate, restore, train
    from advisor.finetuning.training_setup import training_setup

    setup = training_setup(
        built,
        recipe,
        run_dir,
        num_classes=len(class_names),
        modality=config["modality"],
        seed=seed,
        progress=progress,
        cancel=cancel,
    )
    model, device, ckpt_dir = setup.model, setup.device, setup.ckpt_dir
    optimizer = build_optimizer(model, recipe)
    if resume and checkpoint.exists(ckpt_dir, "last"):
        state = restore(setup, optimizer)
    else:  # a fresh start (or a run killed before its first checkpoint: replaying it is exact)
        state = LoopState()
    state = train(setup, state, optimizer)
    history = list(state.history)
    if not state.finished:
        return _without_test_accuracy(run_dir, state, config, built, started, cancelled=True)

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
        num_workers=recipe.num_workers,
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
    return _without_test_accuracy(
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


def _without_test_accuracy(run_dir, state, config, built, started, **fields) -> FinetuneResult:
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


def _build(backbone, train, val, test, recipe, seed, frozen, progress, cancel):
    from advisor.finetuning import build

    if frozen:
        return build.build_features(
            train, val, test, seed, backbone=backbone, progress=None, cancel=cancel
        )
    if backbone.modality == "image":
        return build.build_image(backbone, train, val, test, recipe, seed)
    return build.build_text(backbone, train, val, test, recipe, seed)


def _recipe_options(recipe, options: dict, epochs: int | None) -> dict:
    """One dict of recipe options from ``recipe=`` and the keywords (which must not clash)."""
    given = recipe.to_dict() if isinstance(recipe, Recipe) else dict(recipe or {})
    both = sorted(set(given) & {k for k, val in options.items() if val is not None})
    if epochs is not None and given.get("epochs") not in (None, epochs):
        both.append("epochs")
    if both:
        raise v.ParameterError(
            f"recipe and the keyword options both set {', '.join(both)}; pass each option "
            "once, in recipe= or as a keyword"
        )
    merged = {**given, **options}
    if epochs is not None:
        merged["epochs"] = epochs
    return merged


def _model_id(model, data) -> str:
    if model is None:
        if data.modality == "features":
            return "features"
        raise AdvisorError(
            "model is required for image and text data: pass a catalog id such as "
            "tf_efficientnet_lite0.in1k (run `advisor rank` to choose one)"
        )
    if isinstance(model, str):
        return model
    entry = getattr(model, "entry", model)
    if hasattr(entry, "id"):
        return entry.id
    raise v.ParameterError(
        v.message(
            "model",
            "a catalog id, an Entry or a Backbone",
            model,
            "pass an id such as tf_efficientnet_lite0.in1k (run `advisor rank` to choose)",
        )
    )


def _check_modality(model, data) -> None:
    """A model of the other modality (say a text encoder picked from a ranking of other data)
    cannot train on ``data``: say so before anything is loaded or written."""
    if model is None or data.modality == "features":
        return
    if isinstance(model, str):
        from advisor.models.loader import as_entry

        model = as_entry(model)  # an unknown id: CatalogError naming the close ids
    entry = getattr(model, "entry", model)
    modality = getattr(entry, "modality", None)
    if modality is not None and modality != data.modality:
        raise AdvisorError(
            f"model {entry.id} is a {modality} model, but {data.name} holds {data.modality} "
            f"data; pick a model for {data.modality} data (`advisor rank` on it suggests one)"
        )


def _load_backbone(model, device):
    from advisor.models import load_backbone, pick_device

    if hasattr(model, "model") and hasattr(model, "entry"):
        return model  # an already loaded Backbone
    return load_backbone(model, device=pick_device(device))


def _merge_options(saved: dict | None, given: dict) -> dict:
    """On resume the saved recipe applies; options given again must agree with it."""
    given = {k: v for k, v in given.items() if v is not None}
    if saved is None:
        return given
    merged = dict(saved.get("recipe", {}))
    clashes = sorted(
        k
        for k, v in given.items()
        if k not in RESUME_FREE_KEYS and k in merged and _differs(merged[k], v)
    )
    if clashes:
        detail = ", ".join(f"{k}={given[k]!r} (run has {merged[k]!r})" for k in clashes)
        raise CheckpointError(
            f"--resume continues the saved recipe, but {detail}; drop those options to resume "
            "exactly, or start a new run with --overwrite or another --output"
        )
    merged.update(given)
    return merged


def _differs(saved, given) -> bool:
    if isinstance(saved, list):
        saved = tuple(saved)
    if isinstance(given, list):
        given = tuple(given)
    return saved != given


def _nan(value):
    return math.nan if value is None else float(value)


def _versions() -> dict:
    from importlib import metadata

    out = {}
    for name in ("torch", "timm", "transformers"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out
