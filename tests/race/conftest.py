"""Tiny random-init timm backbones and a small digits sample for real, quick race trials."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).parents[1] / "finetune"))

ARCHS = ("test_efficientnet", "test_resnet", "test_byobnet")
RECIPE = dict(image_size=32, batch_size=16, lr=1e-3, backbone_lr_mult=1.0, augment="light")


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    import torch

    torch.set_num_threads(1)


def tiny(arch: str):
    def build():
        from advisor.models import load_backbone
        from catalog import Entry

        entry = Entry(id=f"{arch}.r160_in1k", modality="image", source="timm", architecture=arch)
        return load_backbone(entry, pretrained=False, device="cpu")

    return build


@pytest.fixture(scope="session")
def models():
    return {f"{arch}.r160_in1k": tiny(arch) for arch in ARCHS}


@pytest.fixture(scope="session")
def digits():
    from finetune_helpers import small_digits

    return small_digits(150)
