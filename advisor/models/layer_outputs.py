"""Which intermediate layers a backbone returns, how they are named and pooled.

Text encoders: every transformer layer's hidden states (``layer1`` ... ``layerL``; the
embedding-layer output is left out, as TransformerRanker does). timm image models: the
last ``IMAGE_STAGES`` stage maps of ``forward_intermediates``, global-average pooled, plus
``final``, the pre-logits embedding. See docs/features.md "Layer-wise features".
"""

from __future__ import annotations

IMAGE_STAGES = 3  # the last stage maps of a CNN; earlier ones are edges and textures
FINAL_IMAGE_LAYER = "final"  # the pooled pre-logits embedding (the default features)


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
