"""Helpers shared by the fine-tuning tests: a tiny random-init timm model and small data."""

from __future__ import annotations

import numpy as np

TINY_ENTRY = dict(
    id="test_efficientnet.r160_in1k",
    modality="image",
    source="timm",
    architecture="test_efficientnet",
)
# Settings under which the tiny random-init model learns digits within a few epochs.
TINY_RECIPE = dict(
    image_size=32, batch_size=16, lr=1e-3, backbone_lr_mult=1.0, augment="light", head_epochs=1
)


def tiny_backbone():
    """A fresh tiny timm backbone (the engine replaces its head, so never reuse one)."""
    from advisor.models import load_backbone
    from catalog import Entry

    return load_backbone(Entry(**TINY_ENTRY), pretrained=False, device="cpu")


def small_digits(n: int = 150, seed: int = 0):
    from advisor.data import load_data, subsample

    return subsample(load_data("digits"), n, seed=seed)[0]


def relabel(data, keep_classes: list[str]):
    """The examples of some classes only, with labels renumbered 0..k-1."""
    from advisor.data import LabelledData

    old = [data.class_names.index(c) for c in keep_classes]
    idx = np.flatnonzero(np.isin(data.labels, old))
    sub = data.subset(idx)
    mapping = {o: i for i, o in enumerate(old)}
    return LabelledData(
        name=f"{data.name}-{len(keep_classes)}",
        modality=data.modality,
        labels=np.array([mapping[int(x)] for x in sub.labels]),
        class_names=list(keep_classes),
        source=data.source,
        texts=sub.texts,
        image_paths=sub.image_paths,
        image_arrays=sub.image_arrays,
        features=sub.features,
    )


def read_weights(run_dir):
    from safetensors.torch import load_file

    return load_file(str(run_dir / "model" / "model.safetensors"))


def assert_same_weights(a: dict, b: dict):
    import torch

    assert a.keys() == b.keys()
    for key in a:
        assert torch.allclose(a[key].double(), b[key].double(), rtol=0, atol=1e-6), key


REFERENCE = dict(epochs=3, seed=0, **TINY_RECIPE)
