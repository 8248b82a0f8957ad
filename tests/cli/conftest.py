"""Fixtures of the CLI regression tests."""

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    """ADVISOR_DEBUG re-raises user errors; these tests check what a user sees."""
    monkeypatch.delenv("ADVISOR_DEBUG", raising=False)


@pytest.fixture
def features_npz(tmp_path) -> Path:
    """A small .npz of precomputed features: ranks in seconds, with no model to load."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 20)
    features = rng.normal(size=(60, 16)).astype(np.float32) + labels[:, None]
    path = tmp_path / "features.npz"
    np.savez(path, features=features, labels=labels)
    return path
