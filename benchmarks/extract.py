"""Throughput of advisor.features.extract against a bare forward loop, in the same run.

Images: EfficientNet-Lite0 (offline package weights) on scikit-learn digits at 224 px.
The bare loop runs ``model(x)`` over tensors preprocessed beforehand with the model's own
transform; the extract path pays for everything (preprocessing, pooling, softmax of the
source head, copying to numpy). A third row decodes the same digits from PNG files.
Text: all-MiniLM-L6-v2 on real tweets, the bare loop runs ``model(**tokens)`` over the
same pre-tokenized, length-sorted batches.
Ratio = extract throughput / bare throughput (target >= 0.9). Also reports a cache hit.

    python benchmarks/extract.py                       # 256 images, 256 texts
    python benchmarks/extract.py --n-images 32 --n-texts 32 --repeats 1   # smoke run
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this folder is first on sys.path and its probes.py would shadow the
# probes package: put the repository root first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _best_pair(first, second, repeats: int) -> tuple[float, float]:
    """Best-of-N for two functions, interleaved so load changes hit both alike."""
    a, b = [], []
    for _ in range(repeats):
        a.append(_best(first, 1))
        b.append(_best(second, 1))
    return min(a), min(b)


def bench_images(n: int, batch_size: int, repeats: int, device: str | None) -> list[tuple]:
    import torch

    from advisor.features import extract
    from advisor.features.image_batches import ArrayPreprocessor
    from advisor.models import load_backbone
    from benchmarks import bench_data

    data = bench_data.digits(n)
    backbone = load_backbone("tf_efficientnet_lite0.in1k", device=device)
    arrays = data.image_arrays
    pre = ArrayPreprocessor.from_transform(
        backbone.eval_transform(), arrays.shape[1], arrays.shape[2]
    )
    tensors = [pre(arrays[i : i + batch_size]).to(backbone.device) for i in range(0, n, batch_size)]
    model = backbone.model

    def bare():
        with torch.inference_mode(), backbone._autocast():
            for x in tensors:
                model(x)
        if backbone.device.type == "cuda":
            torch.cuda.synchronize()

    def full():
        extract(backbone, data, cache=False, batch_size=batch_size)

    bare()  # warm-up (allocator, kernels)
    full()
    t_bare, t_full = _best_pair(bare, full, repeats)
    with tempfile.TemporaryDirectory() as root:
        extract(
            "tf_efficientnet_lite0.in1k", data, cache=root, batch_size=batch_size, device=device
        )
        t_hit = _best(
            lambda: extract("tf_efficientnet_lite0.in1k", data, cache=root, device=device), repeats
        )
        files = _as_image_folder(data, Path(root) / "images")
        t_files = _best(
            lambda: extract(backbone, files, cache=False, batch_size=batch_size), repeats
        )
    return [
        ("images", "bare model(x), pre-made tensors", n, t_bare, n / t_bare, None),
        (
            "images",
            "extract() full path (in-memory arrays)",
            n,
            t_full,
            n / t_full,
            t_bare / t_full,
        ),
        (
            "images",
            "extract() from PNG files (PIL decode)",
            n,
            t_files,
            n / t_files,
            t_bare / t_files,
        ),
        ("images", "extract() cache hit (by id)", n, t_hit, n / t_hit, None),
    ]


def _as_image_folder(data, root: Path):
    """The same digits as 32 px PNG files in class folders (decoded per batch by PIL)."""
    from PIL import Image

    from advisor.data import load_data

    for i, (array, label) in enumerate(zip(data.image_arrays, data.labels, strict=True)):
        folder = root / data.class_names[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(array).convert("RGB").resize((32, 32), Image.BICUBIC).save(
            folder / f"{i:05d}.png"
        )
    return load_data(str(root))


def bench_texts(n: int, batch_size: int, repeats: int, device: str | None) -> list[tuple]:
    import torch

    from advisor.data import load_data, subsample
    from advisor.features import extract
    from advisor.features.text_batches import text_batches, text_plan
    from advisor.models import load_backbone

    data, _ = subsample(load_data("tweets"), budget=n, min_per_class=1, seed=0)
    backbone = load_backbone("sentence-transformers/all-MiniLM-L6-v2", device=device)
    order, _ = text_plan(backbone, data.texts)
    batches = [enc for _, enc in text_batches(backbone, data.texts, order, batch_size)]
    model = backbone.model

    def bare():
        with torch.inference_mode(), backbone._autocast():
            for enc in batches:
                model(**enc)
        if backbone.device.type == "cuda":
            torch.cuda.synchronize()

    def full():
        extract(backbone, data, cache=False, batch_size=batch_size)

    bare()
    full()
    t_bare, t_full = _best_pair(bare, full, repeats)
    n = len(data)
    return [
        ("texts", "bare model(**tokens), pre-made batches", n, t_bare, n / t_bare, None),
        ("texts", "extract() full path (tokenize+pool)", n, t_full, n / t_full, t_bare / t_full),
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=256)
    parser.add_argument("--n-texts", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3, help="best of N timed runs")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    parser.add_argument("--device", default=None, help="cpu / cuda (default: best available)")
    parser.add_argument("--skip-text", action="store_true")
    args = parser.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    rows = bench_images(args.n_images, args.batch_size, args.repeats, args.device)
    if not args.skip_text:
        rows += bench_texts(args.n_texts, args.batch_size, args.repeats, args.device)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    print(
        f"device={device} threads={torch.get_num_threads()} batch={args.batch_size} "
        f"best of {args.repeats}"
    )
    header = f"{'data':<7} {'path':<42} {'n':>5} {'seconds':>9} {'items/s':>10} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for kind, path, n, seconds, rate, ratio in rows:
        ratio_text = f"{ratio:.3f}" if ratio is not None else ""
        print(f"{kind:<7} {path:<42} {n:>5} {seconds:>9.3f} {rate:>10.1f} {ratio_text:>6}")


if __name__ == "__main__":
    main()
