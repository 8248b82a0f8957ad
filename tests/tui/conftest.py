"""Fixtures for the TUI tests: a tiny real timm model in a user catalog."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

# Two shared cores: keep torch to one thread in these tests.
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).parent))

from tiny_model import BROKEN_ID, TINY_ID, TWIN_ID, write_tiny_catalog  # noqa: E402


@pytest.fixture(scope="session")
def tiny_catalog(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    path = write_tiny_catalog(tmp_path_factory.mktemp("tiny-catalog"))
    return SimpleNamespace(path=path, tiny_id=TINY_ID, twin_id=TWIN_ID, broken_id=BROKEN_ID)
