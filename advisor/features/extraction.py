"""extract(): pooled embeddings and source-head probabilities for one candidate on one dataset."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from advisor.errors import Cancelled, DataError
from advisor.features.cache import FeatureCache, cache_key
from advisor.features.featureset import FeatureSet
from advisor.models import Backbone, as_entry, load_backbone, plan_backbone

DEFAULT_BATCH = {
    ("image", "cpu"): 32,
    ("image", "cuda"): 128,
    ("text", "cpu"): 64,
    ("text", "cuda"): 256,
}


def _as_data(data):
    if hasattr(data, "labels") and hasattr(data, "modality"):
        return data
    from advisor.data import load_data

    return load_data(data)


def _data_fingerprint(data) -> str:
    fingerprint = data.fingerprint
    return fingerprint() if callable(fingerprint) else str(fingerprint)


def _resolve_cache(cache) -> FeatureCache | None:
    if cache is False:
        return None
    if cache is None or cache is True:
        return FeatureCache()
    return cache if isinstance(cache, FeatureCache) else FeatureCache(cache)


def _check_modality(entry, data) -> None:
    if data.modality == "features":
        raise DataError(
            f"data {data.name!r} already holds precomputed features; rank them directly instead "
            "of extracting with a backbone"
        )
    if data.modality != entry.modality:
        raise DataError(
            f"candidate {entry.id} expects {entry.modality} data but data {data.name!r} is "
            f"{data.modality}; choose {data.modality} candidates"
        )


def extract(
    backbone_or_entry,
    data,
    *,
    batch_size: int | None = None,
    cache=None,
    progress: Callable[[dict], None] | None = None,
    cancel: threading.Event | None = None,
    device=None,
    layers: bool = False,
) -> FeatureSet:
    """Features of `data` under one backbone (a Backbone, catalog Entry or id).

    cache: None (the default FeatureCache), a FeatureCache or folder, or False (no cache).
    With an Entry or id, a cache hit returns without building the network at all.
    Raises advisor.errors.Cancelled when `cancel` is set (checked between batches).
    layers: also keep the other layers' pooled outputs from the same forward pass
    (FeatureSet.layers; cached under their own key, so default entries stay valid).
    """
    from advisor.features.layers import LAYERS_KEY

    layers_key = LAYERS_KEY if layers else None
    data = _as_data(data)
    store = _resolve_cache(cache)
    backbone = backbone_or_entry if isinstance(backbone_or_entry, Backbone) else None
    entry = backbone.entry if backbone is not None else as_entry(backbone_or_entry)
    _check_modality(entry, data)
    if len(data.labels) == 0:
        raise DataError(f"data {data.name!r} has no examples; nothing to extract")
    data_fp = _data_fingerprint(data) if store is not None else ""

    if backbone is None:
        from advisor.models.device import autocast_dtype, pick_device

        torch_device = device if hasattr(device, "type") else pick_device(device)
        plan = plan_backbone(entry)
        if store is not None and plan.weights_fingerprint and plan.preprocess_key:
            dtype = autocast_dtype(torch_device)
            dtype_name = (
                "float32" if dtype is None else f"autocast-{str(dtype).replace('torch.', '')}"
            )
            key = cache_key(
                entry.id,
                plan.weights_fingerprint,
                data_fp,
                plan.preprocess_key,
                dtype_name,
                layers_key,
            )
            hit = store.get(key, n_rows=len(data.labels))
            if hit is not None:
                _emit(progress, entry.id, len(data.labels), len(data.labels), cached=True)
                return hit
        backbone = load_backbone(entry, device=torch_device)

    key = None
    if store is not None:
        key = cache_key(
            entry.id,
            backbone.weights_fingerprint,
            data_fp,
            backbone.preprocess_key,
            backbone.compute_dtype,
            layers_key,
        )
        hit = store.get(key, n_rows=len(data.labels))
        if hit is not None:
            _emit(progress, entry.id, len(data.labels), len(data.labels), cached=True)
            return hit

    kind = "cuda" if backbone.device.type == "cuda" else "cpu"
    size = batch_size or DEFAULT_BATCH[(backbone.modality, kind)]
    if size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    started = time.perf_counter()
    layer_arrays = _LayerArrays(backbone, len(data.labels)) if layers else None
    if backbone.modality == "image":
        features, probs, stats = _extract_images(
            backbone, data, size, progress, cancel, layer_arrays
        )
    else:
        features, probs, stats = _extract_texts(
            backbone, data, size, progress, cancel, layer_arrays
        )
    seconds = time.perf_counter() - started
    stats.update(
        weights_source=backbone.weights_source,
        device=str(backbone.device),
        batch_size=size,
        examples_per_second=round(len(features) / max(seconds, 1e-9), 2),
    )
    result = FeatureSet(
        features=features,
        source_probs=probs,
        labels=np.asarray(data.labels, dtype=np.int64),
        candidate=entry.id,
        seconds=seconds,
        cached=False,
        stats=stats,
        layers=layer_arrays.arrays if layer_arrays is not None else None,
        final_layer=layer_arrays.final if layer_arrays is not None else None,
    )
    if store is not None:
        store.put(key, result)
    return result


def _emit(progress, candidate: str, done: int, total: int, cached: bool = False) -> None:
    if progress is not None:
        progress(
            {
                "kind": "extract",
                "candidate": candidate,
                "done": done,
                "total": total,
                "cached": cached,
            }
        )


def _check_cancel(cancel) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("feature extraction was cancelled")


def _softmax(logits):
    return logits.float().softmax(dim=-1)


class _LayerArrays:
    """Per-layer [N, D_l] buffers filled batch by batch (widths known at the first batch)."""

    def __init__(self, backbone, n: int):
        self.n = n
        self.names, self.final = backbone.layer_names()
        self.arrays: dict[str, np.ndarray] = {}

    def put(self, rows, layers: dict) -> None:
        for name, value in layers.items():
            if name not in self.arrays:
                self.arrays[name] = np.empty((self.n, value.shape[1]), dtype=np.float32)
            self.arrays[name][rows] = value.cpu().numpy()


def _forward(backbone, batch, with_logits: bool, layer_arrays, rows):
    """One forward pass; with layer_arrays, every layer of that same pass is kept."""
    if layer_arrays is None:
        return backbone.embed_and_logits(batch, with_logits=with_logits)
    pooled, logits, layers = backbone.embed_layers(batch, with_logits=with_logits)
    layer_arrays.put(rows, layers)
    return pooled, logits


def _extract_images(backbone, data, batch_size, progress, cancel, layer_arrays=None):
    from advisor.features.image_batches import ImageStats, image_batches

    n = len(data.labels)
    stats = ImageStats(int(backbone.data_config["input_size"][-1]), "pil")
    features = np.empty((n, backbone.embed_dim), dtype=np.float32)
    probs = None
    unreadable: dict[int, tuple[str, str]] = {}
    _emit(progress, backbone.entry.id, 0, n)
    batches = image_batches(backbone, data, batch_size, stats, unreadable)
    for start, batch in zip(range(0, n, batch_size), batches, strict=True):
        _check_cancel(cancel)
        end = min(start + batch_size, n)
        if batch is not None:  # None once a file failed: only the search for bad files goes on
            pooled, logits = _forward(backbone, batch, True, layer_arrays, slice(start, end))
            features[start:end] = pooled.cpu().numpy()
            if logits is not None:
                if probs is None:
                    probs = np.empty((n, logits.shape[1]), dtype=np.float32)
                probs[start:end] = _softmax(logits).cpu().numpy()
        _emit(progress, backbone.entry.id, end, n)
    if unreadable:
        raise _unreadable(data, unreadable)
    return features, probs, stats.as_dict()


def _unreadable(data, rows: dict[int, tuple[str, str]]):
    """Every file that failed, named as the load-time report names files."""
    from advisor.data.image_files import UnreadableImages
    from advisor.data.skipped import shown_path

    shown = {i: (shown_path(data, path), reason) for i, (path, reason) in rows.items()}
    return UnreadableImages(data.name, len(data.labels), shown)


def _extract_texts(backbone, data, batch_size, progress, cancel, layer_arrays=None):
    from advisor.features.text_batches import text_batches, text_plan

    texts = list(data.texts)
    n = len(texts)
    order, stats = text_plan(backbone, texts)
    features = np.empty((n, backbone.embed_dim), dtype=np.float32)
    done = 0
    _emit(progress, backbone.entry.id, 0, n)
    for idx, encoded in text_batches(backbone, texts, order, batch_size):
        _check_cancel(cancel)
        pooled, _ = _forward(backbone, encoded, False, layer_arrays, idx)
        features[idx] = pooled.cpu().numpy()
        done += len(idx)
        _emit(progress, backbone.entry.id, done, n)
    return features, None, stats
