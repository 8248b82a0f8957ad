"""Image batches for a backbone: its own eval transform, vectorised when the data allows.

In-memory arrays (digits, fashion-mnist) share one size, so the model's
Resize -> CenterCrop -> ToTensor -> Normalize pipeline is a fixed linear map per axis.
`ArrayPreprocessor` reads the steps off the transform, builds each axis' resampling
matrix with PIL itself (resizing an identity image in float mode, so the filter and its
support are PIL's own), and applies them to a whole batch with two matmuls, rounding to
uint8 after each pass like PIL does. It matches the per-image PIL path to within
two grey levels (under 1% of pixels differ at all) and is far cheaper. Any transform it
does not recognise falls back to PIL. On CUDA it runs on the GPU, so only the uint8 batch
crosses the bus: on an H200 the host-side resize held extract() to 0.16-0.23 of the bare
loop (docs/features.md "On a GPU").
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

MIN_WORKER_IMAGES = 64  # below this, in-process decoding wins (docs/features.md "Performance")
_PIL_FILTERS = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}


def _axis_matrix(n_in: int, n_out: int, pil_filter: int) -> np.ndarray:
    """[n_out, n_in] matrix M such that PIL's 1-D resize of a row r is M @ r."""
    from PIL import Image

    if n_in == n_out:
        return np.eye(n_out, dtype=np.float32)
    identity = Image.fromarray(np.eye(n_in, dtype=np.float32), mode="F")
    resized = identity.resize((n_out, n_in), resample=pil_filter)  # width only changes
    return np.asarray(resized, dtype=np.float32).T.copy()


class ArrayPreprocessor:
    """Vectorised eval transform for uint8 batches [B, H, W] or [B, H, W, 3] of one size."""

    def __init__(self, rows, cols, mean, std, device=None):
        import torch

        self.device = torch.device(device or "cpu")
        self.rows = torch.from_numpy(rows).to(self.device)  # [h_out, H]
        self.cols_t = torch.from_numpy(cols).T.contiguous().to(self.device)  # [W, w_out]
        mean, std = (torch.tensor(v, dtype=torch.float32).view(1, -1, 1, 1) for v in (mean, std))
        self.mean = (mean * 255.0).to(self.device)
        self.std = (std * 255.0).to(self.device)

    @classmethod
    def from_transform(
        cls, transform, height: int, width: int, device=None
    ) -> ArrayPreprocessor | None:
        """Build from a torchvision Compose, or None when it has steps this cannot mirror."""
        from PIL import Image
        from torchvision import transforms as T

        steps = list(getattr(transform, "transforms", []))
        names = [type(s).__name__ for s in steps]
        if names not in (
            ["Resize", "CenterCrop", "ToTensor", "Normalize"],
            ["Resize", "CenterCrop", "MaybeToTensor", "Normalize"],
        ):
            return None
        resize, crop, _, normalize = steps
        mode = getattr(resize.interpolation, "value", str(resize.interpolation)).lower()
        if mode not in _PIL_FILTERS or resize.max_size is not None:
            return None
        new_w, new_h = resize(Image.new("L", (width, height))).size  # the transform's own sizing
        crop_h, crop_w = crop.size if len(crop.size) == 2 else (crop.size[0], crop.size[0])
        if crop_h > new_h or crop_w > new_w:
            return None  # CenterCrop would pad; leave that to torchvision
        top = int(round((new_h - crop_h) / 2.0))
        left = int(round((new_w - crop_w) / 2.0))
        pil_filter = _PIL_FILTERS[mode]
        rows = _axis_matrix(height, new_h, pil_filter)[top : top + crop_h]
        cols = _axis_matrix(width, new_w, pil_filter)[left : left + crop_w]
        mean, std = (
            np.asarray(v, dtype=np.float32).reshape(-1) for v in (normalize.mean, normalize.std)
        )
        if not isinstance(normalize, T.Normalize) or mean.size != 3 or std.size != 3:
            return None
        return cls(rows, cols, mean, std, device)

    def __call__(self, batch: np.ndarray):
        """uint8 [B, H, W(, 3)] -> float32 [B, 3, h, w] normalised tensor, on ``self.device``."""
        import torch

        # Arrays from Ray's object store are read-only: copy those (torch warns otherwise).
        x = torch.from_numpy(np.require(batch, requirements=("C", "W")))
        x = x.to(self.device, non_blocking=True).float()
        x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2)  # [B, C, H, W]
        # PIL: horizontal pass, round half up to uint8, vertical pass, round again (clip 0..255).
        x = torch.matmul(x, self.cols_t).add_(0.5).floor_().clamp_(0, 255)
        x = torch.matmul(self.rows, x).add_(0.5).floor_().clamp_(0, 255)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)  # grey -> RGB after resizing: 3x less work
        return ((x - self.mean) / self.std).contiguous()


def as_uint8_images(arrays: np.ndarray) -> np.ndarray:
    if arrays.dtype == np.uint8:
        return arrays
    return np.clip(np.rint(arrays), 0, 255).astype(np.uint8)


class ImageStats:
    """Native input size vs the data's sizes, and the grayscale fraction."""

    def __init__(self, native_size: int, method: str):
        self.native_size = native_size
        self.method = method
        self.heights: list[int] = []
        self.widths: list[int] = []
        self.grey = 0

    def add_array_batch(self, batch: np.ndarray) -> None:
        b, h, w = batch.shape[:3]
        self.heights += [h] * b
        self.widths += [w] * b
        if batch.ndim == 3:
            self.grey += b
        else:
            self.grey += int(
                ((batch[..., 0] == batch[..., 1]) & (batch[..., 1] == batch[..., 2]))
                .reshape(b, -1)
                .all(axis=1)
                .sum()
            )

    def add_image(self, image) -> None:
        self.add_record(*image_record(image))

    def add_record(self, width: int, height: int, grey: bool) -> None:
        self.widths.append(width)
        self.heights.append(height)
        self.grey += int(grey)

    def as_dict(self) -> dict:
        n = max(len(self.heights), 1)
        mean_h = float(np.mean(self.heights)) if self.heights else 0.0
        mean_w = float(np.mean(self.widths)) if self.widths else 0.0
        short = min(mean_h, mean_w)
        return {
            "native_size": self.native_size,
            "data_mean_height": round(mean_h, 2),
            "data_mean_width": round(mean_w, 2),
            "upscale_factor": round(self.native_size / short, 3) if short else None,
            "grayscale_fraction": round(self.grey / n, 4),
            "preprocess": self.method,
        }


def image_batches(
    backbone,
    data,
    batch_size: int,
    stats: ImageStats | None = None,
    unreadable: dict[int, tuple[str, str]] | None = None,
    workers: int | None = None,
) -> Iterator:
    """Yield preprocessed float tensors [B, 3, h, w] in data order; decodes one batch at a time.

    With ``unreadable`` (a dict to fill), a file that fails to decode is recorded there as
    position -> (path, reason) instead of raised; from then on each batch yields None
    (the features are void) while the rest is still decoded, so every bad file is found
    in one pass. Exactly one item is yielded per ``batch_size`` examples.

    Files (and encoded bytes) are decoded and resized by ``workers`` background processes
    (None: ``decode_workers(n)``), a few batches ahead of the forward pass; in-memory arrays
    are preprocessed in this process (vectorised, far cheaper than a worker's round trip).
    Close the generator (``contextlib.closing``) to stop the workers at once.
    """
    n = len(data.labels)
    arrays = getattr(data, "image_arrays", None)
    if arrays is not None:
        yield from _array_batches(backbone, np.asarray(arrays), batch_size, stats)
        return
    if workers is None:
        workers = decode_workers(n)
    if workers > 0 and n > batch_size:
        decoded = _worker_chunks(backbone, data, batch_size, workers)
    else:
        transform = backbone.eval_transform()
        decoded = (  # lazy: once a file failed, later images are only checked, not resized
            decode_chunk(data, transform, range(s, min(s + batch_size, n)), not unreadable)
            for s in range(0, n, batch_size)
        )
    try:
        for tensor, bad, records in decoded:
            if unreadable is None and bad:
                from advisor.data.image_files import ImageDecodeError

                path, reason = next(iter(bad.values()))
                raise ImageDecodeError(path, reason)
            if bad:
                unreadable.update(bad)
            if unreadable:
                yield None
                continue
            if stats is not None:
                for record in records:
                    stats.add_record(*record)
            yield tensor
    finally:
        close = getattr(decoded, "close", None)
        if close is not None:
            close()


def _array_batches(backbone, arrays: np.ndarray, batch_size: int, stats) -> Iterator:
    pre = ArrayPreprocessor.from_transform(
        backbone.eval_transform(), arrays.shape[1], arrays.shape[2], device=backbone.device
    )
    if stats is not None:
        stats.method = "vectorised" if pre is not None else "pil"
    for start in range(0, len(arrays), batch_size):
        batch = as_uint8_images(arrays[start : start + batch_size])
        if stats is not None:
            stats.add_array_batch(batch)
        if pre is not None:
            yield pre(batch)
        else:
            yield _pil_batch(backbone, [_array_to_pil(a) for a in batch])


def decode_workers(n: int) -> int:
    """Background decode processes for ``n`` files: $ADVISOR_DECODE_WORKERS, else one per
    spare core (max 4; at least one, so decoding overlaps the forward pass even on two
    cores), and none below MIN_WORKER_IMAGES, where starting them costs more than it saves."""
    import os

    env = os.environ.get("ADVISOR_DECODE_WORKERS", "").strip()
    if env.isdigit():
        return int(env)
    if n < MIN_WORKER_IMAGES:
        return 0
    return max(1, min(4, (os.cpu_count() or 1) - 1))


def decode_chunk(data, transform, indices, transform_images: bool = True) -> tuple:
    """(stacked tensor or None, {position: (path, reason)}, [(width, height, grey)])."""
    import torch

    from advisor.data.image_files import ImageDecodeError

    tensors, bad, records = [], {}, []
    for i in indices:
        try:
            image = data.image(i)
        except ImageDecodeError as exc:
            bad[i] = (exc.path, exc.reason)
            continue
        if transform_images and not bad:  # else void: only the search for bad files goes on
            records.append(image_record(image))
            tensors.append(transform(image.convert("RGB")))
    return (torch.stack(tensors) if tensors and not bad else None), bad, records


class _DecodeChunks:
    """Map-style dataset whose item k is chunk k, decoded by decode_chunk (in a worker)."""

    def __init__(self, data, transform, chunk: int):
        self.data, self.transform, self.chunk = data, transform, chunk
        self.n = len(data.labels)

    def __len__(self) -> int:
        return -(-self.n // self.chunk)

    def __getitem__(self, k: int):
        start = k * self.chunk
        return decode_chunk(
            self.data, self.transform, range(start, min(start + self.chunk, self.n))
        )


def _as_is(item):
    return item


def _worker_chunks(backbone, data, chunk: int, workers: int) -> Iterator:
    """decode_chunk results in order, computed by a pool of DataLoader worker processes."""
    import torch
    from torch.utils.data import DataLoader

    dataset = _DecodeChunks(data, backbone.eval_transform(), chunk)
    loader = DataLoader(
        dataset,
        batch_size=None,  # items are whole chunks already
        shuffle=False,
        num_workers=min(workers, len(dataset)),
        collate_fn=_as_is,
        pin_memory=backbone.device.type == "cuda" and torch.cuda.is_available(),
        prefetch_factor=4,
    )
    iterator = iter(loader)
    try:
        yield from iterator
    finally:
        shutdown = getattr(iterator, "_shutdown_workers", None)
        if shutdown is not None:
            shutdown()  # at once, rather than when the iterator is garbage-collected


def image_record(image) -> tuple[int, int, bool]:
    """(width, height, is grey) of a PIL image, for ImageStats."""
    from PIL import Image

    small = image if max(image.size) <= 128 else image.resize((64, 64), Image.NEAREST)
    pixels = np.asarray(small.convert("RGB"))
    same = (pixels[..., 0] == pixels[..., 1]) & (pixels[..., 1] == pixels[..., 2])
    return image.width, image.height, bool(same.all())


def _array_to_pil(array: np.ndarray):
    from PIL import Image

    return Image.fromarray(array).convert("RGB")


def _pil_batch(backbone, images):
    import torch

    transform = backbone.eval_transform()
    return torch.stack([transform(image) for image in images])
