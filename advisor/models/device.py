"""Choose the torch device: CUDA when it is there, else CPU."""

from __future__ import annotations

from advisor.errors import AdvisorError


def pick_device(prefer: str | None = None):
    """torch.device for `prefer` ("cpu", "cuda", "cuda:1", "mps"), or the best available.

    Asking for CUDA on a machine without it is an error rather than a silent CPU run,
    because the caller planned for the speed.
    """
    import torch

    if prefer is None or prefer == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(prefer)
    except (RuntimeError, TypeError):
        raise AdvisorError(
            f"device {prefer!r} is not a torch device name; use 'cpu', 'cuda', 'cuda:N' or 'auto'"
        ) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise AdvisorError(
            f"device {prefer!r} was asked for but CUDA is not available here; use 'cpu' or 'auto'"
        )
    if (
        device.type == "cuda"
        and device.index is not None
        and device.index >= torch.cuda.device_count()
    ):
        raise AdvisorError(
            f"device {prefer!r} does not exist: this machine has {torch.cuda.device_count()} "
            "CUDA device(s); use 'cuda:0' or 'auto'"
        )
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise AdvisorError(f"device {prefer!r} is not available here; use 'cpu' or 'auto'")
    return device


def autocast_dtype(device):
    """Reduced precision used for inference on this device (None: full float32)."""
    import torch

    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
