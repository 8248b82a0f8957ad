"""BatchNorm folding for extraction (advisor/models/inference.py): the same embeddings and
source logits as the unfolded network, the user's own Backbone left alone, and a network
whose registration order is not its data flow put back unchanged."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from advisor.features import extract
from advisor.models import load_backbone
from advisor.models.inference import fold_batch_norms
from tests.helpers.datasets import small_digits

pytestmark = pytest.mark.slow


def _norms(model) -> int:
    return sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())


@pytest.mark.parametrize(
    ("model_id", "pairs"),
    [("tf_efficientnet_lite0.in1k", 49), ("torchvision/mobilenet_v2", 52)],
)
def test_folding_keeps_the_embeddings_and_source_logits(model_id, pairs):
    backbone = load_backbone(model_id, device="cpu")
    assert _norms(backbone.model) == pairs
    images = torch.randn(3, *backbone.data_config["input_size"], generator=torch.Generator())
    before = backbone.embed_and_logits(images)
    assert fold_batch_norms(backbone) == pairs
    assert _norms(backbone.model) == 0  # timm's BatchNormAct2d too, its activation kept
    after = backbone.embed_and_logits(images)
    for old, new in zip(before, after, strict=True):
        assert float((new - old).norm() / old.norm()) < 1e-5


def test_extraction_folds_its_own_backbone_and_not_the_users():
    digits = small_digits(n_per_class=2, seed=0)
    users = load_backbone("torchvision/mobilenet_v2", device="cpu")
    from_user = extract(users, digits, cache=False)
    assert _norms(users.model) == 52  # a Backbone the caller may still fine-tune
    # device="cpu": the user's is on the CPU, and CUDA would extract in bf16
    own = extract("torchvision/mobilenet_v2", digits, cache=False, device="cpu")
    np.testing.assert_allclose(own.features, from_user.features, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(own.source_probs, from_user.source_probs, atol=1e-5)


class _NormOnTheInput(torch.nn.Module):
    """Registers a conv and then a BatchNorm, but normalises the input before the conv."""

    num_classes = 0

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 3, 3, padding=1)
        self.norm = torch.nn.BatchNorm2d(3)
        with torch.no_grad():
            self.norm.running_mean.fill_(0.5)
            self.norm.running_var.fill_(4.0)
        self.eval()

    def forward_features(self, x):
        return self.conv(self.norm(x))

    def forward_head(self, x, pre_logits=False):
        return x.mean(dim=(2, 3))


def test_a_pair_that_is_not_data_flow_is_put_back():
    model = _NormOnTheInput()
    backbone = SimpleNamespace(
        model=model, data_config={"input_size": (3, 8, 8)}, device=torch.device("cpu")
    )
    images = torch.randn(2, 3, 8, 8)
    expected = model.forward_head(model.forward_features(images))
    assert fold_batch_norms(backbone) == 0
    restored = backbone.model
    assert isinstance(restored.norm, torch.nn.BatchNorm2d)
    torch.testing.assert_close(restored.forward_head(restored.forward_features(images)), expected)
