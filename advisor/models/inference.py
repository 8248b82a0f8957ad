"""Inference-only rewrites of a loaded image backbone, exact up to float rounding and checked.

**BatchNorm folding.** In eval mode a BatchNorm2d is a fixed per-channel affine map, so it
can be folded into the weights of the convolution that feeds it
(``torch.nn.utils.fusion.fuse_conv_bn_eval``). That removes one full pass over every
activation map: on this CPU the trunks ran 1.1-1.9x faster, depending on the model and the
measurement (docs/features.md "Performance"). Only extraction does this, on a backbone it
loaded itself: a fine-tune needs its BatchNorm layers.

A pair is a Conv2d and the BatchNorm2d registered right after it in the same parent, which
is how torchvision's Sequential blocks and timm's EfficientNet blocks are written. Nothing
guarantees that registration order is data flow in every network, so the folded network is
compared with the original on one seeded random batch, and its original modules are put
back if any output moved by more than ``FOLD_TOLERANCE`` (relative, per device).
"""

from __future__ import annotations

# Relative change allowed per output. On the CPU folding moves these embeddings by about
# 2e-6; on CUDA, cuDNN's default TF32 convolutions round to about 1e-3 on both sides. A pair
# that is not data flow moves the outputs by far more than either.
FOLD_TOLERANCE = {"cpu": 1e-4, "cuda": 1e-2}


def fold_batch_norms(backbone) -> int:
    """Fold ``backbone.model``'s conv-BatchNorm pairs in place; the number folded (0 when
    none, or when the check failed and the original modules were put back)."""
    import torch

    model = backbone.model
    if model.training or backbone.data_config is None:
        return 0
    batch = _check_batch(backbone)
    with torch.inference_mode():
        before = _outputs(model, batch)
        swapped = _fold_pairs(model, torch)
        if not swapped:
            return 0
        model.to(memory_format=torch.channels_last)
        after = _outputs(model, batch)
    tolerance = FOLD_TOLERANCE.get(batch.device.type, FOLD_TOLERANCE["cpu"])
    if all(_relative_change(a, b) <= tolerance for a, b in zip(before, after, strict=True)):
        return len(swapped)
    for parent, name, module in swapped:  # fuse_conv_bn_eval made new convs: put the old back
        setattr(parent, name[0], module[0])
        setattr(parent, name[1], module[1])
    return 0


def _fold_pairs(model, torch) -> list[tuple]:
    """Fold every pair; (parent, (conv name, norm name), (conv, norm)) of each, to undo it."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    swapped = []
    for parent in list(model.modules()):
        children = list(parent.named_children())
        for (conv_name, conv), (norm_name, norm) in zip(children, children[1:], strict=False):
            if not (isinstance(conv, torch.nn.Conv2d) and _foldable_norm(norm, torch)):
                continue
            if type(norm) is torch.nn.BatchNorm2d:
                rest = torch.nn.Identity()
            else:  # timm's BatchNormAct2d: batch norm, then its dropout and activation
                rest = torch.nn.Sequential(norm.drop, norm.act)
            setattr(parent, conv_name, fuse_conv_bn_eval(conv, norm))
            setattr(parent, norm_name, rest)
            swapped.append((parent, (conv_name, norm_name), (conv, norm)))
    return swapped


def _foldable_norm(norm, torch) -> bool:
    if not isinstance(norm, torch.nn.BatchNorm2d) or norm.training:
        return False
    if norm.running_mean is None or norm.running_var is None:  # batch statistics only
        return False
    plain = type(norm) is torch.nn.BatchNorm2d
    return plain or (hasattr(norm, "act") and hasattr(norm, "drop"))


def _check_batch(backbone):
    import torch

    channels, height, width = backbone.data_config["input_size"]
    generator = torch.Generator().manual_seed(0)
    batch = torch.randn(2, channels, height, width, generator=generator)
    return batch.to(backbone.device).contiguous(memory_format=torch.channels_last)


def _outputs(model, batch) -> list:
    """The embedding and, where there is a source head, the logits (float32, no autocast)."""
    maps = model.forward_features(batch)
    out = [model.forward_head(maps, pre_logits=True).float()]
    if getattr(model, "num_classes", 0):
        out.append(model.forward_head(maps).float())
    return out


def _relative_change(before, after) -> float:
    scale = float(before.norm())
    return float((after - before).norm()) / scale if scale > 0 else float((after - before).norm())
