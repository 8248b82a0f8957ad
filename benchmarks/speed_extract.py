"""Extraction and fine-tuning against bare loops, per model, with each optimisation measured.

Per image backbone (offline weights; digits upscaled to the model's input size):
  * bare loop: ``model(x)`` over tensors made beforehand, in each variant: today's
    (NCHW fp32, batch 32), channels-last, channels-last at each candidate batch size, bf16
    autocast (only where the CPU has native bf16), int8 dynamic quantisation (only
    nn.Linear layers: a convnet's trunk is untouched, so it is reported, not used), and
    ``torch.compile`` (--compile; its compile seconds too), and the best channels-last batch
    with the BatchNorms folded (what extract() runs on a model it loads itself;
    advisor/models/inference.py). ONNX Runtime: only if installed.
  * our path: ``advisor.features.extract`` (preprocessing, pooling, source softmax, copies)
    at the bare loop's best settings, and with the batch size left to the autotuner;
    ratio = extract / bare at the same settings (target >= 0.92).
  * from PNG files: PIL decode + resize in this process vs in background worker processes.
Fine-tuning (EfficientNet-Lite0 at 112 px, digits): the engine's training epoch against a
bare forward + loss + backward + AdamW loop on the same batches (benchmarks/finetune.py),
plus the engine with decode/augmentation in a worker process (--num-workers 1).

Rates are images/s of wall time, best of --repeats runs interleaved across variants (load
changes hit all alike), and in brackets per CPU-second of this process: on a shared machine
the CPU-second figure is the steadier one. bf16 and the probes: --precision compares LogME
and linear-probe scores of fp32 and bf16 features (the tolerance is in docs/features.md).

    python benchmarks/speed_extract.py --quick              # lite0 only, small sizes
    python benchmarks/speed_extract.py                      # every model
    python benchmarks/speed_extract.py --models lite1,craft --threads 1 --compile
``benchmarks/speed.py`` calls ``main(argv)``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

_HERE = os.path.dirname(os.path.abspath(__file__))
# a script's own folder comes first on sys.path, and benchmarks/probes.py would shadow probes/
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

MODELS = {
    "lite0": "tf_efficientnet_lite0.in1k",
    "lite1": "tf_efficientnet_lite1.in1k",
    "lite2": "tf_efficientnet_lite2.in1k",
    "mobilenetv2": "torchvision/mobilenet_v2",
    "craft": "vgg16_bn_craft.ocr_text_detection",
}
SLOW = {"craft": 0.25}  # share of --n for the VGG16 trunk


class Timer:
    """Best wall and CPU seconds over interleaved repeats, per variant name."""

    def __init__(self):
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def time(self, name: str, fn) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        self.wall[name] = min(self.wall.get(name, float("inf")), wall)
        self.cpu[name] = min(self.cpu.get(name, float("inf")), cpu)


def _tensors(backbone, data, batch_size: int, channels_last: bool):
    import torch

    from advisor.features.image_batches import ArrayPreprocessor

    arrays = data.image_arrays
    pre = ArrayPreprocessor.from_transform(
        backbone.eval_transform(), arrays.shape[1], arrays.shape[2]
    )
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    return [
        pre(arrays[i : i + batch_size]).to(backbone.device).contiguous(memory_format=fmt)
        for i in range(0, len(arrays), batch_size)
    ]


def _bare(model, tensors, device, autocast=None):
    import torch

    def run():
        with torch.inference_mode(), autocast or contextlib.nullcontext():
            for x in tensors:
                model(x)
        if device.type == "cuda":
            torch.cuda.synchronize()

    return run


def bench_model(short: str, args) -> list[tuple]:
    import torch

    from advisor.features import batch_tuning, extract
    from advisor.models import load_backbone
    from advisor.models.device import cpu_has_native_bf16
    from advisor.models.inference import fold_batch_norms
    from benchmarks import bench_data

    n = max(8, int(args.n * SLOW.get(short, 1.0)))
    data = bench_data.digits(n)
    backbone = load_backbone(MODELS[short], device=args.device)
    device, model = backbone.device, backbone.model
    kind = "cuda" if device.type == "cuda" else "cpu"
    sizes = [b for b in batch_tuning.CANDIDATES[kind] if b <= max(n, 8)]
    base = 32 if kind == "cpu" else 128
    cl = torch.channels_last
    variants = {  # name -> (memory format, batch size, autocast or None)
        f"bare NCHW fp32 b{base} (before)": (torch.contiguous_format, base, None),
        **{f"bare channels-last b{b}": (cl, b, None) for b in sizes},
    }
    if kind == "cpu" and cpu_has_native_bf16():
        variants.update({f"bare channels-last bf16 b{b}": (cl, b, torch.bfloat16) for b in sizes})
    prepared = {
        name: _tensors(backbone, data, b, fmt == cl) for name, (fmt, b, _) in variants.items()
    }
    timer = Timer()
    for repeat in range(args.repeats + 1):  # the first round warms every shape up
        for name, (fmt, _, dtype) in variants.items():
            model.to(memory_format=fmt)
            autocast = torch.autocast(device.type, dtype=dtype) if dtype else None
            run = _bare(model, prepared[name], device, autocast)
            run() if repeat == 0 else timer.time(name, run)
    model.to(memory_format=cl)
    fp32 = {k: v for k, v in timer.wall.items() if variants[k][0] == cl and not variants[k][2]}
    best_name = min(fp32, key=fp32.get)
    best_b = variants[best_name][1]
    ours = f"extract() at b{best_b} (ratio: to the bare loop at b{best_b})"
    tuned_name = "extract(), batch size autotuned"
    tuned = []
    # What extract() runs when it loads the model itself: its BatchNorms folded.
    folded = copy.deepcopy(backbone)
    pairs = fold_batch_norms(folded)
    fold_name = f"bare channels-last b{best_b}, {pairs} BatchNorms folded"
    fold_run = _bare(folded.model, prepared[best_name], device)
    fold_run()  # warm-up
    with tempfile.TemporaryDirectory() as root:
        os.environ["ADVISOR_CACHE_DIR"] = root  # the autotuner's file goes to a scratch folder
        extract(backbone, data, cache=False, batch_size=best_b)  # warm-up
        for _ in range(args.repeats):  # interleaved with the bare loop it is compared to
            timer.time(ours, lambda: extract(backbone, data, cache=False, batch_size=best_b))
            timer.time(best_name, _bare(model, prepared[best_name], device))
            timer.time(fold_name, fold_run)
            batch_tuning.forget_all()
            timer.time(tuned_name, lambda: tuned.append(extract(backbone, data, cache=False)))
        os.environ.pop("ADVISOR_CACHE_DIR", None)
    first = next(iter(variants))
    rows = []
    for name in timer.wall:
        if name == ours:  # extract() against the bare loop at the same settings
            ratios = [t[best_name] / t[ours] for t in (timer.wall, timer.cpu)]
            text = "{:.3f} / {:.3f}".format(*ratios)
        else:  # against the bare loop as it was before (NCHW, batch 32)
            text = "{:.2f}x / {:.2f}x".format(
                *(t[first] / t[name] for t in (timer.wall, timer.cpu))
            )
        rows.append((short, name, n, timer.wall[name], timer.cpu[name], text))
    rows.append(_quantised(short, model, n))
    if args.compile:
        rows.append(_compiled(short, model, prepared[best_name], device, n, args, timer, first))
    rows.append((short, "ONNX Runtime: skipped (onnxruntime is not installed)", n, None, None, ""))
    chosen = tuned[-1].stats.get("batch_size") if tuned else None
    tried = tuned[-1].stats.get("batch_size_tried") if tuned else None
    print(f"  {short}: autotuner chose batch {chosen} (tried {tried})", file=sys.stderr)
    return rows


def _quantised(short, model, n):
    import torch

    linear = sum(isinstance(m, torch.nn.Linear) for m in model.modules())
    convs = sum(isinstance(m, torch.nn.Conv2d) for m in model.modules())
    name = f"int8 dynamic: quantises {linear} Linear, not the {convs} Conv2d; not used"
    return (short, name, n, None, None, "")


def _compiled(short, model, tensors, device, n, args, reference, first):
    import torch

    start = time.perf_counter()
    compiled = torch.compile(model)
    with torch.inference_mode():
        compiled(tensors[0])
    compile_s = time.perf_counter() - start
    run = _bare(compiled, tensors, device)
    run()
    timer = Timer()
    for _ in range(args.repeats):
        timer.time("c", run)
    name = f"bare torch.compile, best batch (compile took {compile_s:.0f} s)"
    ratio = "{:.2f}x / {:.2f}x".format(
        reference.wall[first] / timer.wall["c"], reference.cpu[first] / timer.cpu["c"]
    )
    return (short, name, n, timer.wall["c"], timer.cpu["c"], ratio)


def bench_files(args) -> list[tuple]:
    """extract() from PNG files: decoding in this process vs in worker processes."""
    from PIL import Image

    from advisor.data import load_data
    from advisor.features import extract
    from advisor.models import load_backbone
    from benchmarks import bench_data

    n = args.n
    data = bench_data.digits(n)
    backbone = load_backbone(MODELS["lite0"], device=args.device)
    timer = Timer()
    with tempfile.TemporaryDirectory() as root:
        for i, (array, label) in enumerate(zip(data.image_arrays, data.labels, strict=True)):
            folder = Path(root) / data.class_names[label]
            folder.mkdir(parents=True, exist_ok=True)
            # photo-sized files, so decoding and resizing cost what they cost on real photos
            Image.fromarray(array).convert("RGB").resize((640, 480), Image.BICUBIC).save(
                folder / f"{i:05d}.png"
            )
        files = load_data(root)
        for repeat in range(args.repeats + 1):
            for workers in (0, 1, 2):
                os.environ["ADVISOR_DECODE_WORKERS"] = str(workers)
                name = f"extract() from 640x480 PNGs, decode workers={workers}"
                run = lambda: extract(backbone, files, cache=False, batch_size=16)  # noqa: E731
                run() if repeat == 0 else timer.time(name, run)
        os.environ.pop("ADVISOR_DECODE_WORKERS", None)
    first = next(iter(timer.wall))
    return [
        (
            "lite0",
            name,
            n,
            timer.wall[name],
            timer.cpu[name],
            f"{timer.wall[first] / timer.wall[name]:.2f}x (wall only: workers' CPU is not ours)",
        )
        for name in timer.wall
    ]


def precision_check(args) -> list[tuple]:
    """Probe scores of each reduced-precision path against strict fp32 features (digits).

    CPU: the advisor's bf16 autocast (ADVISOR_CPU_BF16) against float32. CUDA: float32 with
    TF32 convolutions and matmuls (the fp32 run on an Ampere or later GPU) and the default bf16
    autocast, both against float32 with TF32 off. Rows: model, precision, relative L2 change
    of the features, LogME and linear probe of the reference and of this precision, and
    images/s of the extraction (the second of two runs, so CUDA's warm-up is not counted).
    """
    import numpy as np
    import torch

    import advisor.models.device as device_rules
    from advisor.data import load_data, subsample
    from advisor.features import extract
    from advisor.models import load_backbone
    from advisor.models.device import pick_device
    from probes.linear_probe import linear_probe
    from probes.logme import logme

    data = subsample(load_data("digits"), args.precision_n, seed=0)[0]
    device = pick_device(args.device)  # a clear error where --device cuda has no GPU
    models = (args.models or "lite0,lite2").split(",")
    if device.type == "cuda":
        modes = {"fp32": (None, False), "tf32": (None, True), "bf16": (torch.bfloat16, False)}
    else:
        modes = {"fp32": (None, False), "bf16": (torch.bfloat16, False)}
    rows = []
    for short in models:
        backbone = load_backbone(MODELS[short], device=device)
        features, rates = {}, {}
        for mode, (dtype, tf32) in modes.items():
            with contextlib.ExitStack() as stack:
                stack.enter_context(_tf32(tf32))
                stack.enter_context(
                    mock.patch.object(device_rules, "autocast_dtype", lambda _d, d=dtype: d)
                )
                for _ in range(2):
                    started = time.perf_counter()
                    features[mode] = extract(backbone, data, cache=False).features
                    rates[mode] = len(data.labels) / (time.perf_counter() - started)
        reference = features["fp32"]
        ref_scores = (logme(reference, data.labels), linear_probe(reference, data.labels))
        for mode, values in features.items():
            if mode == "fp32":
                continue
            rel = float(np.linalg.norm(values - reference) / np.linalg.norm(reference))
            scores = (logme(values, data.labels), linear_probe(values, data.labels))
            rows.append((short, mode, rel, *ref_scores, *scores, rates["fp32"], rates[mode]))
    return rows


@contextlib.contextmanager
def _tf32(enabled: bool):
    import torch

    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = enabled
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def _table(rows, device, threads) -> None:
    print(f"device={device} torch threads={threads} load={os.getloadavg()[0]:.1f}")
    head = (
        f"{'model':<12} {'path':<62} {'n':>4} {'images/s':>9} {'(/cpu-s)':>9}  ratio wall / cpu-s"
    )
    print(head)
    print("-" * len(head))
    for model, name, n, wall, cpu, ratio in rows:
        if wall is None:
            print(f"{model:<12} {name:<62} {n:>4}")
        else:
            print(f"{model:<12} {name:<62} {n:>4} {n / wall:>9.1f} {n / cpu:>9.1f}  {ratio}")
    print(
        "ratio: extract() / the bare loop at the same batch size; Nx: speed-up against the "
        "'before' row (files: against decode workers=0); wall and per CPU-second of this process"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="lite0 only, small sizes")
    parser.add_argument("--models", default=None, help=f"comma-separated of {','.join(MODELS)}")
    parser.add_argument("--n", type=int, default=None, help="images per model (craft: a quarter)")
    parser.add_argument("--repeats", type=int, default=None, help="best of N timed runs")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    parser.add_argument("--device", default=None, help="cpu / cuda (default: best available)")
    parser.add_argument("--compile", action="store_true", help="also time torch.compile")
    parser.add_argument("--steps", type=int, default=None, help="fine-tuning steps")
    parser.add_argument("--precision", action="store_true", help="fp32 vs bf16 probe scores")
    parser.add_argument("--precision-n", type=int, default=500)
    parser.add_argument("--skip", default="", help="sections to skip: models,files,finetune")
    args = parser.parse_args(argv)
    args.n = args.n or (32 if args.quick else 128)
    args.repeats = args.repeats or (1 if args.quick else 2)
    args.steps = args.steps or (6 if args.quick else 20)
    chosen = (args.models or ("lite0" if args.quick else ",".join(MODELS))).split(",")
    unknown = [m for m in chosen if m not in MODELS]
    if unknown:
        print(f"unknown model(s) {unknown}; choose from {', '.join(MODELS)}", file=sys.stderr)
        return 2
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    skip = set(args.skip.split(","))
    rows = []
    if "models" not in skip:
        for short in chosen:
            rows += bench_model(short, args)
            print(f"  measured {short}", file=sys.stderr, flush=True)
    if "files" not in skip:
        rows += bench_files(args)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    _table(rows, device, torch.get_num_threads())
    if "finetune" not in skip:
        print("\nfine-tuning lite0 at 112 px, batch 16: examples/s, ratio to the bare loop")
        from benchmarks.speed_finetune import bench_finetune

        for name, n_steps, rate, wall, cpu in bench_finetune(args, MODELS["lite0"]):
            print(
                f"{name:<28} steps {n_steps:>3} {rate:>8.1f}/s  ratio wall {wall:.3f}  "
                f"per cpu-s {cpu:.3f}"
            )
    if args.precision:
        print("\nreduced precision against strict fp32 features (digits): relative L2 change,")
        print("LogME and linear probe (fp32 -> this precision), extraction images/s")
        for short, mode, rel, l32, p32, low_l, low_p, r32, rate in precision_check(args):
            print(
                f"{short:<12} {mode:<5} rel {rel:.4f}  LogME {l32:.4f} -> {low_l:.4f} "
                f"({low_l - l32:+.4f})  linear probe {p32:.4f} -> {low_p:.4f} "
                f"({low_p - p32:+.4f})  {r32:.0f} -> {rate:.0f} img/s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
