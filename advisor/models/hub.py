"""Downloads into the Hugging Face and torch hub caches, after a fast reachability check.

What is already cached is decided by ``catalog.resolve``, never here.

Nothing here retries: in a closed network a download must fail within seconds with a
message that says what to do, never hang on the hub client's retry loop.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from urllib.parse import urlparse

from advisor.errors import ModelLoadError

PROBE_TIMEOUT_S = 3.0


def _offline_flag() -> bool:
    return any(
        os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ADVISOR_OFFLINE")
    )


def hub_reachable(url: str, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """One TCP connection attempt to the host of url, bounded by timeout seconds in total.

    The attempt runs in a daemon thread because name resolution (getaddrinfo) ignores
    socket timeouts and can stall for much longer in a closed network.
    """
    parsed = urlparse(url)
    host = parsed.hostname
    if not host:
        return False
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    result: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=attempt, name="advisor-hub-probe", daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(result and result[0])


def hf_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co")


def ensure_download_possible(what: str, url: str, allow_download: bool) -> None:
    """Raise ModelLoadError at once unless a download of `what` from `url` can start."""
    fix = "connect to the internet or pass a local checkpoint (catalog entry with local_path)"
    if not allow_download:
        raise ModelLoadError(f"weights for {what} are not cached and downloads are disabled; {fix}")
    if _offline_flag():
        raise ModelLoadError(
            f"weights for {what} are not cached and offline mode is set (HF_HUB_OFFLINE / "
            f"ADVISOR_OFFLINE); unset it and {fix}"
        )
    if not hub_reachable(url):
        raise ModelLoadError(f"weights for {what} are not cached and the hub is unreachable; {fix}")


def hf_download_folder(repo_id: str, allow_download: bool) -> Path:
    """Download what a text encoder needs (config, tokenizer, weights); return the folder."""
    ensure_download_possible(repo_id, hf_endpoint(), allow_download)
    from huggingface_hub import snapshot_download

    try:
        folder = snapshot_download(
            repo_id,
            allow_patterns=[
                "*.json",
                "*.txt",
                "*.model",
                "model.safetensors",
                "1_Pooling/*",
                "modules.json",
            ],
        )
    except Exception as exc:  # network errors come in many types; report them plainly
        raise ModelLoadError(
            f"downloading {repo_id} failed: {exc}; check the repository id"
        ) from None
    folder = Path(folder)
    if not (folder / "model.safetensors").exists():
        raise ModelLoadError(
            f"{repo_id} has no model.safetensors; only safetensors weights are downloaded "
            "(pickled .bin files are never loaded from the network)"
        )
    return folder


def hf_download_file(repo_id: str, allow_download: bool) -> Path:
    """Download a timm model's safetensors weights file and return its cached path."""
    ensure_download_possible(repo_id, hf_endpoint(), allow_download)
    from huggingface_hub import hf_hub_download

    try:
        return Path(hf_hub_download(repo_id, "model.safetensors"))
    except Exception as exc:
        raise ModelLoadError(f"downloading {repo_id} failed: {exc}; check the hub id") from None


def torch_hub_download(url: str, allow_download: bool, *, what: str = "") -> Path:
    """Download a torchvision checkpoint to where ``catalog.resolve`` looks for it.

    Only the file is fetched (torch.hub writes a temporary file and renames it); it is read
    later like any other checkpoint, with ``weights_only=True``.
    """
    from catalog.weights_location import torch_hub_checkpoint

    ensure_download_possible(what or url, url, allow_download)
    import torch.hub

    target = torch_hub_checkpoint(url)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        torch.hub.download_url_to_file(url, str(target), progress=True)
    except Exception as exc:  # network and disk errors come in many types; report them plainly
        raise ModelLoadError(
            f"downloading {url} failed: {exc}; check the URL and free space"
        ) from None
    return target
