"""A malicious pickle is refused at every torch.load site, with our own short message."""

from __future__ import annotations

import io
import json
import pickle

import pytest
import torch

from advisor.errors import CheckpointError, ModelLoadError
from advisor.models import load_backbone
from catalog import Entry


class WritesMarker:
    """Unpickling this object opens (creates) the marker file: code run by a mere load."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def malicious_state(marker) -> dict:
    return {"weight": torch.zeros(2), "payload": WritesMarker(marker)}


def assert_ours(message: str) -> None:
    assert message.startswith("refused to load "), message
    assert "pickled code or objects besides plain tensors" in message
    assert "(it asks for io.open)" in message  # what the file asked for (builtin open)
    assert 'save_file(model.state_dict(), "model.safetensors")' in message  # the steps, whole
    assert len(message) < 700 and "\x1b" not in message
    assert "weights_only=False" not in message and "add_safe_globals" not in message


def test_the_payload_is_live(tmp_path):
    """Unpickled without protection, the payload does write its marker (so the tests below
    show a refusal, not a harmless file)."""
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(WritesMarker(marker))).close()
    assert marker.exists()


def test_image_checkpoint(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pth"
    torch.save(malicious_state(marker), path)
    entry = Entry(
        id="evil",
        modality="image",
        source="local",
        architecture="test_efficientnet",
        local_path=str(path),
    )
    with pytest.raises(ModelLoadError) as caught:
        load_backbone(entry, device="cpu")
    assert not marker.exists()
    assert_ours(str(caught.value))
    assert str(path) in str(caught.value)


def test_text_model_folder(tmp_path):
    """transformers reads pytorch_model.bin itself; its refusal gets the same message, whole."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = tmp_path / "encoder"
    model = BertModel(
        BertConfig(
            vocab_size=8,
            hidden_size=8,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=16,
        )
    )
    model.config.save_pretrained(folder)
    (folder / "vocab.txt").write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a"])
    )
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    marker = tmp_path / "ran"
    state = dict(model.state_dict(), payload=WritesMarker(marker))
    torch.save(state, folder / "pytorch_model.bin")
    entry = Entry(
        id="evil-encoder",
        modality="text",
        source="local",
        architecture="bert",
        local_path=str(folder),
        pooling="mean",
    )
    with pytest.raises(ModelLoadError) as caught:
        load_backbone(entry, device="cpu")
    assert not marker.exists()
    assert_ours(str(caught.value))


def test_training_state_of_a_checkpoint(tmp_path):
    """A training.pt swapped for a pickle (checksum in state.json updated to match)."""
    import hashlib

    from advisor.finetuning import checkpoint

    final = checkpoint.save(
        tmp_path,
        "last",
        model_state={"w": torch.ones(2)},
        state={"epoch": 1},
        training={"step": torch.zeros(1)},
    )
    marker = tmp_path / "ran"
    buffer = io.BytesIO()
    torch.save(malicious_state(marker), buffer)
    (final / checkpoint.TRAINING).write_bytes(buffer.getvalue())
    record = json.loads((final / checkpoint.STATE).read_text())
    record["files"][checkpoint.TRAINING] = hashlib.sha256(buffer.getvalue()).hexdigest()
    (final / checkpoint.STATE).write_text(json.dumps(record))
    with pytest.raises(CheckpointError) as caught:
        checkpoint.load(tmp_path, "last")
    assert not marker.exists()
    assert_ours(str(caught.value))


def test_a_damaged_pickle_is_not_called_malicious(tmp_path):
    path = tmp_path / "cut.pth"
    buffer = io.BytesIO()
    torch.save({"weight": torch.zeros(4)}, buffer, _use_new_zipfile_serialization=False)
    path.write_bytes(buffer.getvalue()[:40])
    entry = Entry(
        id="cut",
        modality="image",
        source="local",
        architecture="test_efficientnet",
        local_path=str(path),
    )
    with pytest.raises(ModelLoadError, match="cannot be read") as caught:
        load_backbone(entry, device="cpu")
    message = str(caught.value)
    assert "damaged" in message and "refused" not in message and "weights_only" not in message


def test_every_torch_load_goes_through_the_one_helper():
    """A new torch.load elsewhere would bring back torch's own refusal text."""
    from pathlib import Path

    import advisor

    root = Path(advisor.__file__).parent
    callers = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "torch.load(" in path.read_text(encoding="utf-8")
        or "load_state_dict_from_url(" in path.read_text(encoding="utf-8")
    }
    assert callers == {"models/state_dicts.py"}
