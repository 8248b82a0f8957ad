"""Shared fixtures for the probes tests: the published reference test vectors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _vector_dir() -> Path | None:
    for candidate in (REPO_ROOT.parent / "shared" / "testvectors", REPO_ROOT / "shared" / "testvectors"):
        if (candidate / "probes-v1.npz").is_file() and (candidate / "expected-v1.json").is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def vectors():
    """(inputs npz as a dict, expected json) or a skip naming the missing folder."""
    folder = _vector_dir()
    if folder is None:
        pytest.skip(f"reference test vectors not found next to the repo ({REPO_ROOT.parent / 'shared' / 'testvectors'})")
    with np.load(folder / "probes-v1.npz") as npz:
        inputs = {key: npz[key] for key in npz.files}
    expected = json.loads((folder / "expected-v1.json").read_text())
    return inputs, expected
