"""Load an exported fine-tuned model and label new images, texts or feature rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from advisor.errors import AdvisorError, CheckpointError
from advisor.finetuning.export import EXPORT_FORMAT, EXPORT_VERSION

WEIGHTS = "model.safetensors"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


class Predictor:
    """A fine-tuned classifier ready for inference (eval mode, no gradients)."""

    def __init__(
        self,
        path: Path,
        config: dict,
        labels: list[str],
        model,
        device,
        *,
        transform=None,
        tokenizer=None,
    ):
        self.path = path
        self.config = config
        self.labels = labels
        self.kind = config["kind"]
        self.model = model
        self.device = device
        self._transform = transform
        self._tokenizer = tokenizer

    @property
    def input_kind(self) -> str:
        """What predict() takes: "image", "text" or "features" (text pairs: (a, b) tuples)."""
        return self.kind

    @property
    def task(self) -> str:
        """ "classification", "regression" or "multilabel" (what predict() returns)."""
        return self.config.get("task") or "classification"

    def predict(self, inputs, batch_size: int = 32) -> list:
        """Classes (str) for classification; values for regression (a float per input, or
        {target: value} for several targets); label sets (list[str], the labels at or above
        the threshold tuned on validation) for multilabel."""
        if self.task == "regression":
            values = self.predict_values(inputs, batch_size)
            if values.shape[1] == 1:
                return [float(v) for v in values[:, 0]]
            return [dict(zip(self.labels, map(float, row), strict=True)) for row in values]
        probs = self.predict_proba(inputs, batch_size)
        if self.task == "multilabel":
            threshold = float(self.config.get("threshold") or 0.5)
            return [[self.labels[j] for j in np.flatnonzero(row >= threshold)] for row in probs]
        return [self.labels[i] for i in probs.argmax(1)]

    def predict_values(self, inputs, batch_size: int = 32) -> np.ndarray:
        """Regression: predicted targets [N, K] in their own units (columns: ``labels``)."""
        if self.task != "regression":
            raise AdvisorError(
                f"predict_values is for regression models, and this one is {self.task}; "
                "use predict or predict_proba"
            )
        raw = self._outputs(inputs, batch_size)
        mean = np.asarray(self.config["target_mean"], dtype=np.float64)
        std = np.asarray(self.config["target_std"], dtype=np.float64)
        return raw.astype(np.float64) * std + mean

    def predict_top(
        self, inputs, k: int = 3, batch_size: int = 32
    ) -> list[list[tuple[str, float]]]:
        probs = self.predict_proba(inputs, batch_size)
        order = np.argsort(-probs, axis=1)[:, :k]
        return [
            [(self.labels[j], float(row[j])) for j in idx]
            for row, idx in zip(probs, order, strict=True)
        ]

    def predict_proba(self, inputs, batch_size: int = 32) -> np.ndarray:
        """Class probabilities [N, C] in the order of ``labels`` (multilabel: each label's
        own probability, rows need not sum to one)."""
        if self.task == "regression":
            raise AdvisorError(
                "a regression model has no class probabilities; use predict or predict_values"
            )
        raw = self._outputs(inputs, batch_size)
        if self.task == "multilabel":
            return 1.0 / (1.0 + np.exp(-raw))
        raw = raw - raw.max(axis=1, keepdims=True)
        exp = np.exp(raw)
        return exp / exp.sum(axis=1, keepdims=True)

    def _outputs(self, inputs, batch_size: int) -> np.ndarray:
        """The model's raw outputs [N, outputs] (logits or standardised values)."""
        import torch

        items = self._as_items(inputs)
        out = []
        with torch.inference_mode():
            for start in range(0, len(items), batch_size):
                batch = self._prepare(items[start : start + batch_size])
                out.append(self.model(batch).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.labels)), dtype=np.float32)

    def _as_items(self, inputs):
        kind = self.input_kind
        if kind == "features":
            array = np.asarray(inputs, dtype=np.float32)
            array = array[None, :] if array.ndim == 1 else array
            want = self.config["feature_dim"]
            if array.ndim != 2 or array.shape[1] != want:
                raise AdvisorError(
                    f"inputs have shape {array.shape} but this model takes rows of {want} features"
                )
            return array
        if isinstance(inputs, (str, Path, tuple)) or not hasattr(inputs, "__len__"):
            inputs = [inputs]  # one input (a text pair is one (a, b) tuple)
        return read_inputs(list(inputs), kind)

    def _prepare(self, items):
        import torch

        from advisor.finetuning.batches import to_device

        kind = self.input_kind
        if kind == "features":
            return torch.from_numpy(np.ascontiguousarray(items)).to(self.device)
        if kind == "image":
            return to_device(
                torch.stack([self._transform(_open_image(i)) for i in items]), self.device
            )
        items = list(items)
        second = None
        if items and isinstance(items[0], (tuple, list)):  # text pairs: the pair encoding
            items, second = [a for a, _ in items], [b for _, b in items]
        encoded = self._tokenizer(
            items,
            second,
            padding=True,
            truncation=True,
            max_length=self.config["max_length"],
            return_tensors="pt",
        )
        return to_device(dict(encoded), self.device)


def read_inputs(inputs: list, kind: str) -> list:
    """Expand folders (images) and .txt/.csv files (texts) into single items."""
    items = []
    for item in inputs:
        path = Path(item) if isinstance(item, (str, Path)) else None
        if kind == "image" and path is not None:
            if path.is_dir():
                found = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
                if not found:
                    raise AdvisorError(
                        f"folder {path} holds no images ({', '.join(IMAGE_SUFFIXES)})"
                    )
                items.extend(str(p) for p in found)
            elif not path.exists():
                raise AdvisorError(
                    f"image {path} does not exist; pass image files or a folder of images"
                )
            else:
                items.append(str(path))
        elif (
            kind == "text"
            and path is not None
            and path.suffix.lower() in (".txt", ".csv")
            and path.is_file()
        ):
            items.extend(_texts_from_file(path))
        else:
            items.append(item)
    return items


def _texts_from_file(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() == ".txt":
        return [line for line in text.splitlines() if line.strip()]
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        return []
    columns = list(rows[0])
    column = next(
        (c for c in columns if c.lower() in ("text", "sentence", "content", "tweet")), columns[0]
    )
    return [row[column] for row in rows if row.get(column)]


def _open_image(item):
    from PIL import Image

    if isinstance(item, Image.Image):
        return item.convert("RGB")
    try:
        with Image.open(item) as image:
            return image.convert("RGB")
    except (OSError, ValueError) as exc:
        raise AdvisorError(f"image {item} cannot be read ({exc}); pass a valid image file") from exc


def load_predictor(path, *, device=None) -> Predictor:  # noqa: C901
    """Rebuild an exported model (a run folder or its model/ folder) without network."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from advisor.models import pick_device

    folder = Path(path)
    if (folder / "model" / "config.json").exists():
        folder = folder / "model"
    config_path = folder / "config.json"
    if not config_path.exists():
        raise CheckpointError(
            f"{path} is not an exported model (no config.json); pass a run folder or its model/ "
            "folder"
        )
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(
            f"exported model {folder} is unreadable ({exc}); export it again"
        ) from exc
    if config.get("format") != EXPORT_FORMAT or config.get("version") != EXPORT_VERSION:
        raise CheckpointError(
            f"{folder} holds format {config.get('format')!r} v{config.get('version')}, "
            f"not {EXPORT_FORMAT} v{EXPORT_VERSION}; export it again with this version"
        )
    _check_files(folder, config)
    device = pick_device(device)
    model, extras = _rebuild(folder, config)
    weights = folder / WEIGHTS
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(
            f"weights file {weights} is damaged or incomplete ({exc}); it was probably cut short "
            "while being written or copied: copy the model folder again, or export the model again"
        ) from exc
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:  # missing, unexpected or differently shaped tensors
        raise CheckpointError(
            f"weights in {folder} do not fit the saved architecture ({exc}); export again"
        ) from exc
    model.to(device).eval()
    if device.type == "cuda" and config["kind"] == "image":
        model.to(memory_format=torch.channels_last)
    return Predictor(folder, config, [str(x) for x in labels], model, device, **extras)


def _check_files(folder: Path, config: dict) -> None:
    """Name a missing file and what a whole export folder holds (before building anything)."""
    needed = [WEIGHTS] + (["encoder/config.json"] if config.get("kind") == "text" else [])
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        layout = (
            "config.json, labels.json, model.safetensors and encoder/ (its config and tokenizer)"
            if config.get("kind") == "text"
            else "config.json, labels.json and model.safetensors"
        )
        raise CheckpointError(
            f"exported model {folder} has no {' or '.join(missing)}; an exported model folder "
            f"holds {layout}: copy the whole folder again, or export the model again"
        )


def _torchvision_net(architecture: str):
    """The torchvision-built network advisor.models makes for ``architecture``, random
    weights (the export's weights are loaded next)."""
    from advisor.models.torchvision_loader import build_torchvision
    from catalog import Entry, WeightsLocation

    entry = Entry(
        id=architecture, modality="image", source="torchvision", architecture=architecture
    )
    net, _ = build_torchvision(entry, WeightsLocation("random"), seed=0)
    return net


def _rebuild(folder: Path, config: dict):
    from advisor.finetuning.classifier import FeatureClassifier, ImageClassifier, TextClassifier

    kind, classes = config["kind"], config["num_classes"]
    if kind == "image":
        import timm
        from timm.data import create_transform

        if config.get("source") == "torchvision":  # torchvision classics, the CRAFT trunk
            net = _torchvision_net(config["architecture"])
        else:
            net = timm.create_model(config["architecture"], pretrained=False, num_classes=classes)
        return ImageClassifier(net, classes), {
            "transform": create_transform(**config["data_config"], is_training=False)
        }
    if kind == "text":
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        encoder_dir = str(folder / "encoder")
        encoder = AutoModel.from_config(
            AutoConfig.from_pretrained(encoder_dir, local_files_only=True)
        )
        tokenizer = AutoTokenizer.from_pretrained(encoder_dir, local_files_only=True)
        model = TextClassifier(
            encoder,
            config["embed_dim"],
            classes,
            pooling=config["pooling"],
            normalize=config.get("normalize", False),
        )
        return model, {"tokenizer": tokenizer}
    if kind == "features":
        return FeatureClassifier(config["feature_dim"], classes), {}
    raise CheckpointError(f"{folder}: unknown model kind {kind!r}; export it again")
