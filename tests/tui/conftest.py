"""Fixtures for the TUI tests: a tiny real timm model in a user catalog, and small data."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

# Two shared cores: keep torch to one thread in these tests.
os.environ.setdefault("OMP_NUM_THREADS", "1")

TINY_ID = "tiny-effnet.local"
BROKEN_ID = "broken-weights.local"


@pytest.fixture(scope="session")
def tiny_catalog(tmp_path_factory):
    """A user catalog with one tiny random-init timm EfficientNet (356k parameters, saved as
    safetensors) and one entry whose weights file is corrupt (it must fail to load)."""
    import timm
    import torch
    from safetensors.torch import save_file

    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("tiny-catalog")
    torch.manual_seed(0)
    model = timm.create_model("test_efficientnet", pretrained=False, num_classes=0)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              str(folder / "tiny.safetensors"))
    (folder / "broken.safetensors").write_bytes(b"this is not a safetensors file")
    (folder / "tiny.toml").write_text(f"""
[[model]]
id = "{TINY_ID}"
modality = "image"
source = "local"
architecture = "test_efficientnet"
local_path = "tiny.safetensors"
params_m = 0.36
input_size = 160
licence = "apache-2.0"
family = "efficientnet"
notes = "random-init test model for the TUI tests"

[[model]]
id = "{BROKEN_ID}"
modality = "image"
source = "local"
architecture = "test_efficientnet"
local_path = "broken.safetensors"
params_m = 0.36
licence = "apache-2.0"
family = "efficientnet"
notes = "corrupt weights: loading must fail with a reason"
""")
    return SimpleNamespace(path=folder / "tiny.toml", tiny_id=TINY_ID, broken_id=BROKEN_ID)
