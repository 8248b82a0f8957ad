"""``advisor.finetune``: split the data, build the classifier, train, test, export."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor import validation as v
from advisor.errors import AdvisorError
from advisor.finetuning import atomic, checkpoint, run_folder
from advisor.finetuning.config import Recipe, resolve_recipe
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
    options = run_folder.merge_resume_options(saved, options)

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
    from advisor.finetuning.finish import finish_run, result_without_test_accuracy
    from advisor.finetuning.loop import LoopState, restore, train
    from advisor.finetuning.optimization import build_optimizer
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
    model, ckpt_dir = setup.model, setup.ckpt_dir
    optimizer = build_optimizer(model, recipe)
    if resume and checkpoint.exists(ckpt_dir, "last"):
        state = restore(setup, optimizer)
    else:  # a fresh start (or a run killed before its first checkpoint: replaying it is exact)
        state = LoopState()
    state = train(setup, state, optimizer)
    if not state.finished:
        return result_without_test_accuracy(run_dir, state, config, built, started, cancelled=True)
    return finish_run(
        setup, state, built, recipe, config, run_dir, class_names, backbone, progress, started
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


def _versions() -> dict:
    from importlib import metadata

    out = {}
    for name in ("torch", "timm", "transformers"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out
