"""The settings recorded with a ranking: its inputs, enough to reproduce it, and the versions.

Only inputs belong here; what the ranking found (exclusions, suggestion, notes, probe
errors) has fields of its own on ``Ranking``.
"""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from advisor.api_types import DeviceLike
    from advisor.data import LabelledData
    from advisor.features import FeatureCache

VERSIONED = ("transfer-advisor", "numpy", "scipy", "scikit-learn", "torch", "timm", "transformers")


def indices_hash(indices: np.ndarray) -> str:
    """sha256 prefix of the subsample's row indices (int64), to check a rerun used the same rows."""
    return hashlib.sha256(np.asarray(indices, dtype=np.int64).tobytes()).hexdigest()[:16]


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def build_settings(
    *,
    full: LabelledData,
    used: LabelledData,
    indices: np.ndarray,
    budget: int | None,
    min_per_class: int,
    seed: int,
    probes: list[str],
    candidates: list[str],
    device: DeviceLike | None,
    cache: FeatureCache,
    n_boot: int,
    max_params_m: float | None,
    max_latency_ms: float | None,
    layers: str = "last",
) -> dict:
    return {
        "data": {
            "name": full.name,
            "source": str(full.source),
            "modality": full.modality,
            "fingerprint": full.fingerprint(),
            "n_total": len(full),
            "n_used": len(used),
            "num_classes": int(full.num_classes),
            "class_counts_used": {str(k): int(v) for k, v in used.class_counts().items()},
            "skipped_inputs": len(full.skipped or ()),
        },
        "budget": budget,
        "min_per_class": min_per_class,
        "seed": seed,
        "subsample_indices_sha256": indices_hash(indices),
        "probes": probes,
        "candidates": candidates,
        "max_params_m": max_params_m,
        "max_latency_ms": max_latency_ms,
        "layers": layers,
        "device": str(device) if device is not None else _default_device(),
        "cache_dir": str(getattr(cache, "root", "")) or None,
        "bootstrap_resamples": n_boot,
        "versions": versions(),
    }


def _default_device() -> str:
    from advisor.models import pick_device

    return str(pick_device())
