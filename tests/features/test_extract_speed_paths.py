"""The fast extraction paths give the features of the plain ones: batch-size autotuning,
decoding in worker processes, channels-last, opt-in CPU bf16 (correctness only; speed is in
benchmarks/speed_extract.py)."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from advisor.data import load_data
from advisor.data.image_files import UnreadableImages
from advisor.errors import Cancelled
from advisor.features import batch_tuning, extract
from advisor.features.cache import cache_key
from advisor.models import device as device_module
from advisor.models import load_backbone
from tests.helpers.datasets import make_image_folder, small_digits
from tests.models.entries import tiny_image_entry


@pytest.fixture(scope="module")
def tiny():
    return load_backbone(tiny_image_entry(), device="cpu", pretrained=False)


@pytest.fixture(scope="module")
def digits40():
    return small_digits(n_per_class=4, seed=0)


@pytest.fixture
def scratch_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    batch_tuning.forget_all()
    yield tmp_path / "cache"
    batch_tuning.forget_all()


def test_batch_plan_times_each_size_after_its_warm_up_and_keeps_the_fastest():
    plan = batch_tuning.BatchPlan(None, (8, 16))
    assert plan.tuning and plan.chunk == 8
    seconds = {8: [0.1, 1.0], 16: [50.0, 1.0]}  # 16's first pass is slow: shape set-up
    for size in (8, 8, 16, 16):
        assert plan.next_size() == size
        plan.record(size, seconds[size].pop(0))
    assert not plan.tuning
    assert plan.next_size() == 16  # 16 images/s beat 8: the slow warm-up did not count
    assert plan.tuned == {8: 8.0, 16: 16.0}


def test_autotuned_extraction_matches_a_fixed_batch_and_remembers_its_choice(
    scratch_cache, monkeypatch, tiny, digits40
):
    monkeypatch.setitem(batch_tuning.CANDIDATES, "cpu", (2, 4))  # 40 images are enough to tune
    tuned = extract(tiny, digits40, cache=False)
    fixed = extract(tiny, digits40, cache=False, batch_size=8)
    np.testing.assert_allclose(tuned.features, fixed.features, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(tuned.source_probs, fixed.source_probs, rtol=1e-4, atol=1e-6)
    assert set(tuned.stats["batch_size_tried"]) == {"2", "4"}
    chosen = tuned.stats["batch_size"]
    assert chosen in (2, 4)
    # the choice outlives the process: read back from the JSON file next to the cache
    batch_tuning.forget_all()
    assert (scratch_cache / batch_tuning.FILE_NAME).is_file()
    again = extract(tiny, digits40, cache=False)
    assert again.stats["batch_size"] == chosen and "batch_size_tried" not in again.stats


def test_small_data_is_not_tuned(scratch_cache, tiny, digits40):
    fs = extract(tiny, digits40, cache=False)
    assert fs.stats["batch_size"] == batch_tuning.STATIC_DEFAULT["cpu"]
    assert "batch_size_tried" not in fs.stats


@pytest.fixture
def folder12(tmp_path):
    return load_data(str(make_image_folder(tmp_path / "imgs", n_per_class=4, size=40)))


def test_worker_decoding_gives_the_in_process_features_and_stats(monkeypatch, tiny, folder12):
    results = {}
    for workers in ("0", "2"):
        monkeypatch.setenv("ADVISOR_DECODE_WORKERS", workers)
        results[workers] = extract(tiny, folder12, cache=False, batch_size=4)
    np.testing.assert_array_equal(results["0"].features, results["2"].features)
    timing = "examples_per_second"
    assert {k: v for k, v in results["0"].stats.items() if k != timing} == {
        k: v for k, v in results["2"].stats.items() if k != timing
    }
    assert results["2"].stats["preprocess"] == "pil"
    assert results["2"].stats["data_mean_height"] == 40.0


@pytest.mark.parametrize("workers", ["0", "1"])
def test_unreadable_files_are_all_found_with_or_without_workers(
    monkeypatch, tiny, folder12, workers
):
    monkeypatch.setenv("ADVISOR_DECODE_WORKERS", workers)
    Path(folder12.image_paths[5]).write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    Path(folder12.image_paths[10]).unlink()
    with pytest.raises(UnreadableImages) as info:
        extract(tiny, folder12, cache=False, batch_size=4)
    assert list(info.value.rows) == [5, 10]


def test_cancel_with_decode_workers_stops_them(monkeypatch, tiny, folder12):
    monkeypatch.setenv("ADVISOR_DECODE_WORKERS", "2")
    cancel = threading.Event()

    def progress(event):
        if event["done"] >= 4:
            cancel.set()

    with pytest.raises(Cancelled):
        extract(tiny, folder12, cache=False, batch_size=4, progress=progress, cancel=cancel)
    assert multiprocessing.active_children() == []  # shut down at once, not left behind


def test_channels_last_features_equal_a_contiguous_forward(tiny, digits40):
    from advisor.features.image_batches import image_batches

    conv = next(m for m in tiny.model.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    fs = extract(tiny, digits40, cache=False, batch_size=8)
    x = torch.cat(list(image_batches(tiny, digits40, 8)))
    try:
        tiny.model.to(memory_format=torch.contiguous_format)
        with torch.inference_mode():
            plain = tiny.model.forward_head(
                tiny.model.forward_features(x.contiguous()), pre_logits=True
            )
    finally:
        tiny.model.to(memory_format=torch.channels_last)
    np.testing.assert_allclose(fs.features, plain.numpy(), rtol=1e-4, atol=1e-5)


def test_cpu_bf16_is_opt_in_needs_the_instructions_and_keys_the_cache(monkeypatch, tiny, digits40):
    assert tiny.compute_dtype == "float32"  # the default on CPU
    fp32 = extract(tiny, digits40, cache=False, batch_size=8).features
    monkeypatch.setenv("ADVISOR_CPU_BF16", "1")
    monkeypatch.setattr(device_module, "cpu_has_native_bf16", lambda: False)
    assert tiny.compute_dtype == "float32"  # asked for, but no bf16 instructions
    monkeypatch.setattr(device_module, "cpu_has_native_bf16", lambda: True)
    assert tiny.compute_dtype == "autocast-bfloat16"
    assert cache_key("m", "w", "d", "p", "float32") != cache_key(
        "m", "w", "d", "p", tiny.compute_dtype
    )
    bf16 = extract(tiny, digits40, cache=False, batch_size=8).features
    assert not np.array_equal(bf16, fp32)  # really computed in bf16
    rel = np.linalg.norm(bf16 - fp32) / np.linalg.norm(fp32)
    assert rel < 0.05  # bf16 keeps ~3 significant digits
