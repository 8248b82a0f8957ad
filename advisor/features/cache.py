"""On-disk feature cache: re-ranking, or ranking with other probes, costs no forward pass.

Layout: ``<root>/<key[:2]>/<key>.npz`` plus ``<key>.json``. The JSON sidecar records the
array shapes and the sha256 of the .npz bytes; it is written last (temp file + os.replace),
so an entry is only visible once whole. On read, a missing sidecar, a checksum or shape
mismatch, or an unreadable archive makes the entry a miss: it is deleted and recomputed.
A layer-wise entry (its own key) also holds ``layer_<i>`` arrays, named in the sidecar.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np

from advisor.atomic import replace_atomically
from advisor.features.featureset import FeatureSet
from advisor.jsonable import dumps

FORMAT_VERSION = 1
ARRAYS = ("features", "labels", "source_probs")


def default_cache_root() -> Path:
    """The advisor's cache folder: $ADVISOR_CACHE_DIR, else the platform's user cache dir."""
    env = os.environ.get("ADVISOR_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("transfer-advisor"))


def cache_key(
    candidate: str,
    weights_fingerprint: str,
    data_fingerprint: str,
    preprocess_key: str,
    dtype: str,
    layers: str | None = None,
) -> str:
    """``layers`` (advisor.features.layers.LAYERS_KEY) only for layer-wise entries, so the
    keys of every default entry stay as they were."""
    parts = [
        f"v{FORMAT_VERSION}",
        candidate,
        weights_fingerprint,
        data_fingerprint,
        preprocess_key,
        dtype,
    ]
    if layers:
        parts.append(layers)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class FeatureCache:
    """Feature cache rooted at `root` (default: <advisor cache>/features)."""

    def __init__(self, root: str | Path | None = None):
        self.root = (
            Path(root).expanduser() if root is not None else default_cache_root() / "features"
        )

    def __repr__(self) -> str:
        return f"FeatureCache({str(self.root)!r})"

    def paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.npz", folder / f"{key}.json"

    def get(self, key: str, n_rows: int | None = None) -> FeatureSet | None:
        """The cached FeatureSet, or None (a damaged entry is deleted, never returned)."""
        npz_path, meta_path = self.paths(key)
        if not meta_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            payload = npz_path.read_bytes()
            if meta.get("format") != FORMAT_VERSION or meta.get("key") != key:
                raise ValueError("sidecar does not describe this key")
            if hashlib.sha256(payload).hexdigest() != meta["sha256"]:
                raise ValueError("checksum mismatch")
            with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
            for name, shape in meta["shapes"].items():
                if name not in arrays or list(arrays[name].shape) != list(shape):
                    raise ValueError(f"{name} has the wrong shape")
            if n_rows is not None and len(arrays["features"]) != n_rows:
                raise ValueError("row count differs from the data")
            stats = dict(meta.get("stats", {}))
            stats["computed_seconds"] = float(meta.get("seconds", 0.0))
            layers = None
            if "layer_names" in meta:
                layers = {
                    name: arrays[f"layer_{i}"].astype(np.float32, copy=False)
                    for i, name in enumerate(meta["layer_names"])
                }
            return FeatureSet(
                features=arrays["features"].astype(np.float32, copy=False),
                source_probs=arrays.get("source_probs"),
                labels=arrays["labels"],
                candidate=meta["candidate"],
                seconds=0.0,
                cached=True,
                stats=stats,
                layers=layers,
                final_layer=meta.get("final_layer"),
            )
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            self.discard(key)
            return None

    def put(self, key: str, featureset: FeatureSet) -> None:
        """Store atomically: the .npz first, then the sidecar that makes it visible."""
        npz_path, meta_path = self.paths(key)
        npz_path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {"features": featureset.features, "labels": featureset.labels}
        if featureset.source_probs is not None:
            arrays["source_probs"] = featureset.source_probs
        layer_names = list(featureset.layers or {}) if featureset.layers is not None else None
        for i, name in enumerate(layer_names or []):  # names live in the sidecar, not as keys
            arrays[f"layer_{i}"] = featureset.layers[name]
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        payload = buffer.getvalue()
        meta = {
            "format": FORMAT_VERSION,
            "key": key,
            "candidate": featureset.candidate,
            "sha256": hashlib.sha256(payload).hexdigest(),
            "shapes": {name: list(a.shape) for name, a in arrays.items()},
            "seconds": featureset.seconds,
            "stats": featureset.stats,
        }
        if layer_names is not None:
            meta["layer_names"] = layer_names
            meta["final_layer"] = featureset.final_layer
        if meta_path.exists():
            meta_path.unlink()  # hide the old entry while its .npz is replaced
        replace_atomically(npz_path, payload)
        replace_atomically(meta_path, dumps(meta, indent=1).encode("utf-8"))

    def discard(self, key: str) -> None:
        for path in self.paths(key):
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    def clear(self) -> int:
        """Delete every entry; returns how many were removed."""
        removed = 0
        for meta in self.root.glob("*/*.json"):
            self.discard(meta.stem)
            removed += 1
        return removed
