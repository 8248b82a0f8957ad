"""Catalog entries for model tests, read straight from catalog/entries/offline.toml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import tomllib

from catalog import Entry

OFFLINE_TOML = Path(__file__).resolve().parents[2] / "catalog" / "entries" / "offline.toml"
LITE0 = "tf_efficientnet_lite0.in1k"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
SRE_MINILM = "sre-embedding-model/all-MiniLM-L6-v2-sre"  # MiniLM fine-tuned on SRE pairs


@lru_cache(maxsize=1)
def _offline() -> dict[str, Entry]:
    with open(OFFLINE_TOML, "rb") as handle:
        tables = tomllib.load(handle)["model"]
    return {table["id"]: Entry(**table) for table in tables}


def offline_entry(entry_id: str) -> Entry:
    return _offline()[entry_id]


def offline_entries() -> list[Entry]:
    return list(_offline().values())


def tiny_image_entry(arch: str = "test_efficientnet", **changes) -> Entry:
    """A tiny timm architecture, used randomly initialised for plumbing tests."""
    fields = dict(
        id=f"{arch}.r160_in1k",
        modality="image",
        source="timm",
        architecture=arch,
        has_source_head=True,
        num_source_classes=None,
        family="test",
    )
    fields.update(changes)
    return Entry(**fields)


def photos() -> dict[str, np.ndarray]:
    """The two real photos scikit-learn ships: {"china": ..., "flower": ...} (uint8 RGB)."""
    from sklearn.datasets import load_sample_images

    bunch = load_sample_images()
    return {
        Path(name).stem: image for name, image in zip(bunch.filenames, bunch.images, strict=True)
    }
