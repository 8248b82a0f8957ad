"""Classifier modules: a pretrained backbone plus a new head sized to the user's classes.

Each classifier knows which parameters form its head (trained from the first step) and
gives every backbone parameter a layer depth (for layer-wise learning-rate decay).
"""

from __future__ import annotations

import re

import torch
from torch import nn


class ImageClassifier(nn.Module):
    """A timm model whose classifier is reset to ``num_classes`` outputs."""

    kind = "image"

    def __init__(self, net: nn.Module, num_classes: int):
        super().__init__()
        net.reset_classifier(num_classes)
        self.net = net
        zero_init(net.get_classifier())

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)

    def pooled(self, images: torch.Tensor) -> torch.Tensor:
        """The vector the head sees (timm pre-logits)."""
        return self.net.forward_head(self.net.forward_features(images), pre_logits=True)

    def head_layer(self) -> nn.Module:
        return self.net.get_classifier()

    def head_parameter_names(self) -> set[str]:
        head = self.net.get_classifier()
        ids = {id(p) for p in head.parameters()}
        return {name for name, p in self.named_parameters() if id(p) in ids}

    def layer_ids(self) -> dict[str, int]:
        """name -> depth (0 = stem); the head sits one above the deepest backbone layer."""
        from timm.models import group_parameters

        try:
            mapping = group_parameters(self.net, self.net.group_matcher(coarse=False), reverse=True)
        except (AttributeError, NotImplementedError):
            mapping = {}
        return _with_head_on_top({f"net.{k}": v for k, v in mapping.items()}, self)


class TextClassifier(nn.Module):
    """A Hugging Face encoder, pooled (mean over tokens or [CLS]), then dropout + linear."""

    kind = "text"

    def __init__(
        self,
        encoder: nn.Module,
        embed_dim: int,
        num_classes: int,
        pooling: str = "mean",
        dropout: float = 0.1,
        normalize: bool = False,
    ):
        super().__init__()
        if pooling not in ("mean", "cls"):
            raise ValueError(f"pooling must be 'mean' or 'cls', got {pooling!r}")
        self.encoder = encoder
        self.pooling = pooling
        self.normalize = (
            normalize  # L2-normalize the pooled vector (heads trained on frozen embeddings)
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(embed_dim, num_classes)
        zero_init(self.head)

    def forward(self, batch: dict) -> torch.Tensor:
        return self.head(self.dropout(self.pooled(batch)))

    def head_layer(self) -> nn.Module:
        return self.head

    def pooled(self, batch: dict) -> torch.Tensor:
        out = self.encoder(**batch)
        hidden = out.last_hidden_state
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp_min(1.0)
        if self.normalize:
            pooled = nn.functional.normalize(pooled.float(), p=2, dim=1)
        return pooled

    def head_parameter_names(self) -> set[str]:
        return {name for name, _ in self.named_parameters() if name.startswith("head.")}

    def layer_ids(self) -> dict[str, int]:
        pattern = re.compile(r"\.(?:layer|layers|block|blocks)\.(\d+)\.")
        ids = {}
        for name, _ in self.named_parameters():
            if not name.startswith("encoder."):
                continue
            match = pattern.search(name)
            if match:
                ids[name] = int(match.group(1)) + 1
            elif "embed" in name:
                ids[name] = 0
        top = max(ids.values(), default=0) + 1  # pooler / final norm sit above the blocks
        for name, _ in self.named_parameters():
            if name.startswith("encoder.") and name not in ids:
                ids[name] = top
        return _with_head_on_top(ids, self)


class FeatureClassifier(nn.Module):
    """A linear head on frozen features, standardized with the training split's statistics."""

    kind = "features"

    def __init__(self, dim: int, num_classes: int):
        super().__init__()
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("scale", torch.ones(dim))
        self.head = nn.Linear(dim, num_classes)
        zero_init(self.head)

    def fit_standardizer(self, features: torch.Tensor) -> None:
        self.mean.copy_(features.mean(0))
        self.scale.copy_(features.std(0).clamp_min(1e-6))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.head(self.pooled(features))

    def pooled(self, features: torch.Tensor) -> torch.Tensor:
        """The standardised features the head sees (linear-probe head initialisation)."""
        return (features - self.mean) / self.scale

    def head_layer(self) -> nn.Module:
        return self.head

    def head_parameter_names(self) -> set[str]:
        return {name for name, _ in self.named_parameters()}

    def layer_ids(self) -> dict[str, int]:
        return {name: 0 for name, _ in self.named_parameters()}


def zero_init(head: nn.Module) -> None:
    """Start the new head at zero (uniform predictions): random head weights on top of
    pretrained features only add noise that the first steps must undo."""
    with torch.no_grad():
        for param in head.parameters():
            param.zero_()


def _with_head_on_top(ids: dict[str, int], module: nn.Module) -> dict[str, int]:
    """Complete the mapping: unknown backbone parameters go to the top backbone layer, head
    parameters one above."""
    head = module.head_parameter_names()
    top = max((v for k, v in ids.items() if k not in head), default=0)
    out = {}
    for name, _ in module.named_parameters():
        out[name] = top + 1 if name in head else ids.get(name, top)
    return out


def param_groups(
    model: nn.Module,
    *,
    lr: float,
    backbone_lr_mult: float,
    layer_decay: float | None,
    weight_decay: float,
    train_last_layers: int | None = None,
) -> list[dict]:
    """AdamW groups: the head at ``lr``; the backbone at ``lr * backbone_lr_mult`` or, with
    ``layer_decay``, at ``lr * layer_decay ** (depth below the head)``. No weight decay on
    biases and norm weights (1-D tensors). ``train_last_layers``: only the deepest N backbone
    layer groups train (partial fine-tuning); the rest keep their pretrained weights."""
    head = model.head_parameter_names()
    needs_depth = layer_decay is not None or train_last_layers is not None
    depth = model.layer_ids() if needs_depth else {}
    top = max(depth.values(), default=0)
    lowest_trained = top - train_last_layers if train_last_layers is not None else None
    groups: dict[tuple[float, bool], dict] = {}
    for name, param in model.named_parameters():
        if name in head:
            scale = 1.0
        elif layer_decay is not None:
            scale = layer_decay ** (top - depth[name])
        else:
            scale = backbone_lr_mult
        if lowest_trained is not None and name not in head and depth[name] < lowest_trained:
            scale = 0.0  # below the trained blocks: frozen
        if scale == 0.0:
            param.requires_grad_(False)  # a zero rate means "keep frozen"
            continue
        decay = param.ndim > 1
        key = (scale, decay)
        if key not in groups:
            groups[key] = {
                "params": [],
                "names": [],
                "lr_scale": scale,
                "weight_decay": weight_decay if decay else 0.0,
                "base_lr": lr * scale,
                "lr": lr * scale,
            }
        groups[key]["params"].append(param)
        groups[key]["names"].append(name)
    ordered = sorted(groups.values(), key=lambda g: (-g["lr_scale"], g["weight_decay"]))
    for group in ordered:
        del group["names"]  # keep the optimizer state dict small and tensors-only-friendly
    return ordered
