"""Honest control candidates for the zoo benchmark: the same networks with the pretraining
taken away, so a ranking method must tell learned features from architecture alone.

* ``random_init(id)``       : same architecture, random weights (seeded).
* ``truncated(id, stages)`` : the pretrained image network cut after ``stages`` of its block
                              stages (no head conv): real but shallower features; timm
                              EfficientNets and torchvision's MobileNetV2 (its 7 stages of
                              inverted residuals, by output width).
* ``embeddings_only(id)``   : a pretrained text encoder with zero transformer layers left,
                              i.e. a bag of (position-aware) word embeddings.
* ``first_layers(id, n)``   : a pretrained text encoder keeping its first ``n`` transformer
                              layers: real but shallower features.

Each returns a loaded ``Backbone`` with its own catalog-style Entry (id suffixed with the
control's name, no ImageNet top-1, "none" pretraining for random weights) and its own
weights fingerprint, so feature and fine-tuning caches never mix controls with the originals.
"""

from __future__ import annotations

import dataclasses

from catalog import load_catalog


def _entry(model_id: str):
    return load_catalog().get(model_id)


def random_init(model_id: str, seed: int = 0):
    from advisor.models import load_backbone

    base = _entry(model_id)
    entry = dataclasses.replace(
        base,
        id=f"{model_id}+random-init",
        imagenet_top1=None,
        pretraining_data="none",
        has_source_head=False,
        num_source_classes=None,
        notes="control: random weights",
    )
    backbone = load_backbone(entry, pretrained=False, seed=seed)
    backbone.has_source_head = False
    return backbone


# torchvision MobileNetV2: features[0] is the stem, then 7 stages of inverted residual blocks
# (widths 16, 24, 32, 64, 96, 160, 320), then the 1x1 head conv; stage k ends before index:
MOBILENET_V2_STAGE_ENDS = (2, 4, 7, 11, 14, 17, 18)


def truncated(model_id: str, stages: int = 3):
    """Pretrained image model cut after ``stages`` block stages (timm EfficientNet-style, or
    torchvision's MobileNetV2)."""
    import torch

    from advisor.models import load_backbone

    base = _entry(model_id)
    if base.source == "torchvision":
        return _truncated_torchvision(base, stages)
    backbone = load_backbone(base)
    model = backbone.model
    if not hasattr(model, "blocks") or stages >= len(model.blocks):
        raise ValueError(f"{model_id} has no block stages to cut at {stages}")
    model.blocks = model.blocks[:stages]
    model.conv_head = torch.nn.Identity()
    model.bn2 = torch.nn.Identity()
    model.classifier = torch.nn.Identity()
    with torch.no_grad():
        size = backbone.data_config["input_size"][-1]
        probe = torch.zeros(1, 3, size, size, device=backbone.device)
        width = int(model.forward_head(model.forward_features(probe), pre_logits=True).shape[-1])
    model.num_features = width
    if hasattr(model, "head_hidden_size"):
        model.head_hidden_size = width
    return _cut(backbone, base, model, width, stages, f"{stages} block stages")


def _truncated_torchvision(base, stages: int):
    import torch

    from advisor.models import load_backbone

    if base.architecture != "mobilenet_v2" or not 1 <= stages < len(MOBILENET_V2_STAGE_ENDS):
        raise ValueError(f"{base.id}: only mobilenet_v2 cuts at 1-6 of its 7 stages here")
    backbone = load_backbone(base)
    wrapper = backbone.model
    wrapper.trunk.features = wrapper.trunk.features[: MOBILENET_V2_STAGE_ENDS[stages - 1]]
    wrapper.head = torch.nn.Identity()  # the 1000-class head fits only the full network
    with torch.no_grad():
        size = backbone.data_config["input_size"][-1]
        probe = torch.zeros(1, 3, size, size, device=backbone.device)
        width = int(wrapper.forward_features(probe).shape[-1])
    wrapper.num_features, wrapper.num_classes = width, 0
    return _cut(backbone, base, wrapper, width, stages, f"{stages} of 7 inverted-residual stages")


def _cut(backbone, base, model, width: int, stages: int, where: str):
    """The truncated backbone and its Entry: its own id and fingerprint, no source head and no
    ImageNet top-1 (the cut network was never evaluated there)."""
    entry = dataclasses.replace(
        base,
        id=f"{base.id}+first-{stages}-stages",
        imagenet_top1=None,
        embed_dim=width,
        has_source_head=False,
        num_source_classes=None,
        notes=f"control: pretrained weights cut after {where}",
    )
    return dataclasses.replace(
        backbone,
        entry=entry,
        model=model,
        embed_dim=width,
        has_source_head=False,
        weights_fingerprint=f"{backbone.weights_fingerprint}-stages{stages}",
    )


def embeddings_only(model_id: str):
    """A Hugging Face BERT-style encoder with its transformer layers removed."""
    return first_layers(model_id, 0)


def first_layers(model_id: str, layers: int):
    """A Hugging Face BERT-style encoder keeping its first ``layers`` transformer layers."""
    import torch

    from advisor.models import load_backbone

    base = _entry(model_id)
    backbone = load_backbone(base)
    encoder = getattr(backbone.model, "encoder", None)
    if encoder is None or not hasattr(encoder, "layer"):
        raise ValueError(f"{model_id} is not a BERT-style encoder with encoder.layer")
    if layers >= len(encoder.layer):
        raise ValueError(f"{model_id} has only {len(encoder.layer)} layers; cannot keep {layers}")
    encoder.layer = torch.nn.ModuleList(list(encoder.layer)[:layers])
    if layers == 0:
        name, note, tag = (
            "embeddings-only",
            "control: word embeddings only (bag of words)",
            "emb-only",
        )
    else:
        name, note, tag = (
            f"first-{layers}-layers",
            f"control: first {layers} transformer layers",
            f"layers{layers}",
        )
    entry = dataclasses.replace(base, id=f"{model_id}+{name}", notes=note)
    return dataclasses.replace(
        backbone, entry=entry, weights_fingerprint=f"{backbone.weights_fingerprint}-{tag}"
    )
