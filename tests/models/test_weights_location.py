"""The catalog and the loader agree on where weights are: one resolver, the same files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from advisor.errors import ModelLoadError
from advisor.models import hub, load_backbone, plan_backbone
from catalog import Entry, availability, resolve
from tests.models.entries import tiny_image_entry

REPO = "timm/test_efficientnet.r160_in1k"  # the repository tiny_image_entry() resolves to


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """An empty Hugging Face cache, no offline flags, and no network to reach."""
    import huggingface_hub.constants as hf_constants

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ADVISOR_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: refused at once
    return tmp_path / "hf"


def snapshot(cache: Path, repo: str, files: dict[str, bytes]) -> Path:
    """huggingface_hub's layout: blobs/<hash>, snapshots/<rev>/<name> links, refs/main."""
    root = cache / ("models--" + repo.replace("/", "--"))
    revision = "a" * 40
    folder = root / "snapshots" / revision
    folder.mkdir(parents=True)
    (root / "blobs").mkdir()
    for number, (name, payload) in enumerate(files.items()):
        blob = root / "blobs" / f"blob{number}"
        blob.write_bytes(payload)
        (folder / name).symlink_to(blob)
    (root / "refs").mkdir()
    (root / "refs" / "main").write_text(revision)
    return folder


def tiny_weights(suffix: str) -> tuple[torch.nn.Module, bytes]:
    import io

    import timm
    from safetensors.torch import save

    torch.manual_seed(7)
    model = timm.create_model("test_efficientnet", pretrained=False).eval()
    if suffix == ".safetensors":
        return model, save(model.state_dict())
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return model, buffer.getvalue()


@pytest.mark.parametrize("name", ["open_clip_model.safetensors", "checkpoint-best.pth"])
def test_an_unusual_weights_file_name_is_cached_for_both_and_loads_without_network(
    hub_cache, monkeypatch, name
):
    original, payload = tiny_weights(Path(name).suffix)
    folder = snapshot(hub_cache, REPO, {name: payload, "config.json": b"{}"})
    entry = tiny_image_entry()
    assert availability(entry) == "cached"
    assert resolve(entry).files == (folder / name,)
    monkeypatch.setattr(hub, "hub_reachable", lambda *a, **k: pytest.fail("no download to try"))
    plan = plan_backbone(entry)
    assert plan.location == resolve(entry)  # the loader reads the very files the catalog found
    backbone = load_backbone(entry, device="cpu")
    assert backbone.weights_source == "cached"
    x = torch.rand(2, *backbone.data_config["input_size"])
    with torch.inference_mode():
        torch.testing.assert_close(backbone.embed_and_logits(x)[1], original(x))


def test_an_incomplete_snapshot_needs_a_download_for_both(hub_cache, monkeypatch):
    """One shard of two, and a text folder whose weights transformers would not read."""
    _, payload = tiny_weights(".safetensors")
    snapshot(hub_cache, REPO, {"model-00001-of-00002.safetensors": payload})
    image = tiny_image_entry()
    text_repo = "org/odd-encoder"
    snapshot(
        hub_cache,
        text_repo,
        {
            "config.json": json.dumps({"model_type": "bert"}).encode(),
            "weights.safetensors": payload,
        },
    )
    text = Entry(
        id=text_repo, modality="text", source="huggingface", architecture="bert", hub_id=text_repo
    )
    for entry in (image, text):
        assert availability(entry) == "download" == plan_backbone(entry).location.kind, entry.id
        with pytest.raises(ModelLoadError, match="not cached and the hub is unreachable"):
            load_backbone(entry, device="cpu")


def test_the_main_revision_wins_over_an_older_snapshot(hub_cache):
    _, payload = tiny_weights(".safetensors")
    main = snapshot(hub_cache, REPO, {"model.safetensors": payload})
    other = main.parent / ("b" * 40)  # a newer folder, but not the revision refs/main names
    other.mkdir()
    (other / "model.safetensors").write_bytes(payload)
    assert resolve(tiny_image_entry()).path == main / "model.safetensors"


def test_torchvision_download_lands_where_the_resolver_looks(hub_cache, monkeypatch):
    """The download target is catalog.resolve's cache path, and only the file is fetched."""
    from torchvision import models

    url = models.MNASNet0_5_Weights.IMAGENET1K_V1.url
    entry = Entry(
        id="mnasnet0_5",
        modality="image",
        source="torchvision",
        architecture="mnasnet0_5",
        weights_url=url,
    )
    torch.manual_seed(3)
    original = models.mnasnet0_5(weights=None).eval()
    fetched = []

    def fake_download(source, target, progress=True):
        fetched.append(source)
        torch.save(original.state_dict(), target)

    monkeypatch.setattr(hub, "hub_reachable", lambda *a, **k: True)
    monkeypatch.setattr(torch.hub, "download_url_to_file", fake_download)
    assert availability(entry) == "download"
    backbone = load_backbone(entry, device="cpu")
    assert fetched == [url] and availability(entry) == "cached"
    assert backbone.weights_fingerprint == plan_backbone(entry).weights_fingerprint
    x = torch.rand(1, 3, 224, 224)
    with torch.inference_mode():
        torch.testing.assert_close(
            backbone.embed_and_logits(x)[1], original(x), rtol=1e-4, atol=1e-4
        )


def test_a_local_folder_without_weights_is_missing_for_both(tmp_path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "bert"}')  # a config, but no weights
    entry = Entry(
        id="mine", modality="text", source="local", architecture="bert", local_path=str(folder)
    )
    assert availability(entry) == "missing"
    with pytest.raises(ModelLoadError, match=r"holds no weights file \(it needs config.json with"):
        load_backbone(entry, device="cpu")
    (folder / "model.safetensors").write_bytes(b"w")
    assert resolve(entry).kind == "local" and resolve(entry).files == (
        folder / "model.safetensors",
    )
