"""extract(layers=True): every layer from the same single forward pass, cached with the rest.

Real computations: a tiny random-init timm EfficientNet on real digits, and the real
all-MiniLM-L6-v2 (offline package) on ~40 real texts.
"""

from __future__ import annotations

import numpy as np
import pytest

from advisor.features import FeatureCache, extract
from advisor.models import load_backbone
from tests.helpers.datasets import small_digits, small_texts
from tests.models.entries import MINILM, offline_entry, tiny_image_entry


@pytest.fixture(scope="module")
def digits40():
    return small_digits(n_per_class=4, seed=0)  # 40 real digit images, 10 classes


@pytest.fixture(scope="module")
def tiny():
    return load_backbone(tiny_image_entry(), device="cpu", pretrained=False)


@pytest.fixture(scope="module")
def minilm():
    return load_backbone(offline_entry(MINILM), device="cpu")


@pytest.fixture(scope="module")
def texts40():
    return small_texts(n_per_class=14, seed=0)


def _count_calls(module) -> list:
    calls = []
    handle = module.register_forward_hook(lambda *_: calls.append(1))
    return calls, handle


def test_image_layers_come_from_the_one_pass_that_gives_the_embedding(tiny, digits40):
    plain = extract(tiny, digits40, cache=False, batch_size=16)
    stem_calls, handle = _count_calls(tiny.model.conv_stem)  # runs once per trunk pass
    try:
        layered = extract(tiny, digits40, cache=False, batch_size=16, layers=True)
    finally:
        handle.remove()
    assert len(stem_calls) == 3  # 40 images in batches of 16: one trunk pass per batch
    np.testing.assert_array_equal(layered.features, plain.features)
    np.testing.assert_array_equal(layered.source_probs, plain.source_probs)
    assert layered.final_layer == "final"
    assert list(layered.layers) == ["stage2", "stage3", "stage4"]
    widths = [a.shape for a in layered.layer_features().values()]
    assert widths == [(40, 32), (40, 48), (40, 64), (40, plain.dim)]


def test_image_stage_features_are_the_pooled_block_outputs(tiny, digits40):
    """stage4 is the global average of the last stage's map (hooked independently)."""
    import torch

    from advisor.features.image_batches import image_batches

    seen = []
    handle = tiny.model.blocks[-1].register_forward_hook(lambda _m, _i, out: seen.append(out))
    try:
        batch = next(iter(image_batches(tiny, digits40, 8)))
        _, _, layers = tiny.embed_layers(batch)
    finally:
        handle.remove()
    expected = torch.stack([t.mean(dim=(2, 3)) for t in seen]).squeeze(0)
    torch.testing.assert_close(layers["stage4"], expected.float())


def test_text_layers_last_equals_default_and_one_pass_per_batch(minilm, texts40):
    plain = extract(minilm, texts40, cache=False, batch_size=16)
    calls, handle = _count_calls(minilm.model)
    try:
        layered = extract(minilm, texts40, cache=False, batch_size=16, layers=True)
    finally:
        handle.remove()
    n = len(texts40)
    assert len(calls) == -(-n // 16)  # one encoder call per batch
    np.testing.assert_allclose(layered.features, plain.features, atol=1e-6)
    assert layered.final_layer == "layer6"
    assert list(layered.layers) == [f"layer{i}" for i in range(1, 6)]
    for array in layered.layers.values():
        assert array.shape == (n, 384)
        np.testing.assert_allclose(np.linalg.norm(array, axis=1), 1.0, atol=1e-5)
    # Middle layers differ from the last one (they are not copies of it).
    assert not np.allclose(layered.layers["layer3"], layered.features, atol=1e-3)


def test_text_layer_is_the_masked_mean_of_that_hidden_state(minilm, texts40):
    import torch

    texts = list(texts40.texts[:3])
    _, _, layers = minilm.embed_layers(texts)
    encoded = minilm.tokenize(texts)
    with torch.inference_mode():
        hidden = minilm.model(**encoded, output_hidden_states=True).hidden_states[2]
    mask = encoded["attention_mask"].unsqueeze(-1).float()
    mean = (hidden * mask).sum(1) / mask.sum(1)
    expected = torch.nn.functional.normalize(mean, dim=1)
    torch.testing.assert_close(layers["layer2"], expected, atol=1e-5, rtol=1e-5)


def test_cache_round_trips_the_layers_and_keeps_default_entries(tmp_path, tiny, digits40):
    cache = FeatureCache(tmp_path / "features")
    default = extract(tiny, digits40, cache=cache, batch_size=16)
    first = extract(tiny, digits40, cache=cache, batch_size=16, layers=True)
    assert not first.cached  # its own key: a default entry has no layers to give
    again = extract(tiny, digits40, cache=cache, layers=True)
    assert again.cached and again.final_layer == first.final_layer
    assert list(again.layers) == list(first.layers)
    for name, array in first.layer_features().items():
        np.testing.assert_array_equal(again.layer_features()[name], array)
    back = extract(tiny, digits40, cache=cache)
    assert back.cached and back.layers is None  # the default entry is still there, unchanged
    np.testing.assert_array_equal(back.features, default.features)
    assert len(list(cache.root.glob("*/*.json"))) == 2
