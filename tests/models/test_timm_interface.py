"""The non-timm wrappers (torchvision, CRAFT) speak timm's classifier interface alike."""

import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")

from advisor.models.craft_trunk import CraftTrunk  # noqa: E402
from advisor.models.torchvision_loader import TorchvisionBackbone  # noqa: E402


def _wrappers():
    torch.manual_seed(0)
    resnet = TorchvisionBackbone(torchvision.models.resnet18(weights=None, num_classes=7))
    craft = CraftTrunk(torch.nn.Conv2d(3, 512, kernel_size=3, padding=1))
    return {"torchvision": (resnet, 7), "craft": (craft, 0)}


@pytest.mark.parametrize("name", ["torchvision", "craft"])
def test_reset_classifier_gives_the_head_a_fine_tune_trains(name):
    model, source_classes = _wrappers()[name]
    images = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        out = model(images)
    assert out.shape == (2, source_classes or model.num_features)
    model.reset_classifier(5)
    assert model.num_classes == 5 and model.get_classifier() is model.head
    with torch.no_grad():
        logits = model(images)
        pooled = model.forward_head(model.forward_features(images), pre_logits=True)
    assert logits.shape == (2, 5)
    torch.testing.assert_close(logits, model.head(pooled))
    model.reset_classifier(0)
    with torch.no_grad():
        assert model(images).shape == (2, model.num_features)
