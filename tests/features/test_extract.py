"""extract(): real models on small real data, cache behaviour, cancellation, statistics."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from advisor.data import LabelledData
from advisor.errors import Cancelled, DataError
from advisor.features import FeatureCache, extract
from advisor.models import load_backbone
from tests.helpers.datasets import make_image_folder, small_digits, small_texts
from tests.models.entries import LITE0, MINILM, offline_entry, tiny_image_entry


@pytest.fixture(scope="module")
def digits20():
    return small_digits(n_per_class=2, seed=0)  # 20 real digit images, 10 classes


@pytest.fixture(scope="module")
def tiny():
    return load_backbone(tiny_image_entry(), device="cpu", pretrained=False)


@pytest.mark.slow
def test_lite0_on_real_digits_then_cache_hit_without_loading(tmp_path, digits20, monkeypatch):
    cache = FeatureCache(tmp_path / "features")
    events = []
    first = extract(
        offline_entry(LITE0), digits20, cache=cache, batch_size=8, progress=events.append
    )
    assert first.features.shape == (20, 1280) and first.features.dtype == np.float32
    assert np.isfinite(first.features).all() and first.features.std(axis=0).mean() > 0
    assert first.source_probs.shape == (20, 1000)
    np.testing.assert_allclose(first.source_probs.sum(axis=1), 1.0, rtol=1e-4)
    assert not first.cached and first.seconds > 0
    np.testing.assert_array_equal(first.labels, digits20.labels)
    assert first.stats["native_size"] == 224 and first.stats["data_mean_height"] == 8.0
    assert first.stats["grayscale_fraction"] == 1.0 and first.stats["preprocess"] == "vectorised"
    assert [e["done"] for e in events] == [0, 8, 16, 20] and {e["total"] for e in events} == {20}

    import advisor.features.extraction as extract_module

    def no_model(*_args, **_kwargs):
        raise AssertionError("a cache hit must not build the network")

    monkeypatch.setattr(extract_module, "load_backbone", no_model)
    second = extract(offline_entry(LITE0), digits20, cache=cache)
    assert second.cached and second.seconds == 0.0
    np.testing.assert_array_equal(second.features, first.features)
    np.testing.assert_array_equal(second.source_probs, first.source_probs)
    assert second.stats["computed_seconds"] == pytest.approx(first.seconds)


@pytest.mark.slow
def test_minilm_on_real_texts_keeps_order_and_reports_stats(tmp_path):
    data = small_texts(n_per_class=6, seed=0)
    backbone = load_backbone(offline_entry(MINILM), device="cpu")
    fs = extract(backbone, data, cache=False, batch_size=5)
    assert fs.features.shape == (len(data), 384) and fs.source_probs is None
    np.testing.assert_allclose(np.linalg.norm(fs.features, axis=1), 1.0, atol=1e-5)
    # Length-sorted batching must not reorder rows: compare with one text at a time.
    for i in (0, len(data) // 2, len(data) - 1):
        single = backbone.embed([data.texts[i]]).numpy()[0]
        np.testing.assert_allclose(fs.features[i], single, atol=1e-5)
    assert 0.0 <= fs.stats["unk_rate"] < 0.05
    assert fs.stats["truncation_rate"] == 0.0 and fs.stats["max_length"] == 256


def test_text_stats_count_truncation_and_unknown_tokens():
    from dataclasses import replace

    entry = replace(offline_entry(MINILM), input_size=12)  # 10 word pieces after [CLS]/[SEP]
    backbone = load_backbone(entry, device="cpu")
    texts = [
        "short one",
        "this sentence is certainly going to be longer than ten word pieces",
        "✈✈✈ ✈✈",
        "plain words here",
    ]
    data = LabelledData(
        name="t",
        modality="text",
        labels=np.array([0, 1, 0, 1]),
        class_names=["a", "b"],
        source="test",
        texts=texts,
    )
    fs = extract(backbone, data, cache=False)
    assert fs.stats["truncation_rate"] == 0.25
    assert fs.stats["unk_rate"] > 0  # the airplane symbols are not in the BERT vocabulary
    assert fs.stats["max_length"] == 12


def test_corrupt_cache_entries_are_recomputed(tmp_path, digits20, tiny):
    cache = FeatureCache(tmp_path)
    first = extract(tiny, digits20, cache=cache)
    (npz,) = tmp_path.glob("*/*.npz")
    npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])  # a partial write
    second = extract(tiny, digits20, cache=cache)
    assert not second.cached
    np.testing.assert_allclose(second.features, first.features, rtol=1e-5, atol=1e-6)
    assert extract(tiny, digits20, cache=cache).cached  # the rewritten entry is whole again

    (meta,) = tmp_path.glob("*/*.json")
    meta.write_text("{not json")
    assert not extract(tiny, digits20, cache=cache).cached
    assert len(list(tmp_path.glob("*/*.npz"))) == 1


def test_checksum_and_shape_mismatch_are_misses(tmp_path, digits20, tiny):
    import json

    cache = FeatureCache(tmp_path)
    extract(tiny, digits20, cache=cache)
    (meta,) = tmp_path.glob("*/*.json")
    record = json.loads(meta.read_text())
    key = record["key"]
    assert cache.get(key, n_rows=20) is not None
    assert cache.get(key, n_rows=21) is None  # wrong row count: deleted, not returned
    assert not meta.exists()
    extract(tiny, digits20, cache=cache)
    record = json.loads(meta.read_text())
    record["shapes"]["features"] = [20, 3]
    meta.write_text(json.dumps(record))
    assert cache.get(key) is None


def test_cache_key_depends_on_data_and_weights(tmp_path, digits20, tiny):
    cache = FeatureCache(tmp_path)
    extract(tiny, digits20, cache=cache)
    other_data = small_digits(n_per_class=2, seed=1)
    assert not extract(tiny, other_data, cache=cache).cached
    reseeded = load_backbone(tiny_image_entry(), device="cpu", pretrained=False, seed=9)
    assert not extract(reseeded, digits20, cache=cache).cached
    assert len(list(tmp_path.glob("*/*.npz"))) == 3


def test_default_cache_follows_advisor_cache_dir(tmp_path, monkeypatch, digits20, tiny):
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path))
    assert FeatureCache().root == tmp_path / "features"
    extract(tiny, digits20)
    assert list((tmp_path / "features").glob("*/*.npz"))


def test_cancel_stops_between_batches(digits20, tiny):
    cancel = threading.Event()
    seen = []

    def progress(event):
        seen.append(event["done"])
        if event["done"] >= 4:
            cancel.set()

    with pytest.raises(Cancelled):
        extract(tiny, digits20, cache=False, batch_size=4, progress=progress, cancel=cancel)
    assert seen == [0, 4]


def test_image_folder_goes_through_the_pil_path(tmp_path, tiny):
    from advisor.data import load_data

    folder = make_image_folder(tmp_path / "imgs", n_per_class=3, size=40)
    data = load_data(str(folder))
    fs = extract(tiny, data, cache=False, batch_size=4)
    assert fs.features.shape == (9, tiny.embed_dim)
    assert fs.stats["preprocess"] == "pil" and fs.stats["data_mean_height"] == 40.0
    assert fs.stats["grayscale_fraction"] == 1.0  # digits saved as RGB are still grey
    assert fs.stats["upscale_factor"] == pytest.approx(160 / 40)


def test_vectorised_and_pil_paths_agree(digits20, tiny):
    """The same digits as arrays (vectorised) and as decoded images (PIL) give the same features."""
    from PIL import Image

    as_files = LabelledData(
        name="d",
        modality="image",
        labels=digits20.labels,
        class_names=digits20.class_names,
        source="test",
        image_paths=[f"digit{i}" for i in range(len(digits20))],
    )
    images = [Image.fromarray(a).convert("RGB") for a in digits20.image_arrays]
    as_files.image = images.__getitem__  # decoded images, same pixels as the arrays
    vec = extract(tiny, digits20, cache=False)
    pil = extract(tiny, as_files, cache=False)
    assert vec.stats["preprocess"] == "vectorised" and pil.stats["preprocess"] == "pil"
    np.testing.assert_allclose(vec.features, pil.features, rtol=0.05, atol=0.05)


def test_modality_mismatch_and_feature_data_are_errors(digits20):
    texts = small_texts(n_per_class=2, seed=0)
    with pytest.raises(DataError, match="expects image data but data"):
        extract(tiny_image_entry(), texts, cache=False)
    features = LabelledData(
        name="f",
        modality="features",
        labels=np.array([0, 1]),
        class_names=["a", "b"],
        source="x",
        features=np.zeros((2, 3)),
    )
    with pytest.raises(DataError, match="already holds precomputed features"):
        extract(tiny_image_entry(), features, cache=False)


def test_files_unreadable_at_extraction_are_all_reported_in_one_pass(tmp_path, tiny):
    from pathlib import Path

    from advisor.data import load_data
    from advisor.data.image_files import UnreadableImages

    folder = make_image_folder(tmp_path / "imgs", n_per_class=4, size=40)  # 12 real PNGs
    data = load_data(str(folder))
    # Damaged after the load-time check passed: garbage in one file, another deleted.
    Path(data.image_paths[1]).write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    Path(data.image_paths[9]).unlink()
    forward = []
    original = tiny.embed_and_logits
    tiny.embed_and_logits = lambda batch, **kw: forward.append(len(batch)) or original(batch, **kw)
    try:
        with pytest.raises(UnreadableImages) as info:
            extract(tiny, data, cache=False, batch_size=4)
    finally:
        del tiny.embed_and_logits
    assert isinstance(info.value, DataError)
    assert list(info.value.rows) == [1, 9]
    (name1, reason1), (name9, reason9) = info.value.rows.values()
    assert name1 == "0/0001.png" and reason1.startswith(("truncated", "cannot be decoded"))
    assert name9 == "2/0001.png" and reason9.startswith("file not found")
    assert "2 of 12 image files" in str(info.value) and "2/0001.png" in str(info.value)
    assert forward == []  # the first batch already held a bad file: no forward pass wasted
