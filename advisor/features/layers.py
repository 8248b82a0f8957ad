"""Layer-wise features: the layer modes, the cache-key part, and the layer mean.

Which layers a backbone returns, and how they are pooled, is advisor/models/layer_outputs.py;
see docs/features.md "Layer-wise features".
"""

from __future__ import annotations

import numpy as np

from advisor.models.layer_outputs import IMAGE_STAGES

LAYER_MODES = ("last", "layermean", "bestlayer")
# Part of the feature-cache key when layers are stored; bump when the layer choice changes.
LAYERS_KEY = f"layers-v1-stages{IMAGE_STAGES}"


def layer_mean(layers: dict[str, np.ndarray], final: str) -> tuple[np.ndarray, list[str]]:
    """Mean of the per-layer pooled embeddings that share the final layer's width.

    Transformer layers all have one width, so this is TransformerRanker's layermean. CNN
    stages differ in width and cannot be averaged with the final embedding; there only the
    layers of the final width take part (often just the final one). Returns (mean, names).
    """
    width = layers[final].shape[1]
    names = [name for name, array in layers.items() if array.shape[1] == width]
    stacked = np.stack([np.asarray(layers[name], dtype=np.float32) for name in names])
    return stacked.mean(axis=0, dtype=np.float64).astype(np.float32), names
