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
    """Reduced precision used for inference on this device (None: full float32).

    CUDA: bf16 (fp16 on GPUs without it). CPU: float32, unless ``ADVISOR_CPU_BF16=1`` and the
    CPU has native bf16 instructions (avx512_bf16 / amx_bf16); docs/features.md
    "Performance" has the measured speed and the probe-score tolerance behind that default.
    """
    import torch

    if device.type == "cpu":
        return torch.bfloat16 if cpu_bf16_enabled() else None
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def cpu_bf16_enabled() -> bool:
    import os

    wanted = os.environ.get("ADVISOR_CPU_BF16", "").strip().lower() in ("1", "true", "yes", "on")
    return wanted and cpu_has_native_bf16()


def cpu_has_native_bf16() -> bool:
    """Whether the CPU computes bf16 in hardware (Linux /proc/cpuinfo flags; else False)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False
