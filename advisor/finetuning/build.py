"""Turn a backbone + the splits + the recipe into a classifier, datasets and the
preprocessing record that the export needs to rebuild everything offline."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from advisor.finetuning.batches import (
    FeatureExamples,
    ImageExamples,
    TextExamples,
    TokenizeCollate,
    stack_collate,
)
from advisor.finetuning.classifier import FeatureClassifier, ImageClassifier, TextClassifier
from advisor.finetuning.config import Recipe
from advisor.jsonable import to_jsonable


@dataclass
class Built:
    model: object  # torch.nn.Module classifier
    train_set: object
    val_set: object
    test_set: object
    collate: object
    frozen_backbone: bool
    export: dict = field(default_factory=dict)  # what export.py writes into config.json
    tokenizer: object | None = None
    probe_set: object | None = None  # the train split with eval preprocessing (linear-probe head)
    task: object | None = None  # advisor.finetuning.tasks.TaskHead (None: classification)


def image_data_config(backbone, recipe: Recipe) -> dict:
    config = dict(backbone.data_config)
    if recipe.image_size is not None:
        config["input_size"] = (3, recipe.image_size, recipe.image_size)
    return config


def image_transforms(data_config: dict, augment: str):
    from timm.data import create_transform

    eval_tf = create_transform(**data_config, is_training=False)
    if augment == "none":
        return eval_tf, eval_tf
    extra = {}
    if (
        augment == "light"
    ):  # for small sets and few epochs: keep most of the object, no colour jitter
        extra = {"scale": (0.5, 1.0), "color_jitter": None}
    train_tf = create_transform(
        **{k: v for k, v in data_config.items() if k != "crop_mode"}, is_training=True, **extra
    )
    return train_tf, eval_tf


def build_image(backbone, train, val, test, recipe: Recipe, seed: int) -> Built:
    import torch

    data_config = image_data_config(backbone, recipe)
    train_tf, eval_tf = image_transforms(data_config, recipe.augment)
    task, (y_train, y_val, y_test) = _task_targets(train, val, test)
    torch.manual_seed(seed)  # the new head's initial weights
    model = ImageClassifier(backbone.model, task.outputs)
    arch = _timm_arch(backbone)
    return Built(
        model=model,
        frozen_backbone=False,
        collate=stack_collate,
        train_set=ImageExamples(train, train_tf, seed, y_train),
        val_set=ImageExamples(val, eval_tf, seed, y_val),
        test_set=ImageExamples(test, eval_tf, seed, y_test),
        probe_set=ImageExamples(train, eval_tf, seed, y_train),
        task=task,
        export={
            "kind": "image",
            "architecture": arch,
            "source": backbone.entry.source,  # torchvision-built nets are rebuilt by advisor.models
            "data_config": to_jsonable(data_config),
        },
    )


def text_classifier(backbone, outputs: int) -> TextClassifier:
    """A new head on the embedding the ranking scored: the model's pooling, L2-normalised
    where its sentence-transformers pipeline normalises (its frozen features are those)."""
    return TextClassifier(
        backbone.model,
        backbone.embed_dim,
        outputs,
        pooling=backbone.pooling or "mean",
        normalize=bool(backbone.normalize),
    )


def build_text(backbone, train, val, test, recipe: Recipe, seed: int) -> Built:
    import torch

    limit = backbone.max_length or recipe.max_length
    max_length = min(recipe.max_length, limit)
    task, (y_train, y_val, y_test) = _task_targets(train, val, test)
    torch.manual_seed(seed)
    model = text_classifier(backbone, task.outputs)
    return Built(
        model=model,
        frozen_backbone=False,
        collate=TokenizeCollate(backbone.tokenizer, max_length),
        train_set=TextExamples(train, y_train),
        val_set=TextExamples(val, y_val),
        test_set=TextExamples(test, y_test),
        probe_set=TextExamples(train, y_train),
        tokenizer=backbone.tokenizer,
        task=task,
        export={
            "kind": "text",
            "pooling": model.pooling,
            "normalize": model.normalize,
            "max_length": max_length,
            "embed_dim": backbone.embed_dim,
        },
    )


def build_features(
    train, val, test, seed: int, *, backbone=None, progress=None, cancel=None
) -> Built:
    """A head on frozen features: the data's own (.npz) or the backbone's pooled embeddings."""
    import torch

    if backbone is None:
        parts = [np.asarray(p.features, dtype=np.float32) for p in (train, val, test)]
    else:
        parts = [
            embed_all(backbone, p, progress=progress, cancel=cancel) for p in (train, val, test)
        ]
    task, targets = _task_targets(train, val, test)
    torch.manual_seed(seed)
    model = FeatureClassifier(parts[0].shape[1], task.outputs)
    model.fit_standardizer(torch.from_numpy(parts[0]))
    sets = [
        FeatureExamples(f, p.labels if y is None else y)
        for f, p, y in zip(parts, (train, val, test), targets, strict=True)
    ]
    return Built(
        model=model,
        frozen_backbone=True,
        collate=stack_collate,
        train_set=sets[0],
        val_set=sets[1],
        test_set=sets[2],
        task=task,
        # regression / multilabel heads start from the least-squares / logistic fit (a zero
        # head needs many steps to reach the targets' scale); classification as before
        probe_set=None if task.task == "classification" else sets[0],
        export={"kind": "features", "feature_dim": int(parts[0].shape[1])},
    )


def _task_targets(train, val, test):
    """The TaskHead of the training split and each split's encoded targets (None for
    classification: the datasets then read the class labels)."""
    from advisor.finetuning.tasks import task_head

    task = task_head(train)
    if task.task == "classification":
        return task, (None, None, None)
    return task, tuple(task.encode(part) for part in (train, val, test))


def fold_into_backbone(head_model, backbone, recipe: Recipe):
    """Turn a head trained on frozen pooled features into a whole classifier (backbone +
    one linear layer with the standardization folded in), so the export predicts from raw
    images or texts like any fine-tuned model. Returns (classifier, export info)."""
    import torch

    linear = head_model.head
    weight = linear.weight.detach() / head_model.scale
    bias = linear.bias.detach() - weight @ head_model.mean
    classes = weight.shape[0]
    if backbone.modality == "image":
        model = ImageClassifier(backbone.model, classes)
        target = model.net.get_classifier()
        info = {
            "kind": "image",
            "architecture": _timm_arch(backbone),
            "source": backbone.entry.source,
            "data_config": to_jsonable(backbone.data_config),
        }
    else:
        model = text_classifier(backbone, classes)
        target = model.head
        info = {
            "kind": "text",
            "pooling": model.pooling,
            "normalize": model.normalize,
            "max_length": min(recipe.max_length, backbone.max_length or recipe.max_length),
            "embed_dim": backbone.embed_dim,
        }
    with torch.no_grad():
        target.weight.copy_(weight.to(target.weight.device))
        target.bias.copy_(bias.to(target.bias.device))
    return model, info


def _timm_arch(backbone) -> str:
    return (getattr(backbone.model, "pretrained_cfg", None) or {}).get(
        "architecture"
    ) or backbone.entry.architecture


def embed_all(backbone, data, *, batch_size: int = 64, progress=None, cancel=None) -> np.ndarray:
    """Pooled embeddings of a whole split (eval preprocessing, no gradients)."""
    from advisor.features import extract

    # text pairs: the pair encoding ("joint"), the input the folded export reads
    options = {"pair_mode": "joint"} if getattr(data, "text_pairs", None) is not None else {}
    features = extract(
        backbone, data, batch_size=batch_size, progress=progress, cancel=cancel, **options
    ).features
    return np.asarray(features, dtype=np.float32)


def finetunable(backbone) -> bool:
    """Whether the backbone's weights can be trained end to end by this engine."""
    if backbone.modality == "image":
        return hasattr(backbone.model, "reset_classifier") and hasattr(
            backbone.model, "get_classifier"
        )
    return backbone.modality == "text" and any(True for _ in backbone.model.parameters())
