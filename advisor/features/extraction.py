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
    pair_mode: str = "combined",
) -> FeatureSet:
    """Features of `data` under one backbone (a Backbone, catalog Entry or id).

    cache: None (the default FeatureCache), a FeatureCache or folder, or False (no cache).
    With an Entry or id, a cache hit returns without building the network at all.
    Raises advisor.errors.Cancelled when `cancel` is set (checked between batches).
    layers: also keep the other layers' pooled outputs from the same forward pass
    (FeatureSet.layers; cached under their own key, so default entries stay valid).
    pair_mode (text pairs only, docs/data.md "Text pairs"): "combined" (the default),
    [u, v, |u-v|, u*v] from the two texts' separate embeddings (4x the width), or "joint",
    one pass of the tokenizer's pair encoding. The cache key holds the mode.
    """
    from advisor.data.tasks import check_pair_mode
    from advisor.features.layers import LAYERS_KEY

    check_pair_mode(pair_mode)
    layers_key = LAYERS_KEY if layers else None
    data = _as_data(data)
    pair_key = f"|pairs:{pair_mode}" if getattr(data, "text_pairs", None) is not None else ""
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
                plan.preprocess_key + pair_key,
                dtype_name,
                layers_key,
            )
            hit = store.get(key, n_rows=len(data.labels))
            if hit is not None:
                _emit(progress, entry.id, len(data.labels), len(data.labels), cached=True)
                return with_task(hit, data)
        backbone = load_backbone(entry, device=torch_device)
        if backbone.modality == "image":  # ours alone, for inference: fold its BatchNorms
            from advisor.models.inference import fold_batch_norms

            fold_batch_norms(backbone)

    key = None
    if store is not None:
        key = cache_key(
            entry.id,
            backbone.weights_fingerprint,
            data_fp,
            backbone.preprocess_key + pair_key,
            backbone.compute_dtype,
            layers_key,
        )
        hit = store.get(key, n_rows=len(data.labels))
        if hit is not None:
            _emit(progress, entry.id, len(data.labels), len(data.labels), cached=True)
            return with_task(hit, data)

    kind = "cuda" if backbone.device.type == "cuda" else "cpu"
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    started = time.perf_counter()
    layer_arrays = _LayerArrays(backbone, len(data.labels)) if layers else None
    if backbone.modality == "image":
        # no batch size given: the fastest one for this model here (advisor.features.batch_tuning)
        features, probs, stats = _extract_images(
            backbone, data, batch_size, progress, cancel, layer_arrays
        )
    else:
        size = batch_size or DEFAULT_BATCH[(backbone.modality, kind)]
        extract_texts = (
            _extract_combined if pair_key and pair_mode == "combined" else _extract_texts
        )
        features, probs, stats = extract_texts(backbone, data, size, progress, cancel, layer_arrays)
        stats["batch_size"] = size
        if pair_key:
            stats.setdefault("pair_mode", pair_mode)
    seconds = time.perf_counter() - started
    stats.update(
        weights_source=backbone.weights_source,
        device=str(backbone.device),
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
    return with_task(result, data)


def with_task(featureset: FeatureSet, data) -> FeatureSet:
    """The data's task and targets on its features (the cache stores neither: its key, the
    data fingerprint, already covers the targets)."""
    featureset.task = getattr(data, "task", "classification")
    targets = getattr(data, "targets", None)
    featureset.targets = None if targets is None else np.asarray(targets)
    return featureset


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
    """Forward passes over decoded chunks, grouped into batches of the plan's size (fixed, or
    tried out on the first batches when tuning); progress and cancellation per batch."""
    from contextlib import closing

    from advisor.features.batch_tuning import BatchPlan
    from advisor.features.image_batches import ImageStats, image_batches

    n = len(data.labels)
    plan = BatchPlan.for_extraction(backbone, n, batch_size)
    stats = ImageStats(int(backbone.data_config["input_size"][-1]), "pil")
    out = _ImageOutputs(backbone, n, layer_arrays)
    unreadable: dict[int, tuple[str, str]] = {}
    _emit(progress, backbone.entry.id, 0, n)
    chunk, start, pending = plan.chunk, 0, []
    with closing(image_batches(backbone, data, chunk, stats, unreadable)) as chunks:
        for i, piece in enumerate(chunks):
            pending.append(piece)
            end = min((i + 1) * chunk, n)
            size = plan.next_size()
            if end - start < size and end < n:
                continue  # a tuned plan joins several decoded chunks into one batch
            _check_cancel(cancel)
            if not unreadable and all(p is not None for p in pending):
                tick = time.perf_counter()
                out.forward(pending, slice(start, end))
                if end - start == size:
                    plan.record(size, time.perf_counter() - tick)
            # else: a file failed; only the search for other bad files goes on
            _emit(progress, backbone.entry.id, end, n)
            start, pending = end, []
    if unreadable:
        raise _unreadable(data, unreadable)
    info = stats.as_dict()
    info["batch_size"] = plan.next_size()
    if plan.tuned is not None:
        info["batch_size_tried"] = {str(k): round(v, 2) for k, v in plan.tuned.items()}
    return out.features, out.probs, info


class _ImageOutputs:
    """Pooled features and source probabilities, filled batch by batch."""

    def __init__(self, backbone, n: int, layer_arrays):
        self.backbone, self.n, self.layer_arrays = backbone, n, layer_arrays
        self.features = np.empty((n, backbone.embed_dim), dtype=np.float32)
        self.probs = None

    def forward(self, pieces: list, rows: slice) -> None:
        import torch

        batch = pieces[0] if len(pieces) == 1 else torch.cat(pieces)
        pooled, logits = _forward(self.backbone, batch, True, self.layer_arrays, rows)
        self.features[rows] = pooled.cpu().numpy()
        if logits is not None:
            if self.probs is None:
                self.probs = np.empty((self.n, logits.shape[1]), dtype=np.float32)
            self.probs[rows] = _softmax(logits).cpu().numpy()


def _unreadable(data, rows: dict[int, tuple[str, str]]):
    """Every file that failed, named as the load-time report names files."""
    from advisor.data.image_files import UnreadableImages
    from advisor.data.skipped import shown_path

    shown = {i: (shown_path(data, path), reason) for i, (path, reason) in rows.items()}
    return UnreadableImages(data.name, len(data.labels), shown)


def _extract_texts(backbone, data, batch_size, progress, cancel, layer_arrays=None):
    from advisor.features.text_batches import text_batches, text_plan

    texts = list(data.texts)
    # A text pair goes through the tokenizer's pair encoding, as a cross-encoder fine-tune
    # sees it (docs/features.md "Text pairs").
    pairs = getattr(data, "text_pairs", None)
    n = len(texts)
    order, stats = text_plan(backbone, texts, pairs)
    features = np.empty((n, backbone.embed_dim), dtype=np.float32)
    done = 0
    _emit(progress, backbone.entry.id, 0, n)
    for idx, encoded in text_batches(backbone, texts, order, batch_size, pairs):
        _check_cancel(cancel)
        pooled, _ = _forward(backbone, encoded, False, layer_arrays, idx)
        features[idx] = pooled.cpu().numpy()
        done += len(idx)
        _emit(progress, backbone.entry.id, done, n)
    return features, None, stats


def _extract_combined(backbone, data, batch_size, progress, cancel, layer_arrays=None):
    """Pairs as [u, v, |u-v|, u*v] of the two texts' separate embeddings (per layer too)."""
    from types import SimpleNamespace

    n = len(data.texts)
    halves = []
    for k, texts in enumerate((data.texts, data.text_pairs)):
        layers = _LayerArrays(backbone, n) if layer_arrays is not None else None
        one = SimpleNamespace(texts=texts, text_pairs=None)
        halves.append(
            (
                *_extract_texts(backbone, one, batch_size, _half(progress, k, n), cancel, layers),
                layers,
            )
        )
    (u, _, stats, u_layers), (v, _, pair_stats, v_layers) = halves
    if layer_arrays is not None:
        layer_arrays.arrays = {
            name: _combine(u_layers.arrays[name], v_layers.arrays[name]) for name in u_layers.arrays
        }
    stats = {**stats, "pair_mode": "combined", "pair_text_stats": pair_stats}
    return _combine(u, v), None, stats


def _combine(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.concatenate([u, v, np.abs(u - v), u * v], axis=1).astype(np.float32, copy=False)


def _half(progress, k: int, n: int):
    """Progress of one of the two passes as a share of both (0..n, then n..2n of 2n)."""
    if progress is None:
        return None

    def report(event):
        if isinstance(event, dict) and "done" in event:
            event = {**event, "done": event["done"] + k * n, "total": 2 * n}
        progress(event)

    return report
