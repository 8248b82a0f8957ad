"""The vectorised array preprocessing reproduces each model's own PIL eval transform."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from advisor.features.image_batches import ArrayPreprocessor
from tests.helpers.datasets import small_digits
from tests.models.entries import photos

# PIL rounds after each resampling pass in fixed point, the matmuls in float: a pixel may
# land one level off per pass, so two grey levels at most, and almost never.
TWO_GREY_LEVELS = 2.0 / 255 + 1e-6


def _timm_transform(name: str):
    import timm
    from timm.data import create_transform, resolve_data_config

    cfg = timm.models.get_pretrained_cfg(name).to_dict()
    return create_transform(**resolve_data_config(pretrained_cfg=cfg))


def _torchvision_transform(arch: str):
    from advisor.models.torchvision_loader import eval_transform, transform_settings
    from catalog import Entry

    entry = Entry(id=arch, modality="image", source="torchvision", architecture=arch)
    return eval_transform(transform_settings(entry))


def _pixel_gap(transform, arrays: np.ndarray) -> float:
    """Largest difference between the two paths, in units of the 0..1 pixel scale.

    Also checks that differing pixels are rare (under 1% of them).
    """
    pre = ArrayPreprocessor.from_transform(transform, arrays.shape[1], arrays.shape[2])
    assert pre is not None
    fast = pre(arrays)
    slow = torch.stack([transform(Image.fromarray(a).convert("RGB")) for a in arrays])
    assert fast.shape == slow.shape and fast.dtype == torch.float32
    std = torch.as_tensor(transform.transforms[-1].std).view(1, 3, 1, 1)
    gap = (fast - slow).abs() * std
    assert float((gap > 0.5 / 255).float().mean()) < 0.01
    return float(gap.max())


@pytest.mark.parametrize(
    "model", ["tf_efficientnet_lite0.in1k", "tf_efficientnet_lite2.in1k", "resnet50.a1_in1k"]
)
def test_grey_digits_match_timm_transforms(model):
    arrays = small_digits(n_per_class=1).image_arrays
    assert _pixel_gap(_timm_transform(model), arrays) <= TWO_GREY_LEVELS


@pytest.mark.parametrize("arch", ["resnet50", "inception_v3"])
def test_rgb_photos_match_torchvision_presets(arch):
    pictures = photos()
    arrays = np.stack([pictures["china"][:300, :500], pictures["flower"][100:400, :500]])
    assert _pixel_gap(_torchvision_transform(arch), arrays) <= TWO_GREY_LEVELS


def test_unrecognised_transform_falls_back():
    from torchvision import transforms as T

    odd = T.Compose([T.Resize(32), T.RandomHorizontalFlip(), T.ToTensor()])
    assert ArrayPreprocessor.from_transform(odd, 8, 8) is None


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_cuda_the_batch_is_resized_on_the_gpu_like_on_the_cpu():
    arrays = small_digits(n_per_class=1).image_arrays
    transform = _timm_transform("tf_efficientnet_lite0.in1k")
    on_cpu = ArrayPreprocessor.from_transform(transform, *arrays.shape[1:3])(arrays)
    on_gpu = ArrayPreprocessor.from_transform(transform, *arrays.shape[1:3], device="cuda")
    resized = on_gpu(arrays)
    assert resized.device.type == "cuda"
    std = torch.as_tensor(transform.transforms[-1].std).view(1, 3, 1, 1)
    assert float(((resized.cpu() - on_cpu).abs() * std).max()) <= TWO_GREY_LEVELS
