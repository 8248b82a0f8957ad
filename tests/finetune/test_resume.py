"""Exact resume: cancel mid-epoch, SIGKILL a real subprocess mid-epoch, a full disk in the
middle of a run: each resumed run must end with the uninterrupted run's weights and metrics."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from finetune_helpers import (
    REFERENCE,
    TINY_ENTRY,
    assert_same_weights,
    read_weights,
    small_digits,
    tiny_backbone,
)

import advisor
from advisor import events as ev
from advisor.errors import CheckpointError
from advisor.finetuning import checkpoint

COMPARED = ("train_loss", "val_loss", "val_accuracy", "val_macro_f1", "lr", "steps")


def assert_same_result(result, reference):
    assert_same_weights(read_weights(result.run_dir), read_weights(reference.run_dir))
    last = [
        checkpoint.load(r.run_dir / "checkpoints", "last").model_state for r in (result, reference)
    ]
    assert_same_weights(*last)  # the final weights, not only the best (exported) ones
    assert result.test_accuracy == reference.test_accuracy
    assert result.best_epoch == reference.best_epoch
    assert result.confusion == reference.confusion
    assert len(result.history) == len(reference.history)
    for ours, theirs in zip(result.history, reference.history, strict=True):
        for key in COMPARED:
            assert ours[key] == pytest.approx(theirs[key], abs=1e-6), key


def test_reference_run_learns_and_reports(reference_run):
    result, events = reference_run
    assert not result.cancelled and result.epochs_run == 3
    assert result.test_accuracy > 0.3  # 10 classes: chance is 0.1
    kinds = [type(e) for e in events]
    assert kinds[0] is ev.TrainingPhase and kinds[-1] is ev.TrainingDone
    assert kinds.count(ev.EpochDone) == 4  # probe + 3
    steps = [e for e in events if isinstance(e, ev.TrainingStep)]
    assert steps[0].step == 1 and all(e.steps >= e.step for e in steps)
    lines = (result.run_dir / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [0, 1, 2, 3]
    csv_lines = (result.run_dir / "metrics.csv").read_text().splitlines()
    assert csv_lines[0].startswith("epoch,phase,train_loss") and len(csv_lines) == 5
    report = json.loads((result.run_dir / "report.json").read_text())
    assert report["test_accuracy"] == result.test_accuracy
    assert sum(map(sum, report["confusion"])) == report["n_test"]
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["recipe"]["label_smoothing"] == 0.1 and config["recipe"]["epochs"] == 3
    # epoch 0: the head fitted on frozen features (LP-FT); then head warm-up, then unfrozen
    assert [row["phase"] for row in result.history] == ["probe", "head", "full", "full"]
    assert result.history[0]["val_accuracy"] > 0.2


def test_cancel_mid_epoch_then_resume_is_exact(reference_run, tmp_path):
    reference, _ = reference_run
    cancel = threading.Event()

    def stop_in_second_epoch(event):
        if isinstance(event, ev.TrainingStep) and event.epoch == 2 and event.step == 3:
            cancel.set()

    out = tmp_path / "run"
    first = advisor.finetune(
        small_digits(),
        tiny_backbone(),
        output=out,
        progress=stop_in_second_epoch,
        cancel=cancel,
        **REFERENCE,
    )
    assert first.cancelled and first.export_dir is None and first.epochs_run == 1
    state = checkpoint.load(out / "checkpoints", "last").state["loop"]
    assert (state["epoch"], state["step_in_epoch"]) == (1, 3)
    with pytest.raises(CheckpointError, match="already exists"):
        advisor.finetune(small_digits(), tiny_backbone(), output=out, **REFERENCE)
    resumed = advisor.finetune(small_digits(), tiny_backbone(), output=out, resume=True)
    assert_same_result(resumed, reference)


CHILD = """
import sys, torch
torch.set_num_threads(1)
import advisor
from advisor.data import load_data, subsample
from advisor.models import load_backbone
from catalog import Entry
data = subsample(load_data("digits"), 150, seed=0)[0]
backbone = load_backbone(Entry(**{entry!r}), pretrained=False, device="cpu")
def show(event):
    if type(event).__name__ == "TrainingStep":
        print("STEP", event.epoch, event.step, flush=True)
advisor.finetune(
    data, backbone, output=sys.argv[1], progress=show, checkpoint_every=4, **{recipe!r}
)
print("FINISHED", flush=True)
"""


def test_sigkill_mid_epoch_then_resume_is_exact(reference_run, tmp_path):
    """A real process killed with SIGKILL in the middle of epoch 2 (no chance to clean up)."""
    reference, _ = reference_run
    out = tmp_path / "run"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(entry=TINY_ENTRY, recipe=REFERENCE), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    killed_at = None
    try:
        for line in child.stdout:
            parts = line.split()
            if parts[:1] == ["STEP"] and int(parts[1]) == 2 and int(parts[2]) == 5:
                child.send_signal(signal.SIGKILL)
                killed_at = (int(parts[1]), int(parts[2]))
                break
    finally:
        child.wait(timeout=120)
    assert killed_at is not None, child.stderr.read()[-2000:]
    assert child.returncode == -signal.SIGKILL
    assert not (out / "model").exists() and not (out / "report.json").exists()
    # epoch 1 has 7 steps, so the step checkpoints (every 4 global steps) fall at epoch 2
    # step 1, then step 5 (which the child may or may not reach before the kill lands)
    loop = checkpoint.load(out / "checkpoints", "last").state["loop"]
    assert loop["epoch"] == 1 and loop["step_in_epoch"] in (1, 5)
    resumed = advisor.finetune(small_digits(), tiny_backbone(), output=out, resume=True)
    assert_same_result(resumed, reference)


def test_full_disk_keeps_previous_checkpoint_and_resume_recovers(
    reference_run, tmp_path, monkeypatch
):
    reference, _ = reference_run
    from advisor.finetuning import atomic

    real_fsync = os.fsync
    armed = threading.Event()

    def fsync_disk_full(fd):
        if armed.is_set():
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    def arm_after_first_epoch(event):
        if isinstance(event, ev.EpochDone) and event.epoch == 1:
            armed.set()

    monkeypatch.setattr(atomic.os, "fsync", fsync_disk_full)
    out = tmp_path / "run"
    with pytest.raises(CheckpointError, match="disk is full"):
        advisor.finetune(
            small_digits(), tiny_backbone(), output=out, progress=arm_after_first_epoch, **REFERENCE
        )
    monkeypatch.setattr(atomic.os, "fsync", real_fsync)
    leftovers = [p for p in out.rglob("*") if ".tmp" in p.name or ".old" in p.name]
    assert leftovers == []
    last = checkpoint.load(out / "checkpoints", "last")  # intact and readable
    assert last.state["loop"]["epoch"] == 1
    resumed = advisor.finetune(small_digits(), tiny_backbone(), output=out, resume=True)
    assert_same_result(resumed, reference)


def test_corrupt_checkpoint_on_resume_is_a_clear_error(tmp_path):
    cancel = threading.Event()
    out = tmp_path / "run"

    def stop(event):
        if isinstance(event, ev.TrainingStep) and event.step == 2:
            cancel.set()

    advisor.finetune(
        small_digits(), tiny_backbone(), output=out, progress=stop, cancel=cancel, **REFERENCE
    )
    weights = out / "checkpoints" / "last" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt"):
        advisor.finetune(small_digits(), tiny_backbone(), output=out, resume=True)
    (out / "checkpoints" / "last" / "state.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="unreadable"):
        advisor.finetune(small_digits(), tiny_backbone(), output=out, resume=True)


def test_resume_refuses_a_different_recipe_or_seed(reference_run):
    reference, _ = reference_run
    with pytest.raises(CheckpointError, match="lr="):
        advisor.finetune(
            small_digits(), tiny_backbone(), output=reference.run_dir, resume=True, lr=0.5
        )
    with pytest.raises(CheckpointError, match="seed"):
        advisor.finetune(
            small_digits(), tiny_backbone(), output=reference.run_dir, resume=True, seed=1
        )


def test_checkpoint_swap_recovers_after_a_crash_between_renames(tmp_path):
    import torch

    folder = tmp_path / "ckpt"
    checkpoint.save(folder, "last", model_state={"w": torch.ones(3)}, state={"n": 1})
    os.replace(folder / "last", folder / ".last.old")  # as if killed right after the first rename
    assert checkpoint.exists(folder, "last")
    loaded = checkpoint.load(folder, "last", with_training=False)
    assert loaded.state["n"] == 1 and torch.equal(loaded.model_state["w"], torch.ones(3))
    assert Path(folder / "last").is_dir()
