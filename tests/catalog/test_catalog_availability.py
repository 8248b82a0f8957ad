"""Availability from the disk only: installed packages, local files, hub caches."""

from __future__ import annotations

import json

import pytest

from catalog import Entry, availability, load_catalog
from catalog.weights_location import hf_hub_cache_dir, torch_hub_checkpoint


@pytest.fixture(autouse=True)
def empty_caches(tmp_path, monkeypatch):
    """Point every cache at empty folders so the developer's own caches don't leak in."""
    for name in (
        "HF_HUB_CACHE",
        "HUGGINGFACE_HUB_CACHE",
        "HF_HOME",
        "TORCH_HOME",
        "XDG_CACHE_HOME",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def timm_entry(repo="timm/resnet18.fake"):
    return Entry(
        id=repo.split("/")[-1],
        modality="image",
        source="timm",
        architecture="resnet18",
        hub_id=repo,
    )


def fake_snapshot(cache, repo, files):
    """The huggingface_hub layout: blobs/<hash> with snapshots/<rev>/<name> symlinks."""
    root = cache / ("models--" + repo.replace("/", "--"))
    snapshot = root / "snapshots" / "0123abc"
    snapshot.mkdir(parents=True)
    (root / "blobs").mkdir()
    for number, (name, content) in enumerate(files.items()):
        blob = root / "blobs" / f"blob-{number}"
        if content is not None:
            blob.write_bytes(content)
        (snapshot / name).symlink_to(blob)  # content None: a dangling link (interrupted download)
    (root / "refs").mkdir()
    (root / "refs" / "main").write_text("0123abc")
    return snapshot


def test_installed_offline_packages_are_offline():
    catalog = load_catalog()
    for id in (
        "tf_efficientnet_lite0.in1k",
        "tf_efficientnet_lite1.in1k",
        "tf_efficientnet_lite2.in1k",
        "sentence-transformers/all-MiniLM-L6-v2",
    ):
        assert availability(catalog.get(id)) == "offline", id
    missing_package = Entry(
        id="x",
        modality="image",
        source="timm",
        architecture="resnet18",
        package="no-such-weights-package-xyz",
        hub_id="timm/x",
    )
    assert availability(missing_package) == "download"


def test_split_package_weights_are_offline_only_when_every_part_is_installed(monkeypatch):
    import importlib

    resolver = importlib.import_module("catalog.weights_location")
    entry = Entry(
        id="org/split",
        modality="text",
        source="huggingface",
        architecture="bert",
        package="split-weights-part-001",
        package_parts=3,
        hub_id="org/split",
    )
    assert availability(entry) == "download"  # no part installed: a hub entry like any other
    installed = {"split-weights-part-001", "split-weights-part-002"}
    monkeypatch.setattr(resolver, "package_installed", lambda name: name in installed)
    assert availability(entry) == "download"  # one part missing: cannot load offline
    installed.add("split-weights-part-003")
    assert availability(entry) == "offline"


def test_uncached_hub_model_needs_a_download():
    assert availability(timm_entry()) == "download"
    assert availability(load_catalog().get("resnet50.a1_in1k")) == "download"


@pytest.mark.parametrize("variable, subfolder", [("HF_HUB_CACHE", ""), ("HF_HOME", "hub")])
def test_hub_cache_gives_cached(tmp_path, monkeypatch, variable, subfolder):
    monkeypatch.setenv(variable, str(tmp_path / "hf"))
    cache = tmp_path / "hf" / subfolder if subfolder else tmp_path / "hf"
    assert hf_hub_cache_dir() == cache
    fake_snapshot(
        cache, "timm/resnet18.fake", {"model.safetensors": b"\x00" * 16, "config.json": b"{}"}
    )
    assert availability(timm_entry()) == "cached"


def test_default_cache_location_follows_xdg(tmp_path):
    cache = tmp_path / "xdg" / "huggingface" / "hub"
    assert hf_hub_cache_dir() == cache
    fake_snapshot(cache, "timm/resnet18.fake", {"model.safetensors": b"w"})
    assert availability(timm_entry()) == "cached"


def test_incomplete_downloads_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    fake_snapshot(tmp_path, "timm/resnet18.fake", {"model.safetensors": None, "config.json": b"{}"})
    assert availability(timm_entry()) == "download"
    index = {
        "weight_map": {
            "a": "model-00001-of-00002.safetensors",
            "b": "model-00002-of-00002.safetensors",
        }
    }
    fake_snapshot(
        tmp_path,
        "org/sharded",
        {
            "config.json": b"{}",
            "model.safetensors.index.json": json.dumps(index).encode(),
            "model-00001-of-00002.safetensors": b"w",
        },
    )
    sharded = Entry(
        id="org/sharded",
        modality="text",
        source="huggingface",
        architecture="bert",
        hub_id="org/sharded",
        pooling="mean",
    )
    assert availability(sharded) == "download"  # one shard of two


def test_text_models_need_their_config(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    text = Entry(
        id="org/enc",
        modality="text",
        source="huggingface",
        architecture="bert",
        hub_id="org/enc",
        pooling="mean",
    )
    fake_snapshot(tmp_path, "org/enc", {"model.safetensors": b"w"})
    assert availability(text) == "download"
    (tmp_path / "models--org--enc" / "snapshots" / "0123abc" / "config.json").write_text("{}")
    assert availability(text) == "cached"


def test_torchvision_checkpoint_in_torch_hub(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    entry = load_catalog().get("torchvision/resnet50")
    assert availability(entry) == "download"
    path = torch_hub_checkpoint(entry.weights_url)
    assert path == tmp_path / "torch" / "hub" / "checkpoints" / "resnet50-0676ba61.pth"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"w")
    assert availability(entry) == "cached"


def test_local_and_missing(tmp_path):
    weights = tmp_path / "net.safetensors"
    weights.write_bytes(b"w")
    local = Entry(
        id="mine",
        modality="image",
        source="local",
        architecture="resnet18",
        local_path=str(weights),
    )
    assert availability(local) == "local"
    weights.unlink()
    assert availability(local) == "missing"  # nothing on disk and nowhere to download from
