"""Shared fixtures for the probes tests: the published reference test vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from probe_helpers import REPO_ROOT, vector_dir


@pytest.fixture(scope="session")
def vectors():
    """(inputs npz as a dict, expected json) or a skip naming the missing folder."""
    folder = vector_dir()
    if folder is None:
        pytest.skip(
            "reference test vectors not found next to the repo "
            f"({REPO_ROOT.parent / 'shared' / 'testvectors'})"
        )
    with np.load(folder / "probes-v1.npz") as npz:
        inputs = {key: npz[key] for key in npz.files}
    expected = json.loads((folder / "expected-v1.json").read_text())
    return inputs, expected
