"""LabelledData: one labelled dataset (images, texts or precomputed features) in memory.

Images given as files stay on disk and are decoded one at a time by ``image(i)``, so memory
stays bounded however large the folder is. Built-in image sets (digits, fashion-mnist) are
small uint8 arrays held in memory.

Every task (advisor.data.tasks.TASKS) keeps an integer ``labels`` array: the classes for
classification, a stratum for regression (a quantile bin of the first target) and multilabel
(the row's rarest label), so subsampling, splits and the fingerprint work for all of them;
the values themselves are in ``targets``. Text pairs keep their second text in
``text_pairs``.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.data.image_files import ImageDecodeError, decode_failure
from advisor.data.tasks import TASKS, multilabel_strata, regression_strata
from advisor.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

MODALITIES = ("image", "text", "features")
SPLIT_PARTS = ("train", "val", "test")
_FINGERPRINT_VERSION = b"advisor-data-v1"
_HASH_CHUNK = 1 << 20
# What PIL raises for a damaged file (struct.error: cut EXIF/TIFF tables).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error)


@dataclass(eq=False)
class LabelledData:
    name: str
    modality: str  # "image" | "text" | "features"
    # int64 [N], contiguous 0..C-1: the classes, or for regression/multilabel the strata
    # (None there: computed from targets).
    labels: np.ndarray | None
    class_names: list[str]  # index -> original label (or stratum name)
    source: str  # path or built-in name, for the record
    texts: list[str] | None = None
    image_paths: list[str] | None = None  # decoded lazily by image(i)
    image_arrays: np.ndarray | None = None  # uint8 [N,H,W] or [N,H,W,3]
    image_bytes: list[bytes] | None = None  # encoded images (datasets, DataFrames), decoded lazily
    features: np.ndarray | None = None  # [N,D] precomputed
    skipped: list[tuple[str, str]] = ()  # (item, reason): unreadable or invalid inputs
    dropped: list[tuple[str, str]] = ()  # (item, reason): duplicates removed on purpose
    # The user's own split, one of "train" | "val" | "test" per example (a `split` column, or
    # train/val/test top-level folders); None when the data has no split of its own.
    splits: list[str] | None = None
    task: str = "classification"  # one of advisor.data.tasks.TASKS
    # regression: float64 [N, K] (K target columns); multilabel: uint8 multi-hot [N, K];
    # None for classification.
    targets: np.ndarray | None = None
    target_names: list[str] | None = None  # regression columns / multilabel label names
    text_pairs: list[str] | None = None  # the second text of each pair (text data only)
    task_reason: str = ""  # why this task: detected from the labels, or given
    # sha256 of each image file, shared between a dataset and its subsets so a file is
    # hashed at most once per process.
    _file_hashes: dict[str, str] = field(default_factory=dict, repr=False)
    # A subset of checked data: column-wide rules (a varying target, every label used)
    # held for the whole set and need not hold for a small sample of it.
    _derived: bool = field(default=False, repr=False)
    _fingerprint: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.modality not in MODALITIES:
            raise DataError(f"modality is {self.modality!r}; use one of {', '.join(MODALITIES)}")
        if self.task not in TASKS:
            raise DataError(
                f"task must be one of {', '.join(TASKS)} (got {self.task!r}); load the data "
                "with task='auto' to detect it"
            )
        self._check_targets()
        labels = np.asarray(self.labels)
        if labels.ndim != 1 or not (labels.size == 0 or np.issubdtype(labels.dtype, np.integer)):
            raise DataError(
                f"labels must be a 1-D integer array, got shape {labels.shape} "
                f"dtype {labels.dtype}; map labels to 0..C-1 first (load_data does this)"
            )
        self.labels = labels.astype(np.int64, copy=False)
        self.class_names = [str(c) for c in self.class_names]
        out_of_range = self.labels.size and (
            self.labels.min() < 0 or self.labels.max() >= len(self.class_names)
        )
        if out_of_range:
            raise DataError(
                f"labels range {self.labels.min()}..{self.labels.max()} does not fit "
                f"{len(self.class_names)} class_names; pass one name per class index"
            )
        payload = self._payload_name()
        count = len(getattr(self, payload))
        if count != len(self.labels):
            raise DataError(
                f"labels has {len(self.labels)} rows but {payload} has {count}; "
                "pass one label per example"
            )
        self.skipped = list(self.skipped)
        self.dropped = list(self.dropped)
        if self.splits is not None:
            self.splits = list(self.splits)
            unknown = sorted(set(self.splits) - set(SPLIT_PARTS))
            if len(self.splits) != len(self.labels) or unknown:
                raise DataError(
                    f"splits must give one of {', '.join(SPLIT_PARTS)} per example "
                    f"(got {len(self.splits)} values for {len(self.labels)} examples"
                    + (f", unknown {unknown}" if unknown else "")
                    + ")"
                )
        self._check_pairs()

    def _check_targets(self) -> None:
        from advisor.data.task_checks import check_multilabel, check_regression

        if self.task == "classification":
            if self.targets is not None:
                raise DataError(
                    "targets were given for classification data; pass task='regression' or "
                    "task='multilabel' with them, or leave targets out"
                )
            if self.labels is None:
                raise DataError("classification data needs labels; pass one class per example")
            return
        check = check_regression if self.task == "regression" else check_multilabel
        self.targets, self.target_names = check(
            self.targets, self.target_names, whole=not self._derived
        )
        if self.labels is None:
            if self.task == "regression":
                self.labels, self.class_names = regression_strata(
                    self.targets, self.target_names[0]
                )
            else:
                self.labels = multilabel_strata(self.targets)
                self.class_names = list(self.target_names)
        if len(self.labels) != len(self.targets):
            raise DataError(
                f"labels has {len(self.labels)} rows but targets has {len(self.targets)}; "
                "pass one row of targets per example"
            )

    def _check_pairs(self) -> None:
        from advisor.data.task_checks import check_pairs

        if self.text_pairs is not None:
            self.text_pairs = check_pairs(self.text_pairs, self.modality, len(self.labels))

    def _payload_name(self) -> str:
        if self.modality == "text":
            candidates = ["texts"]
        elif self.modality == "features":
            candidates = ["features"]
        else:
            candidates = ["image_paths", "image_arrays", "image_bytes"]
        present = [c for c in candidates if getattr(self, c) is not None]
        if len(present) != 1:
            wanted = " or ".join(candidates)
            raise DataError(f"a {self.modality} dataset needs exactly one of {wanted}")
        return present[0]

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def class_counts(self) -> dict[str, int]:
        """Examples per class, for every class (0 for a class absent from a subset).

        Multilabel: examples holding each label; regression: examples per target bin."""
        if self.task == "multilabel":
            counts = self.targets.sum(axis=0)
            return {name: int(counts[i]) for i, name in enumerate(self.target_names)}
        counts = np.bincount(self.labels, minlength=self.num_classes)
        return {name: int(counts[i]) for i, name in enumerate(self.class_names)}

    def image(self, i: int) -> Image.Image:
        """Decode example ``i`` as an RGB PIL image (files are opened only now)."""
        from PIL import Image, ImageOps

        if self.modality != "image":
            raise DataError(
                f"image({i}) called on {self.modality} data '{self.name}'; "
                "only image datasets have images"
            )
        if self.image_arrays is not None:
            return Image.fromarray(np.ascontiguousarray(self.image_arrays[i])).convert("RGB")
        if self.image_bytes is not None:
            path, opened = f"{self.name} row {i}", io.BytesIO(self.image_bytes[i])
        else:
            path = opened = self.image_paths[i]
        try:
            with Image.open(opened) as img:
                # Camera photos store their rotation in EXIF; apply it as viewers do.
                return ImageOps.exif_transpose(img).convert("RGB")
        except FileNotFoundError as exc:
            raise ImageDecodeError(path, "file not found: moved or deleted since loading") from exc
        except (*_DECODE_ERRORS, Image.DecompressionBombError) as exc:
            raise ImageDecodeError(path, decode_failure(exc)) from exc

    def subset(self, indices) -> LabelledData:
        """The examples at ``indices`` (positions, or a boolean mask of length N); class_names
        stay the parent's so labels keep their meaning."""
        idx = np.asarray(indices).reshape(-1)
        if idx.dtype == bool:
            if idx.size != len(self):
                raise DataError(
                    f"subset mask has {idx.size} entries but the data has {len(self)}; "
                    "pass one boolean per example"
                )
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64, copy=False)
        if idx.size and (idx.min() < -len(self) or idx.max() >= len(self)):
            raise DataError(f"subset indices must lie in 0..{len(self) - 1}")
        return LabelledData(
            name=self.name,
            modality=self.modality,
            labels=self.labels[idx],
            class_names=list(self.class_names),
            source=self.source,
            texts=None if self.texts is None else [self.texts[i] for i in idx],
            image_paths=None if self.image_paths is None else [self.image_paths[i] for i in idx],
            image_arrays=None if self.image_arrays is None else self.image_arrays[idx],
            image_bytes=None if self.image_bytes is None else [self.image_bytes[i] for i in idx],
            features=None if self.features is None else self.features[idx],
            skipped=list(self.skipped),
            dropped=list(self.dropped),
            splits=None if self.splits is None else [self.splits[i] for i in idx],
            task=self.task,
            targets=None if self.targets is None else self.targets[idx],
            target_names=None if self.target_names is None else list(self.target_names),
            text_pairs=None if self.text_pairs is None else [self.text_pairs[i] for i in idx],
            task_reason=self.task_reason,
            _file_hashes=self._file_hashes,
            _derived=True,
        )

    # ------------------------------------------------------------- fingerprint
    def fingerprint(self) -> str:
        """sha256 (hex) over contents, labels and class names; stable across processes.

        Image files are hashed by content (not path or mtime), so a copied folder has the
        same fingerprint; name and source are not part of it.
        """
        if self._fingerprint is None:
            h = hashlib.sha256(_FINGERPRINT_VERSION)
            _update_str(h, self.modality)
            for name in self.class_names:
                _update_str(h, name)
            h.update(np.ascontiguousarray(self.labels, dtype="<i8").tobytes())
            if self.texts is not None:
                for text in self.texts:
                    _update_str(h, text)
            if self.image_paths is not None:
                for path in self.image_paths:
                    h.update(bytes.fromhex(self._file_hash(path)))
            for array in (self.image_arrays, self.features):
                if array is not None:
                    _update_array(h, array)
            for data in self.image_bytes or ():
                h.update(hashlib.sha256(data).digest())
            # Only when present, so classification fingerprints (and caches) stay as they were.
            if self.task != "classification":
                _update_str(h, f"task:{self.task}")
                for name in self.target_names:
                    _update_str(h, name)
                _update_array(h, self.targets)
            if self.text_pairs is not None:
                _update_str(h, "pairs")
                for text in self.text_pairs:
                    _update_str(h, text)
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def _file_hash(self, path: str) -> str:
        digest = self._file_hashes.get(path)
        if digest is None:
            file_hash = hashlib.sha256()
            try:
                with open(path, "rb") as f:
                    while chunk := f.read(_HASH_CHUNK):
                        file_hash.update(chunk)
            except OSError as exc:
                raise DataError(
                    f"image file {path} cannot be read ({exc.strerror}); restore it or reload "
                    "the data"
                ) from exc
            digest = self._file_hashes[path] = file_hash.hexdigest()
        return digest

    # ----------------------------------------------------------------- summary
    def summary(self, examples: int = 5) -> dict[str, Any]:
        """A JSON-ready description: size, classes, balance, a few examples, what was skipped."""
        counts = self.class_counts()
        present = [c for c in counts.values() if c > 0]
        return {
            "name": self.name,
            "source": self.source,
            "modality": self.modality,
            "task": self.task,
            "task_reason": self.task_reason,
            "target_names": None if self.target_names is None else list(self.target_names),
            "targets": self._target_summary(),
            "pairs": self.text_pairs is not None,
            "n": len(self),
            "num_classes": self.num_classes,
            "class_counts": counts,
            "imbalance_ratio": (max(present) / min(present)) if present else None,
            "smallest_class": min(counts, key=counts.get) if counts else None,
            "largest_class": max(counts, key=counts.get) if counts else None,
            "examples": self._examples(examples),
            "shape": self._shape(),
            "skipped": len(self.skipped),
            "skipped_reasons": dict(Counter(reason_kind(r) for _, r in self.skipped)),
            "dropped": len(self.dropped),
            "dropped_reasons": dict(Counter(reason_kind(r) for _, r in self.dropped)),
            "splits": None
            if self.splits is None
            else {part: self.splits.count(part) for part in SPLIT_PARTS},
        }

    def _target_summary(self) -> dict | None:
        from advisor.data.task_checks import target_summary

        return target_summary(self.task, self.targets, self.target_names)

    def label_text(self, i: int) -> str:
        """Example ``i``'s label as the user wrote it: a class, a label set, or the targets."""
        if self.task == "multilabel":
            return "|".join(n for n, v in zip(self.target_names, self.targets[i], strict=True) if v)
        if self.task == "regression":
            return ", ".join(
                f"{n}={v:.4g}" for n, v in zip(self.target_names, self.targets[i], strict=True)
            )
        return self.class_names[self.labels[i]]

    def _examples(self, k: int) -> list[dict[str, str]]:
        # One example from each class first, so the summary shows the label variety.
        picks: list[int] = []
        for c in range(self.num_classes):
            where = np.flatnonzero(self.labels == c)
            if where.size:
                picks.append(int(where[0]))
            if len(picks) == k:
                break
        out = []
        for i in picks:
            if self.texts is not None:
                text = self.texts[i]
                if self.text_pairs is not None:
                    text = f"{text} || {self.text_pairs[i]}"
                shown = text if len(text) <= 100 else text[:97] + "..."
            elif self.image_paths is not None:
                shown = os.path.basename(self.image_paths[i])
            elif self.image_bytes is not None:
                shown = f"image #{i} ({len(self.image_bytes[i]):,} bytes)"
            elif self.image_arrays is not None:
                shown = f"array #{i} {'x'.join(map(str, self.image_arrays.shape[1:]))} uint8"
            else:
                shown = f"row #{i}"
            out.append({"label": self.label_text(i), "example": shown})
        return out

    def _shape(self) -> str | None:
        if self.image_arrays is not None:
            return "x".join(map(str, self.image_arrays.shape[1:]))
        if self.features is not None:
            return f"{self.features.shape[1]} features"
        return None


def _update_str(h, text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    h.update(len(data).to_bytes(8, "little"))
    h.update(data)


def _update_array(h, array: np.ndarray) -> None:
    array = np.ascontiguousarray(array)
    _update_str(h, f"{array.dtype.str}{array.shape}")
    h.update(memoryview(array).cast("B"))


def reason_kind(reason: str) -> str:
    """The reason's leading phrase ("cannot be decoded: ..." -> "cannot be decoded")."""
    return str(reason).split(":", 1)[0].strip()
