"""The fine-tuning section of benchmarks/speed_extract.py: the engine's training epoch
against a bare forward + loss + backward + AdamW loop on the same batches
(benchmarks/finetune.py's bare loop), with 0 and 1 loader workers, and with the per-step
seeding of before (``torch.manual_seed`` per image and step)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time


def bench_finetune(args, model: str) -> list[tuple]:
    """Engine epoch vs bare loop at 112 px (benchmarks/finetune.py's bare loop), per wall and
    per CPU-second, the engine with 0 and 1 loader workers (CPU: workers=0 only, since a
    worker's CPU time is not this process's)."""
    from advisor.data import load_data, split, subsample
    from advisor.finetuning.batches import epoch_batches
    from benchmarks.finetune import bare_rate

    batch, steps = 16, args.steps
    full = load_data("digits")
    data = subsample(full, int(steps * batch / 0.9) + full.num_classes * 3, seed=0)[0]
    n_steps = len(epoch_batches(len(split(data, val=0.05, test=0.05, seed=0)[0]), batch, 0, 0))
    bare = {"wall": [], "cpu": []}
    engine = {w: {"wall": [], "cpu": []} for w in (0, 1, "0, seeding as before")}
    for _ in range(args.repeats):  # interleaved: each engine run next to a bare run
        for clock, key in ((time.perf_counter, "wall"), (time.process_time, "cpu")):
            bare[key].append(bare_rate(model, data, 112, batch, n_steps, args.device, clock))
        for workers, rates in engine.items():
            wall, cpu = _engine_rates(model, data, batch, args.device, workers)
            rates["wall"].append(wall)
            rates["cpu"].append(cpu)
    rows = []
    for workers, rates in engine.items():
        wall = max(rates["wall"]) / max(bare["wall"])
        cpu = max(rates["cpu"]) / max(bare["cpu"]) if workers != 1 else float("nan")
        rows.append((f"engine, loader workers={workers}", n_steps, max(rates["wall"]), wall, cpu))
    rows.append(("bare loop", n_steps, max(bare["wall"]), 1.0, 1.0))
    return rows


def _engine_rates(model_id, data, batch, device, workers) -> tuple[float, float]:
    """Examples/s of the engine's training steps after the first, by wall and CPU clock
    (taken at each TrainingStep event, so set-up and validation are not counted)."""
    import advisor
    from advisor import events
    from advisor.finetuning import batches, loop
    from benchmarks.finetune import epoch_options

    marks = []
    saved = batches.seed_everything
    if workers == "0, seeding as before":  # torch.manual_seed per image and step
        workers = 0
        batches.seed_everything = loop.seed_everything = _seed_as_before

    def progress(event):
        if isinstance(event, events.TrainingStep):
            marks.append((time.perf_counter(), time.process_time()))

    with tempfile.TemporaryDirectory() as folder, _restoring(batches, loop, saved):
        advisor.finetune(
            data,
            model_id,
            output=os.path.join(folder, "run"),
            progress=progress,
            **epoch_options(112, batch, device, workers),
        )
    examples = batch * (len(marks) - 1)  # the last batch may be short: close enough
    (w0, c0), (w1, c1) = marks[0], marks[-1]
    return examples / (w1 - w0), examples / max(c1 - c0, 1e-9)


def _seed_as_before(seed: int, cuda: bool = True) -> None:
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed & 0xFFFFFFFF)
    torch.manual_seed(seed)


@contextlib.contextmanager
def _restoring(batches, loop, saved):
    try:
        yield
    finally:
        batches.seed_everything = loop.seed_everything = saved
