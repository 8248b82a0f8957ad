"""FeatureSet: one candidate's pooled embeddings (and source-head probabilities) for a dataset."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class FeatureSet:
    features: np.ndarray  # float32 [N, D]
    source_probs: np.ndarray | None  # float32 [N, Cs] softmax of the source head
    labels: np.ndarray  # int64 [N]
    candidate: str
    seconds: float  # wall time of the forward passes (0 on a cache hit)
    cached: bool
    stats: dict = field(default_factory=dict)
    # Layer-wise extraction only (extract(layers=True)): pooled embeddings of the other layers
    # from the same forward pass, in network order; `features` is the layer named final_layer.
    layers: dict[str, np.ndarray] | None = None
    final_layer: str | None = None
    # The data's task (advisor.data.tasks.TASKS) and, for regression / multilabel, its targets
    # [N, K] (float64 values / uint8 multi-hot); `labels` then holds the strata.
    targets: np.ndarray | None = None
    task: str = "classification"

    def __post_init__(self) -> None:
        n = len(self.features)
        if len(self.labels) != n:
            raise ValueError(f"labels has {len(self.labels)} rows but features has {n}")
        if self.source_probs is not None and len(self.source_probs) != n:
            raise ValueError(f"source_probs has {len(self.source_probs)} rows but features has {n}")
        for name, array in (self.layers or {}).items():
            if len(array) != n:
                raise ValueError(f"layer {name} has {len(array)} rows but features has {n}")
        if self.targets is not None and len(self.targets) != n:
            raise ValueError(f"targets has {len(self.targets)} rows but features has {n}")
        if self.layers is not None and not self.final_layer:
            raise ValueError("final_layer must name the layer that `features` holds")

    def __len__(self) -> int:
        return len(self.features)

    def layer_features(self) -> dict[str, np.ndarray]:
        """Every extracted layer, in network order, the final one last ({} without layers)."""
        if self.layers is None:
            return {}
        return {**self.layers, self.final_layer: self.features}

    @property
    def dim(self) -> int:
        return int(self.features.shape[1])
