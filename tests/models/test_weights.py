"""Weights fingerprints and weight-file discovery (packages, Hugging Face cache)."""

from __future__ import annotations

import hashlib
import os

import pytest

from advisor.errors import ModelLoadError
from advisor.models import plan_backbone
from advisor.models import weights as weights_module
from advisor.models.weights import fingerprint_file, fingerprint_weights
from catalog import Entry, WeightsLocation, availability, resolve
from tests.models.entries import MINILM, offline_entry


def test_fingerprint_is_the_sha256_prefix_and_follows_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "w.safetensors"
    path.write_bytes(b"first version")
    first = fingerprint_file(path)
    assert first == hashlib.sha256(b"first version").hexdigest()[:16]
    assert (tmp_path / "cache" / "weights-hashes.json").exists()  # remembered across processes

    weights_module._memo.clear()
    monkeypatch.setattr(weights_module, "file_sha256", lambda p: pytest.fail("hashed again"))
    assert fingerprint_file(path) == first  # answered from the stored hash, no re-read
    monkeypatch.undo()
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))

    path.write_bytes(b"second version, longer")
    os.utime(path, ns=(1, 1))
    assert fingerprint_file(path) == hashlib.sha256(b"second version, longer").hexdigest()[:16]


def test_random_and_missing_weights():
    assert fingerprint_weights(WeightsLocation("random"), seed=5) == "random-init-5"
    with pytest.raises(ModelLoadError, match="cannot be read"):
        fingerprint_file("/nonexistent/weights.pth")


def test_an_entry_whose_package_is_not_installed_resolves_to_the_hub():
    entry = Entry(
        id="x",
        modality="image",
        source="timm",
        architecture="resnet18",
        package="no-such-distribution-xyz",
        hub_id="timm/x",
    )
    assert resolve(entry).kind == "download" and resolve(entry).detail == "timm/x"


def test_text_model_found_in_the_hugging_face_cache(tmp_path, monkeypatch):
    """A repo id with no package resolves to a hub-cache snapshot (files linked, not copied)."""
    source = plan_backbone(offline_entry(MINILM)).location.path
    repo = tmp_path / "hf" / "models--sentence-transformers--all-MiniLM-L6-v2"
    revision = "1" * 40
    snapshot = repo / "snapshots" / revision
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)
    snapshot.mkdir(parents=True)
    for item in source.iterdir():
        (snapshot / item.name).symlink_to(item)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    entry = Entry(id=MINILM, modality="text", source="huggingface", architecture="bert")
    plan = plan_backbone(entry)
    assert plan.location.kind == "cached" and plan.location.path == snapshot
    assert plan.weights_fingerprint == plan_backbone(offline_entry(MINILM)).weights_fingerprint
    assert '"pooling":"mean"' in plan.preprocess_key and '"normalize":true' in plan.preprocess_key


def test_catalog_serves_the_offline_entries():
    from advisor.models import as_entry

    for entry_id in (
        "tf_efficientnet_lite0.in1k",
        "tf_efficientnet_lite1.in1k",
        "tf_efficientnet_lite2.in1k",
        MINILM,
    ):
        entry = as_entry(entry_id)
        assert entry == offline_entry(entry_id)
        assert availability(entry) == "offline"
