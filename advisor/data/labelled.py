"""LabelledData: one labelled dataset (images, texts or precomputed features) in memory.

Images given as files stay on disk and are decoded one at a time by ``image(i)``, so memory
stays bounded however large the folder is. Built-in image sets (digits, fashion-mnist) are
small uint8 arrays held in memory.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.data.image_files import ImageDecodeError, decode_failure
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
    labels: np.ndarray  # int64 [N], contiguous 0..C-1
    class_names: list[str]  # index -> original label
    source: str  # path or built-in name, for the record
    texts: list[str] | None = None
    image_paths: list[str] | None = None  # decoded lazily by image(i)
    image_arrays: np.ndarray | None = None  # uint8 [N,H,W] or [N,H,W,3]
    features: np.ndarray | None = None  # [N,D] precomputed
    skipped: list[tuple[str, str]] = ()  # (item, reason): unreadable or invalid inputs
    dropped: list[tuple[str, str]] = ()  # (item, reason): duplicates removed on purpose
    # The user's own split, one of "train" | "val" | "test" per example (a `split` column, or
    # train/val/test top-level folders); None when the data has no split of its own.
    splits: list[str] | None = None
    # sha256 of each image file, shared between a dataset and its subsets so a file is
    # hashed at most once per process.
    _file_hashes: dict[str, str] = field(default_factory=dict, repr=False)
    _fingerprint: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.modality not in MODALITIES:
            raise DataError(f"modality is {self.modality!r}; use one of {', '.join(MODALITIES)}")
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

    def _payload_name(self) -> str:
        if self.modality == "text":
            candidates = ["texts"]
        elif self.modality == "features":
            candidates = ["features"]
        else:
            candidates = ["image_paths", "image_arrays"]
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
        """Examples per class, for every class (0 for a class absent from a subset)."""
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
        path = self.image_paths[i]
        try:
            with Image.open(path) as img:
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
            features=None if self.features is None else self.features[idx],
            skipped=list(self.skipped),
            dropped=list(self.dropped),
            splits=None if self.splits is None else [self.splits[i] for i in idx],
            _file_hashes=self._file_hashes,
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
                shown = text if len(text) <= 100 else text[:97] + "..."
            elif self.image_paths is not None:
                shown = os.path.basename(self.image_paths[i])
            elif self.image_arrays is not None:
                shown = f"array #{i} {'x'.join(map(str, self.image_arrays.shape[1:]))} uint8"
            else:
                shown = f"row #{i}"
            out.append({"label": self.class_names[self.labels[i]], "example": shown})
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
