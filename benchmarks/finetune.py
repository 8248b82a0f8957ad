"""Fine-tuning throughput: the engine's training loop vs a bare forward+backward+step loop.

For EfficientNet-Lite0 at 112 and 224 px (digits) and MiniLM (tweets), the engine trains one
epoch (backbone unfrozen, augmentation and data loading included) and reports training
examples/s; the bare loop then runs forward, loss, backward and an AdamW step on the same
number of already-prepared batches of the same size. Ratio = engine / bare (target >= 0.85).

    python benchmarks/finetune.py            # full sizes
    python benchmarks/finetune.py --quick    # a smoke run (few steps)
    python benchmarks/finetune.py --accuracy # fine-tuned vs linear-probe test accuracy
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

CASES = (
    ("tf_efficientnet_lite0.in1k", "digits", 112),
    ("tf_efficientnet_lite0.in1k", "digits", 224),
    ("sentence-transformers/all-MiniLM-L6-v2", "tweets", None),
)


def epoch_options(image_size, batch_size, device, num_workers: int = 0) -> dict:
    """advisor.finetune options for one timed training epoch with the backbone unfrozen and
    no linear-probe head fit (only the epoch's examples/s are compared)."""
    options = dict(
        val=0.05,
        test=0.05,
        epochs=1,
        head_epochs=0,
        head_init="zero",
        warmup_epochs=0.0,
        batch_size=batch_size,
        seed=0,
        device=device,
        num_workers=num_workers,
    )
    if image_size:
        options["image_size"] = image_size
    return options


def engine_rate(
    model_id, data, image_size, batch_size, device, num_workers: int = 0
) -> tuple[float, int]:
    """Training examples/s of one engine epoch with the backbone unfrozen."""
    import advisor

    options = epoch_options(image_size, batch_size, device, num_workers)
    with tempfile.TemporaryDirectory() as folder:
        result = advisor.finetune(data, model_id, output=os.path.join(folder, "run"), **options)
    row = result.history[-1]
    return row["train_examples_per_s"], row["steps"]


def bare_rate(
    model_id, data, image_size, batch_size, steps, device, clock=time.perf_counter
) -> float:
    """Examples/s of forward + loss + backward + AdamW step on prepared batches (``clock``:
    time.process_time for examples per CPU-second, steadier on a shared machine)."""
    import torch
    import torch.nn.functional as F

    from advisor.data import split
    from advisor.finetuning.batches import epoch_batches, to_device
    from advisor.finetuning.build import image_data_config, image_transforms, text_classifier
    from advisor.finetuning.classifier import ImageClassifier
    from advisor.finetuning.config import resolve_recipe
    from advisor.finetuning.loop import autocast_context, train_mode
    from advisor.models import load_backbone, pick_device

    device = pick_device(device)
    backbone = load_backbone(model_id, device=device)
    # the engine's own train split and epoch-0 order: the same examples in the same batches
    train, _, _ = split(data, val=0.05, test=0.05, seed=0)
    order = epoch_batches(len(train), batch_size, 0, 0)[:steps]
    recipe = resolve_recipe(backbone.modality, {"image_size": image_size})
    if backbone.modality == "image":
        train_tf, _ = image_transforms(image_data_config(backbone, recipe), recipe.augment)
        batches = [torch.stack([train_tf(train.image(int(i))) for i in idx]) for idx in order]
        model = ImageClassifier(backbone.model, data.num_classes)
    else:
        model = text_classifier(backbone, data.num_classes)
        batches = [
            dict(
                backbone.tokenizer(
                    [train.texts[int(i)] for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=min(recipe.max_length, backbone.max_length or recipe.max_length),
                    return_tensors="pt",
                )
            )
            for idx in order
        ]
    targets = [torch.as_tensor(train.labels[idx]).to(device) for idx in order]
    model.to(device)
    train_mode(model, recipe)  # same layer modes as the engine (batch norm in inference mode)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    n = sum(len(idx) for idx in order)

    channels_last = backbone.modality == "image"  # as the engine does, on CPU too
    if channels_last:
        model.to(memory_format=torch.channels_last)

    def step(inputs, y):  # what the engine does: channels-last; on CUDA bf16 autocast
        with autocast_context(device, recipe):
            logits = model(to_device(inputs, device, channels_last))
        loss = F.cross_entropy(logits.float(), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    step(batches[0], targets[0])  # warm-up (allocations, lazy init), not timed
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = clock()
    for inputs, y in zip(batches, targets, strict=True):
        step(inputs, y)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return n / (clock() - start)


def probe_accuracy(model_id, train, test, image_size, device) -> float:
    """Test accuracy of logistic regression on frozen pooled features (fit on train + val)."""
    import dataclasses

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from advisor.features import extract
    from advisor.models import load_backbone

    backbone = load_backbone(model_id, device=device)
    if image_size:  # the same input size as the fine-tuned model sees
        config = dict(backbone.data_config, input_size=(3, image_size, image_size))
        backbone = dataclasses.replace(
            backbone, data_config=config, preprocess_key=f"{backbone.preprocess_key}@{image_size}"
        )
    x_train = extract(backbone, train, cache=False).features
    x_test = extract(backbone, test, cache=False).features
    scaler = StandardScaler().fit(x_train)
    clf = LogisticRegression(max_iter=2000, C=1.0).fit(scaler.transform(x_train), train.labels)
    return float(np.mean(clf.predict(scaler.transform(x_test)) == test.labels))


def accuracy_table(args) -> None:
    """Fine-tuned vs frozen-feature linear probe, same model, same train/val/test split."""
    import numpy as np

    import advisor
    from advisor.data import LabelledData, load_data, split, subsample

    cases = [
        ("tf_efficientnet_lite0.in1k", "digits", args.digits_n, args.image_size, args.epochs_image),
        (
            "sentence-transformers/all-MiniLM-L6-v2",
            args.text_data,
            args.text_n,
            None,
            args.epochs_text,
        ),
    ]
    rows = []
    cases = [c for c in cases if ("image" if c[3] else "text") in args.modalities.split(",")]
    for model_id, name, n, size, epochs in cases:
        data = subsample(load_data(name), n, seed=0)[0]
        if data.num_classes > 10 and name == "wordnet-nouns":  # keep the 8 largest classes
            keep = np.argsort(-np.bincount(data.labels, minlength=data.num_classes))[:8]
            idx = np.flatnonzero(np.isin(data.labels, keep))
            remap = {int(c): i for i, c in enumerate(keep)}
            data = LabelledData(
                name=f"{name}-8",
                modality="text",
                labels=np.array([remap[int(y)] for y in data.labels[idx]]),
                class_names=[data.class_names[c] for c in keep],
                source=data.source,
                texts=[data.texts[i] for i in idx],
            )
        start = time.perf_counter()
        options = {"image_size": size} if size else {}
        with tempfile.TemporaryDirectory() as folder:
            result = advisor.finetune(
                data,
                model_id,
                output=os.path.join(folder, "run"),
                epochs=epochs,
                seed=0,
                device=args.device,
                **options,
            )
        seconds = time.perf_counter() - start
        train, val, test = split(data, val=0.15, test=0.15, seed=0)
        both = train.subset(np.arange(len(train)))
        both = LabelledData(
            name=both.name,
            modality=both.modality,
            class_names=both.class_names,
            source=both.source,
            labels=np.concatenate([train.labels, val.labels]),
            texts=None if train.texts is None else train.texts + val.texts,
            image_arrays=None
            if train.image_arrays is None
            else np.concatenate([train.image_arrays, val.image_arrays]),
            image_paths=None if train.image_paths is None else train.image_paths + val.image_paths,
        )
        probe = probe_accuracy(model_id, both, test, size, args.device)
        rows.append(
            (
                model_id.split("/")[-1],
                data.name,
                len(data),
                len(test),
                epochs,
                size,
                result.test_accuracy,
                probe,
                result.best_epoch,
                seconds,
            )
        )
        print(f"  measured {rows[-1][0]} on {data.name}", file=sys.stderr, flush=True)
    header = (
        f"{'model':<24} {'data':<16} {'n':>5} {'test':>5} {'epochs':>6} {'px':>4} "
        f"{'fine-tuned':>10} {'lin.probe':>9} {'delta':>6} {'best ep':>7} {'seconds':>8}"
    )
    print(header)
    print("-" * len(header))
    for model, name, n, n_test, epochs, size, tuned, probe, best, seconds in rows:
        print(
            f"{model:<24} {name:<16} {n:>5} {n_test:>5} {epochs:>6} {size or '-':>4} "
            f"{tuned:>10.3f} {probe:>9.3f} {tuned - probe:>+6.3f} {best:>7} {seconds:>8.0f}"
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="few steps, for a smoke run")
    parser.add_argument("--steps", type=int, default=None, help="training steps per measurement")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--device", default=None)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's)"
    )
    parser.add_argument(
        "--accuracy",
        action="store_true",
        help="instead: fine-tuned test accuracy vs the frozen-feature linear probe",
    )
    parser.add_argument("--digits-n", type=int, default=None)
    parser.add_argument("--text-n", type=int, default=None)
    parser.add_argument("--text-data", default="wordnet-nouns")
    parser.add_argument(
        "--modalities", default="image,text", help="accuracy cases to run: image,text"
    )
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--epochs-image", type=int, default=None)
    parser.add_argument("--epochs-text", type=int, default=None)
    args = parser.parse_args(argv)
    steps = args.steps or (3 if args.quick else 20)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.accuracy:
        args.digits_n = args.digits_n or (200 if args.quick else 1000)
        args.text_n = args.text_n or (300 if args.quick else 2000)
        args.epochs_image = args.epochs_image or (2 if args.quick else 6)
        args.epochs_text = args.epochs_text or (2 if args.quick else 4)
        accuracy_table(args)
        return

    from advisor.data import load_data, split, subsample
    from advisor.finetuning.batches import epoch_batches

    rows = []
    for model_id, dataset, size in CASES:
        full = load_data(dataset)
        # enough examples that the engine's train split (90%) holds `steps` full batches
        n = int(steps * args.batch_size / 0.9) + full.num_classes * 3
        data = subsample(full, n, seed=0)[0]
        # the bare loop runs first and warms the process (kernel selection, allocator), so
        # neither measurement pays one-off start-up costs; both use the same batches
        steps_in_epoch = len(
            epoch_batches(len(split(data, val=0.05, test=0.05, seed=0)[0]), args.batch_size, 0, 0)
        )
        bare = bare_rate(model_id, data, size, args.batch_size, steps_in_epoch, args.device)
        engine, engine_steps = engine_rate(model_id, data, size, args.batch_size, args.device)
        unit = "images/s" if size else "texts/s"
        rows.append(
            (
                model_id.split("/")[-1],
                f"{size}px" if size else "128 tok",
                engine_steps,
                engine,
                bare,
                unit,
            )
        )
        print(f"  measured {rows[-1][0]} {rows[-1][1]}", file=sys.stderr, flush=True)

    print(
        f"device: {args.device or 'auto'}, torch threads: {torch.get_num_threads()}, "
        f"batch size: {args.batch_size}"
    )
    header = (
        f"{'model':<28} {'input':>8} {'steps':>5} {'engine':>10} {'bare loop':>10} "
        f"{'ratio':>6}  unit"
    )
    print(header)
    print("-" * len(header))
    for name, size, n_steps, engine, bare, unit in rows:
        print(
            f"{name:<28} {size:>8} {n_steps:>5} {engine:>10.1f} {bare:>10.1f} "
            f"{engine / bare:>6.2f}  {unit}"
        )


if __name__ == "__main__":
    main()
