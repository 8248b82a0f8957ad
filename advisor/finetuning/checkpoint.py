"""Checkpoints `best` and `last`: weights in safetensors, optimizer/scheduler/RNG states in a
tensors-only torch file (read back with ``weights_only=True``), scalars in state.json.

A checkpoint is a folder written whole under a temporary name and swapped in by renames, so
a crash or a full disk at any moment leaves either the old or the new checkpoint, never a
mix. state.json (written last) records a sha256 of every other file; a mismatch on load is
a CheckpointError, not a silently wrong resume.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from advisor.errors import CheckpointError
from advisor.finetuning import atomic

WEIGHTS = "model.safetensors"
TRAINING = "training.pt"
STATE = "state.json"
FORMAT_VERSION = 1


@dataclass
class Checkpoint:
    path: Path
    model_state: dict  # name -> tensor
    training: dict | None  # optimizer / scheduler / rng, when saved
    state: dict  # JSON scalars: epoch, step, history, early stopping, ...


def save(
    folder: Path, name: str, *, model_state: dict, state: dict, training: dict | None = None
) -> Path:
    """Write checkpoint ``folder/name`` atomically (replacing any previous one)."""
    import torch
    from safetensors.torch import save as save_safetensors

    folder = Path(folder)
    final = folder / name

    def fill(tmp: Path) -> None:
        tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in model_state.items()}
        files = {WEIGHTS: save_safetensors(tensors)}
        if training is not None:
            buffer = io.BytesIO()
            torch.save(training, buffer)
            files[TRAINING] = buffer.getvalue()
        for file_name, payload in files.items():
            atomic.write_bytes(tmp / file_name, payload)
        record = dict(
            state,
            format_version=FORMAT_VERSION,
            files={k: hashlib.sha256(v).hexdigest() for k, v in files.items()},
        )
        atomic.write_json(tmp / STATE, record)

    try:
        return atomic.replace_folder_atomically(final, fill)
    except OSError as exc:
        raise atomic.write_error(final, exc) from exc


def exists(folder: Path, name: str) -> bool:
    final = Path(folder) / name
    _, old = atomic.aside_paths(final)
    return (final / STATE).exists() or (old / STATE).exists()


def load(folder: Path, name: str, *, with_training: bool = True) -> Checkpoint:
    """Read and verify a checkpoint; any damage is a CheckpointError naming the fix."""
    from safetensors.torch import load as load_safetensors

    from advisor.models.state_dicts import torch_load_tensors

    folder = Path(folder)
    final = folder / name
    atomic.restore_folder(final)
    fix = "delete that folder, or start again with --overwrite"
    state_path = final / STATE
    if not state_path.exists():
        raise CheckpointError(f"no `{name}` checkpoint in {folder} (missing {state_path}); {fix}")
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        files = state["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(
            f"checkpoint {final} is corrupt: {STATE} is unreadable ({exc}); {fix}"
        ) from exc
    if state.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint {final} has format {state.get('format_version')!r}, "
            f"this version reads {FORMAT_VERSION}; {fix}"
        )
    payloads = {}
    for file_name, digest in files.items():
        if file_name == TRAINING and not with_training:
            continue
        try:
            payload = (final / file_name).read_bytes()
        except OSError as exc:
            raise CheckpointError(
                f"checkpoint {final} is incomplete: cannot read {file_name} ({exc}); {fix}"
            ) from exc
        if hashlib.sha256(payload).hexdigest() != digest:
            raise CheckpointError(
                f"checkpoint {final} is corrupt: {file_name} does not match its "
                f"checksum in {STATE}; {fix}"
            )
        payloads[file_name] = payload
    try:
        model_state = load_safetensors(payloads[WEIGHTS])
        training = None
        if TRAINING in payloads:
            training = torch_load_tensors(
                io.BytesIO(payloads[TRAINING]), f"{final / TRAINING}", error=CheckpointError
            )
    except CheckpointError:
        raise
    except Exception as exc:  # a checksum-valid but unreadable file: still the user's to fix
        raise CheckpointError(f"checkpoint {final} cannot be read ({exc}); {fix}") from exc
    return Checkpoint(path=final, model_state=model_state, training=training, state=state)


def capture_rng() -> dict:
    """All RNG states that training touches, as tensors and plain numbers only."""
    import random

    import numpy as np
    import torch

    kind, keys, pos, has_gauss, cached = np.random.get_state()
    rng = {
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
    }
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    return rng


def restore_rng(rng: dict) -> None:
    import random

    import numpy as np
    import torch

    torch.set_rng_state(rng["torch"])
    random.setstate(_as_tuple(rng["python"]))
    n = rng["numpy"]
    np.random.set_state(
        (n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"])
    )
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])


def _as_tuple(value):
    if isinstance(value, list):
        return tuple(_as_tuple(v) for v in value)
    if isinstance(value, tuple):
        return tuple(_as_tuple(v) for v in value)
    return value
