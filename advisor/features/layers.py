"""Layer-wise features: which layers are taken, how they are pooled and named, and averaged.

Text encoders give every transformer layer's hidden states (``output_hidden_states=True``;
the embedding-layer output is left out, as TransformerRanker does), each pooled exactly as
the last layer is. timm image models give the last ``IMAGE_STAGES`` stage maps from
``forward_intermediates`` (global-average pooled) plus the final pre-logits embedding, all
from the same trunk pass. See docs/features.md "Layer-wise features".
"""

from __future__ import annotations

import numpy as np

LAYER_MODES = ("last", "layermean", "bestlayer")
IMAGE_STAGES = 3  # the last stage maps of a CNN; earlier ones are edges and textures
FINAL_IMAGE_LAYER = "final"  # the pooled pre-logits embedding (today's features)
# Part of the feature-cache key when layers are stored; bump when the layer choice changes.
LAYERS_KEY = f"layers-v1-stages{IMAGE_STAGES}"


def text_layer_name(index: int) -> str:
    """hidden_states[index] (1 = the first transformer layer)."""
    return f"layer{index}"


def image_stage_names(model, n_taken: int) -> list[str]:
    """Names of the last `n_taken` stage maps, numbered as timm's feature_info numbers them."""
    n_stages = len(getattr(model, "feature_info", None) or [])
    first = n_stages - n_taken if n_stages >= n_taken else 0
    return [f"stage{first + i}" for i in range(n_taken)]


def supports_image_layers(model) -> bool:
    return callable(getattr(model, "forward_intermediates", None))


def pool_map(tensor):
    """Global average pool of a stage output: NCHW maps over H, W; NLC tokens over L."""
    if tensor.ndim == 4:
        return tensor.float().mean(dim=(2, 3))
    if tensor.ndim == 3:
        return tensor.float().mean(dim=1)
    return tensor.float()


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
