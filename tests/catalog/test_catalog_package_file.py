"""package_file: the one weights file of a package that ships several (stdlib only)."""

from __future__ import annotations

import sys

import pytest

from catalog import CatalogError, Entry, resolve
from catalog.loader import entry_from_record

PACKAGE = "two-checkpoints-test-pkg"


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A distribution installed in tmp_path whose RECORD lists two checkpoints."""
    models = tmp_path / "two_ckpt" / "models"
    models.mkdir(parents=True)
    for name in ("detector.pth", "recogniser.pth"):
        (models / name).write_bytes(b"weights")
    info = tmp_path / "two_checkpoints_test_pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: 1.0\n")
    (info / "RECORD").write_text(
        "two_ckpt/models/detector.pth,,\ntwo_ckpt/models/recogniser.pth,,\n"
        "two_checkpoints_test_pkg-1.0.dist-info/RECORD,,\n"
    )
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    return models


def image_entry(**changes) -> Entry:
    fields = dict(id="x", modality="image", source="torchvision", architecture="vgg16_bn")
    return Entry(**{**fields, **changes})


def test_package_file_picks_the_named_checkpoint(installed):
    for name in ("recogniser.pth", "detector.pth"):
        location = resolve(image_entry(package=PACKAGE, package_file=f"two_ckpt/models/{name}"))
        assert (location.kind, location.path, location.files) == (
            "offline",
            (installed / name).resolve(),
            ((installed / name).resolve(),),
        )


def test_a_file_the_package_does_not_ship_is_not_offline(installed):
    location = resolve(image_entry(package=PACKAGE, package_file="two_ckpt/models/other.pth"))
    assert location.kind == "missing"  # no weights_url: the package was the only source
    url = "https://download.pytorch.org/models/vgg16_bn-6c64b313.pth"
    fallback = image_entry(package=PACKAGE, package_file="two_ckpt/other.pth", weights_url=url)
    assert resolve(fallback).kind in ("download", "cached")


def test_package_file_needs_a_single_package():
    record = dict(id="x", modality="image", source="torchvision", architecture="vgg16_bn")
    with pytest.raises(CatalogError, match="package_file names a file inside one package"):
        entry_from_record({**record, "package_file": "a/b.pth"})
    with pytest.raises(CatalogError, match="package_file"):
        entry_from_record(
            {**record, "package": "p-001", "package_parts": 2, "package_file": "a/b.pth"}
        )
    assert entry_from_record({**record, "package": "p", "package_file": "a/b.pth"}).package_file
