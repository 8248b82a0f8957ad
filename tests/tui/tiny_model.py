"""A tiny real timm model in a user catalog, for the TUI tests and fixtures.

``test_efficientnet`` (356k parameters), random-init with seed 0 and saved as safetensors,
a second copy initialised with seed 1 (two cheap candidates for verification), and an
entry whose weights file is corrupt, so loading it must fail with a reason.
"""

from __future__ import annotations

from pathlib import Path

TINY_ID = "tiny-effnet.local"
TWIN_ID = "tiny-effnet-twin.seed1"
BROKEN_ID = "broken-weights.local"


def write_tiny_catalog(folder: Path) -> Path:
    import timm
    import torch
    from safetensors.torch import save_file

    for seed, name in ((0, "tiny"), (1, "twin")):
        torch.manual_seed(seed)
        model = timm.create_model("test_efficientnet", pretrained=False, num_classes=0)
        save_file(
            {k: v.contiguous() for k, v in model.state_dict().items()},
            str(folder / f"{name}.safetensors"),
        )
    (folder / "broken.safetensors").write_bytes(b"this is not a safetensors file")
    path = folder / "tiny.toml"
    path.write_text(f"""
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
id = "{TWIN_ID}"
modality = "image"
source = "local"
architecture = "test_efficientnet"
local_path = "twin.safetensors"
params_m = 0.36
input_size = 160
licence = "apache-2.0"
family = "efficientnet"
notes = "the same test model initialised with another seed"

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
    return path
