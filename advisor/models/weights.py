"""Fingerprint the weights file(s) that ``catalog.resolve`` found for an entry, cheaply.

A fingerprint identifies the exact weights in feature-cache keys. Hashing a 90 MB file
takes a noticeable fraction of a second, so hashes are remembered by (path, size, mtime)
in memory and in a small JSON file next to the feature cache.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from advisor.errors import ModelLoadError
from catalog import WeightsLocation

FINGERPRINT_CHARS = 16
_HASH_FILE_NAME = "weights-hashes.json"
_memo: dict[str, str] = {}
_lock = threading.Lock()


def _hash_store_path() -> Path:
    from advisor.features.cache import default_cache_root

    return default_cache_root() / _HASH_FILE_NAME


def _load_store(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint_file(path: str | Path) -> str:
    """sha256 prefix of a file, remembered by path + size + mtime."""
    path = Path(path).resolve()
    try:
        stat = path.stat()
    except OSError as exc:
        raise ModelLoadError(
            f"weights file {path} cannot be read ({exc.strerror}); check the path or reinstall "
            "the package that ships it"
        ) from None
    memo_key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
    with _lock:
        if memo_key in _memo:
            return _memo[memo_key]
    store_path = _hash_store_path()
    store = _load_store(store_path)
    value = store.get(memo_key)
    if value is None:
        value = file_sha256(path)[:FINGERPRINT_CHARS]
        store[memo_key] = value
        _save_store(store_path, store)
    with _lock:
        _memo[memo_key] = value
    return value


def _save_store(path: Path, store: dict[str, str]) -> None:
    try:
        from advisor.atomic import replace_atomically

        path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(path, json.dumps(store, indent=0, sort_keys=True).encode("utf-8"))
    except OSError:
        pass  # remembering a hash is an optimisation; a read-only cache dir is fine


def fingerprint_weights(location: WeightsLocation, seed: int = 0) -> str:
    """Fingerprint of the weights behind a location ("random-init-<seed>" when untrained)."""
    if location.kind == "random":
        return f"random-init-{seed}"
    if location.path is None:
        raise ModelLoadError("weights have not been downloaded yet, so they have no fingerprint")
    if location.files:  # exactly the files the loader reads
        return _combined([fingerprint_file(p) for p in location.files])
    if location.path.is_dir():
        files = sorted(
            p
            for p in location.path.iterdir()
            if p.suffix in (".safetensors", ".bin", ".pth", ".pt") and p.is_file()
        )
        if not files:
            raise ModelLoadError(
                f"model folder {location.path} has no weights file (.safetensors, .bin, .pth); "
                "point local_path at a complete Hugging Face model folder"
            )
        return _combined([fingerprint_file(p) for p in files])
    return fingerprint_file(location.path)


def _combined(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return hashlib.sha256("".join(parts).encode()).hexdigest()[:FINGERPRINT_CHARS]
