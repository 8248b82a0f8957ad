"""Hugging Face and torch hub caches, and a fast reachability check before any download.

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

HF_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
PROBE_TIMEOUT_S = 3.0


def hf_cached_file(repo_id: str, filenames: tuple[str, ...] = HF_WEIGHT_FILES) -> Path | None:
    """The first of filenames present in the local Hugging Face cache (no network)."""
    from huggingface_hub import try_to_load_from_cache

    for name in filenames:
        found = try_to_load_from_cache(repo_id, name)
        if isinstance(found, str) and os.path.exists(found):
            return Path(found)
    return None


def hf_cached_folder(repo_id: str) -> Path | None:
    """The cached snapshot folder of a Hugging Face model with its config and weights."""
    config = hf_cached_file(repo_id, ("config.json",))
    if config is None:
        return None
    folder = config.parent
    if any((folder / name).exists() for name in HF_WEIGHT_FILES):
        return folder
    return None


def torch_hub_cached_file(url: str) -> Path | None:
    """A torchvision weights file already in the torch hub cache (no network)."""
    import torch.hub

    path = Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(urlparse(url).path)
    return path if path.exists() else None


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
    """Download the files a text encoder needs (config, tokenizer, weights) and return the folder."""
    ensure_download_possible(repo_id, hf_endpoint(), allow_download)
    from huggingface_hub import snapshot_download

    try:
        folder = snapshot_download(
            repo_id,
            allow_patterns=[
                "*.json", "*.txt", "*.model", "model.safetensors", "1_Pooling/*", "modules.json",
            ],
        )
    except Exception as exc:  # network errors come in many types; report them plainly
        raise ModelLoadError(f"downloading {repo_id} failed: {exc}; check the repository id") from None
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
