"""Batch-size autotuning for extraction, measured on the real work (nothing is wasted).

The fastest batch size of a convnet forward pass depends on the model, the input size and
the machine (cache sizes, threads): on the 2-core development machine EfficientNet-Lite0 at
224 px ran 1.3x faster at 8 than at the old default of 32 (docs/features.md "Performance").
When the caller gives no batch size and the data is large enough, the first batches of an
extraction try each candidate size twice (the first pass at a new shape pays one-off kernel
set-up, so only the second is timed); the rest run at the fastest. The choice is kept per
(model, device, input size, precision, threads) in memory and in a small JSON file next to
the feature cache, so later runs start at the chosen size. A batch's size changes its
features only at float rounding level (tests/features/test_extract_speed_paths.py).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

CANDIDATES = {"cpu": (4, 8, 16, 32), "cuda": (32, 64, 128, 256)}
STATIC_DEFAULT = {"cpu": 8, "cuda": 128}
TIMED_PASSES = 2  # per candidate; the first is the shape's warm-up and is not counted
FILE_NAME = "batch_sizes.json"

_memory: dict[str, int] = {}
_lock = threading.Lock()


def tuning_key(backbone, threads: int) -> str:
    size = "x".join(str(int(s)) for s in backbone.data_config["input_size"])
    return "|".join(
        [backbone.entry.id, backbone.device.type, size, backbone.compute_dtype, f"t{threads}"]
    )


def tuning_file() -> Path:
    from advisor.features.cache import default_cache_root

    return default_cache_root() / FILE_NAME


def remembered(key: str) -> int | None:
    with _lock:
        if key in _memory:
            return _memory[key]
    try:
        stored = json.loads(tuning_file().read_text())
    except (OSError, ValueError):
        return None  # no file yet, or a damaged one: tune again
    value = stored.get(key) if isinstance(stored, dict) else None
    if isinstance(value, int) and value > 0:
        with _lock:
            _memory[key] = value
        return value
    return None


def remember(key: str, size: int) -> None:
    from advisor.atomic import write_json
    from advisor.errors import AdvisorError

    with _lock:
        _memory[key] = size
    path = tuning_file()
    try:
        stored = json.loads(path.read_text())
        stored = stored if isinstance(stored, dict) else {}
    except (OSError, ValueError):
        stored = {}
    stored[key] = size
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, stored)
    except (OSError, AdvisorError):
        pass  # a read-only cache folder only costs re-tuning next time


def forget_all() -> None:
    """Drop the in-memory choices (tests; the JSON file follows ADVISOR_CACHE_DIR)."""
    with _lock:
        _memory.clear()


class BatchPlan:
    """The batch size of each next forward pass; with tuning, it learns from their times."""

    def __init__(self, fixed: int | None, candidates=(), key: str | None = None):
        self.fixed = fixed
        self.key = key
        self._trials = [size for size in candidates for _ in range(TIMED_PASSES)]
        self._chunk = fixed if fixed is not None else min(candidates)
        self._rates: dict[int, float] = {}
        self.tuned: dict[int, float] | None = None  # size -> images/s once tuning finished

    @classmethod
    def for_extraction(cls, backbone, n: int, batch_size: int | None) -> BatchPlan:
        """A fixed size when asked for one or when the data is too small to tune on."""
        import torch

        if batch_size is not None:
            return cls(batch_size)
        kind = "cuda" if backbone.device.type == "cuda" else "cpu"
        key = tuning_key(backbone, torch.get_num_threads())
        known = remembered(key)
        if known is not None:
            return cls(known)
        candidates = CANDIDATES[kind]
        if n < 2 * TIMED_PASSES * sum(candidates):  # most of the data would go to the trials
            return cls(STATIC_DEFAULT[kind])
        return cls(None, candidates, key)

    @property
    def chunk(self) -> int:
        """The unit batches are decoded in (a tuned plan combines chunks)."""
        return self._chunk

    @property
    def tuning(self) -> bool:
        return bool(self._trials)

    def next_size(self) -> int:
        return self._trials[0] if self._trials else self.fixed

    def record(self, size: int, seconds: float) -> None:
        """Time of a forward pass of ``size`` examples at the size next_size() gave."""
        if not self._trials:
            return
        self._trials.pop(0)
        if size in self._trials:  # the first pass at this shape: warm-up, not counted
            return
        self._rates[size] = size / max(seconds, 1e-9)
        if not self._trials:
            self.fixed = max(self._rates, key=self._rates.get)
            self.tuned = dict(self._rates)
            if self.key is not None:
                remember(self.key, self.fixed)
