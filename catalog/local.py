"""Build catalog entries for a user's own weights: a checkpoint file or a model folder.

Everything is read from files without torch: ``config.json`` (Hugging Face and timm hub
folders), sentence-transformers pooling settings, and the JSON header of ``.safetensors``
files (tensor shapes give the parameter count and the classifier head, when there is one).
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

from catalog.errors import CatalogError
from catalog.schema import Entry

CHECKPOINT_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin")
# Final classifier weights of common timm/torchvision models: [classes, features].
_HEAD_KEYS = (
    "fc.weight",
    "head.weight",
    "head.fc.weight",
    "classifier.weight",
    "last_linear.weight",
)
_MAX_HEADER_BYTES = 100 * 1024 * 1024


def entry_from_path(
    path: str | Path, architecture: str | None = None, *, id: str | None = None
) -> Entry:
    """An ``Entry`` (source ``local``) for a checkpoint file or a model folder.

    * a ``.safetensors``/``.pth`` file: an image model; ``architecture`` is the timm
      architecture name (read from a timm ``config.json`` beside the file when not given);
    * a folder with a timm ``config.json`` (``"architecture"`` key): its weights file;
    * a folder with a Hugging Face ``config.json`` (``"model_type"`` key): a text encoder.
    """
    path = Path(path).expanduser().resolve()
    if not path.exists():
        raise CatalogError(
            f"model path {path} does not exist; pass a checkpoint file or a model folder"
        )
    if path.is_dir():
        config = _read_config(path / "config.json")
        if config is None:
            raise CatalogError(
                f"model folder {path} has no config.json; pass a Hugging Face model folder, a timm "
                "folder, or the checkpoint file itself with an architecture"
            )
        if "architecture" in config:  # timm push_to_hub / save_pretrained layout
            weights = _find_weights(path)
            return _image_entry(weights, architecture or config["architecture"], config, id)
        if "model_type" in config:
            return _text_entry(path, config, id)
        raise CatalogError(
            f"{path / 'config.json'} has neither 'model_type' (Hugging Face) nor 'architecture' "
            "(timm); cannot tell what model this is"
        )
    if path.suffix.lower() not in CHECKPOINT_SUFFIXES:
        raise CatalogError(
            f"model file {path} is not a checkpoint; use a {', '.join(CHECKPOINT_SUFFIXES)} file"
        )
    sidecar = _read_config(path.parent / "config.json") or {}
    architecture = architecture or sidecar.get("architecture")
    if not architecture:
        raise CatalogError(
            f"checkpoint {path.name}: the architecture is unknown; pass architecture= (a timm "
            "name such as 'resnet50') or write a catalog entry with architecture = \"...\""
        )
    return _image_entry(path, architecture, sidecar, id)


def safetensors_shapes(path: str | Path) -> dict[str, list[int]]:
    """Tensor name -> shape, from the JSON header of a .safetensors file (no tensor data read)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            if length > _MAX_HEADER_BYTES:
                raise ValueError("header too large")
            header = json.loads(handle.read(length))
    except (OSError, struct.error, ValueError) as exc:
        raise CatalogError(
            f"{path}: not a readable .safetensors file ({exc}); check the file"
        ) from None
    return {name: info["shape"] for name, info in header.items() if name != "__metadata__"}


def _image_entry(weights: Path, architecture: str, config: dict, id: str | None) -> Entry:
    params_m = embed_dim = num_classes = None
    if weights.suffix == ".safetensors":
        shapes = safetensors_shapes(weights)
        params_m = round(sum(_numel(s) for s in shapes.values()) / 1e6, 2)
        head = next((shapes[k] for k in _HEAD_KEYS if len(shapes.get(k, ())) == 2), None)
        if head:
            num_classes, embed_dim = head
    num_classes = config.get("num_classes", num_classes) or None
    embed_dim = config.get("num_features", embed_dim)
    input_size = (config.get("pretrained_cfg") or {}).get("input_size", [None])[-1]
    return Entry(
        id=id or f"local/{weights.parent.name if _generic_name(weights) else weights.stem}",
        modality="image",
        source="local",
        architecture=architecture,
        params_m=params_m,
        input_size=input_size,
        embed_dim=embed_dim,
        has_source_head=bool(num_classes),
        num_source_classes=num_classes,
        family=_family(architecture),
        local_path=str(weights),
        notes="user checkpoint; facts read from the file",
    )


def _generic_name(weights: Path) -> bool:
    """model.safetensors says nothing: such entries are named after their folder."""
    return weights.name.startswith(("model.", "pytorch_model."))


def _text_entry(folder: Path, config: dict, id: str | None) -> Entry:
    weights = [p for p in folder.glob("*.safetensors")]
    params_m = None
    if weights:
        params_m = round(
            sum(_numel(s) for w in weights for s in safetensors_shapes(w).values()) / 1e6, 2
        )
    # sentence-transformers' own limit wins, else the tighter of positions and tokenizer limit
    sbert = _read_config(folder / "sentence_bert_config.json") or {}
    max_positions = config.get("max_position_embeddings")
    tokenizer_config = _read_config(folder / "tokenizer_config.json") or {}
    model_max = tokenizer_config.get("model_max_length")
    lengths = [n for n in (max_positions, model_max) if isinstance(n, int) and 0 < n < 1_000_000]
    if isinstance(sbert.get("max_seq_length"), int):
        lengths = [sbert["max_seq_length"]]
    return Entry(
        id=id or f"local/{folder.name}",
        modality="text",
        source="local",
        architecture=str(config["model_type"]),
        params_m=params_m,
        input_size=min(lengths) if lengths else None,
        embed_dim=config.get("hidden_size") or config.get("dim") or config.get("d_model"),
        family=str(config["model_type"]),
        local_path=str(folder),
        pooling=_pooling(folder),
        notes="user Hugging Face folder; facts read from config.json",
    )


def _pooling(folder: Path) -> str:
    """sentence-transformers folders say how they pool; plain encoders get mean pooling."""
    modules = _read_config(folder / "modules.json")
    if isinstance(modules, list):
        for module in modules:
            if str(module.get("type", "")).endswith("Pooling"):
                settings = _read_config(folder / module.get("path", "") / "config.json") or {}
                if settings.get("pooling_mode_cls_token"):
                    return "cls"
    return "mean"


def _find_weights(folder: Path) -> Path:
    for name in ("model.safetensors", "pytorch_model.bin", "open_clip_model.safetensors"):
        if (folder / name).is_file():
            return folder / name
    raise CatalogError(f"model folder {folder} has no model.safetensors or pytorch_model.bin")


def _read_config(path: Path):
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogError(f"{path}: not valid JSON ({exc}); fix or remove the file") from None


def _numel(shape: list[int]) -> int:
    count = 1
    for size in shape:
        count *= size
    return count


def _family(architecture: str) -> str:
    match = re.match(r"[a-z]+", architecture.lower())
    return match.group(0) if match else architecture
