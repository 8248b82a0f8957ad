"""Frozen features of text pairs: the tokenizer's pair encoding ("joint") or the two separate
embeddings combined as [u, v, |u-v|, u*v] ("combined"); each mode has its own cache entry."""

import numpy as np
import pytest

from advisor.data import LabelledData
from advisor.errors import DataError
from advisor.features import FeatureCache, extract
from advisor.models import load_backbone
from tests.helpers.datasets import text_examples
from tests.models.entries import MINILM, offline_entry


@pytest.fixture(scope="module")
def pairs():
    texts = [t for t, _ in text_examples(4, source="embedded")]  # 12 real sentences
    return LabelledData(
        "pairs", "text", [k % 2 for k in range(6)], ["no", "yes"], "test",
        texts=texts[:6], text_pairs=texts[6:],
    )  # fmt: skip


@pytest.mark.slow
def test_combined_and_joint_pair_features(tmp_path, pairs, monkeypatch):
    backbone = load_backbone(offline_entry(MINILM), device="cpu")
    cache = FeatureCache(tmp_path / "features")
    combined = extract(backbone, pairs, cache=cache, batch_size=4)  # the default mode
    u = backbone.embed(pairs.texts).numpy()
    v = backbone.embed(pairs.text_pairs).numpy()
    expected = np.concatenate([u, v, np.abs(u - v), u * v], axis=1)
    assert combined.features.shape == (6, 4 * 384) and combined.stats["pair_mode"] == "combined"
    np.testing.assert_allclose(combined.features, expected, atol=1e-5)

    joint = extract(backbone, pairs, cache=cache, batch_size=4, pair_mode="joint")
    assert not joint.cached and joint.features.shape == (6, 384)
    assert joint.stats["pair_mode"] == "joint"
    encoded = backbone.tokenize(pairs.texts, pairs.text_pairs)
    one_pass = backbone.embed_and_logits(encoded, with_logits=False)[0].numpy()
    np.testing.assert_allclose(joint.features, one_pass, atol=1e-5)
    assert not np.allclose(joint.features, u, atol=1e-3)  # the second text was read too

    again = extract(backbone, pairs, cache=cache, pair_mode="combined")
    assert again.cached
    np.testing.assert_array_equal(again.features, combined.features)


def test_unknown_pair_mode_is_refused(pairs):
    with pytest.raises(DataError, match="pair_mode must be one of joint, combined"):
        extract(offline_entry(MINILM), pairs, cache=False, pair_mode="concat")
