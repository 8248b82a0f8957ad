"""A loaded backbone: the network, its preprocessing, and pooled embeddings (+ source logits).

Images follow timm's convention: ``forward_features`` then ``forward_head(pre_logits=True)``
gives the pooled embedding, and ``forward_head`` on the same feature map gives the source
logits, so one forward pass serves both; ``embed_layers`` adds the other layers' pooled
outputs from that same pass (docs/features.md "Layer-wise features"). Text encoders are
Hugging Face ``AutoModel``s pooled as their model card says (masked mean or [CLS]).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from catalog import Entry


@dataclass
class Backbone:
    entry: Entry
    model: Any  # torch.nn.Module
    modality: str
    device: Any  # torch.device
    embed_dim: int
    weights_fingerprint: str
    preprocess_key: str
    data_config: dict | None = None
    tokenizer: Any | None = None
    max_length: int | None = None
    pooling: str | None = None  # text: "mean" | "cls"
    normalize: bool = False  # text: L2-normalise, as the sentence-transformers pipeline does
    has_source_head: bool = False
    weights_source: str = ""  # WeightsLocation.kind: "offline" | "local" | "cached" | "random"
    eval_transform_override: Any | None = field(default=None, repr=False)

    # ----- preprocessing -------------------------------------------------------------------
    def eval_transform(self):
        """PIL image -> normalised tensor, exactly as the weights were evaluated."""
        self._require_image("eval_transform")
        if self.eval_transform_override is not None:
            return self.eval_transform_override
        from timm.data import create_transform

        return create_transform(**self.data_config, is_training=False)

    def train_transform(self):
        """timm's training augmentation for this model's input size and normalisation."""
        self._require_image("train_transform")
        from timm.data import create_transform

        return create_transform(**self.data_config, is_training=True)

    def tokenize(self, texts: list[str], pairs: list[str] | None = None):
        """Token tensors on the device, truncated to max_length and padded per batch.
        ``pairs``: the second text of each pair, joined by the tokenizer's pair encoding."""
        self._require_text("tokenize")
        encoded = self.tokenizer(
            list(texts),
            None if pairs is None else list(pairs),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return {k: v.to(self.device) for k, v in encoded.items()}

    # ----- forward -------------------------------------------------------------------------
    def embed(self, batch):
        """Pooled embeddings [B, D] (float32) for an image tensor, PIL images, or texts."""
        return self.embed_and_logits(batch, with_logits=False)[0]

    def embed_and_logits(self, batch, with_logits: bool = True):
        """(embeddings [B, D], source logits [B, C] or None) from one forward pass."""
        import torch

        with torch.inference_mode(), self._autocast():
            if self.modality == "image":
                pooled, logits = self._image_forward(batch, with_logits)
            else:
                pooled, logits = self._text_forward(batch), None
        pooled = pooled.float()
        return pooled, (logits.float() if logits is not None else None)

    def embed_layers(self, batch, with_logits: bool = True):
        """(embeddings [B, D], source logits or None, {layer: pooled [B, D_l]}) from ONE pass.

        The dict holds the other layers (advisor.models.layer_outputs); the embedding is the
        final layer, identical to embed_and_logits'. Models without intermediate outputs
        (torchvision / CRAFT wrappers) give an empty dict.
        """
        import torch

        with torch.inference_mode(), self._autocast():
            if self.modality == "image":
                pooled, logits, layers = self._image_forward(batch, with_logits, with_layers=True)
            else:
                (pooled, layers), logits = self._text_forward(batch, with_layers=True), None
        layers = {name: value.float() for name, value in layers.items()}
        return pooled.float(), (logits.float() if logits is not None else None), layers

    def layer_names(self) -> tuple[list[str], str]:
        """(names of the other layers embed_layers returns, name of the final layer)."""
        from advisor.models import layer_outputs as L

        if self.modality == "text":
            n = int(self.model.config.num_hidden_layers)
            return [L.text_layer_name(i) for i in range(1, n)], L.text_layer_name(n)
        if not L.supports_image_layers(self.model):
            return [], L.FINAL_IMAGE_LAYER
        return L.image_stage_names(self.model, L.IMAGE_STAGES), L.FINAL_IMAGE_LAYER

    def _image_forward(self, batch, with_logits: bool, with_layers: bool = False):
        import torch

        if isinstance(batch, (list, tuple)):  # PIL images: apply the model's own eval transform
            transform = self.eval_transform()
            batch = torch.stack([transform(image.convert("RGB")) for image in batch])
        x = batch.to(self.device, non_blocking=True)
        if x.ndim == 4:  # convnets run faster channels-last, on CPU (oneDNN) as on CUDA
            x = x.contiguous(memory_format=torch.channels_last)
        layers = {}
        if with_layers and self._has_image_layers():
            from advisor.models import layer_outputs as L

            # One trunk pass: timm's final map here is forward_features' output.
            features, maps = self.model.forward_intermediates(x, indices=L.IMAGE_STAGES)
            names = L.image_stage_names(self.model, len(maps))
            layers = {name: L.pool_map(m) for name, m in zip(names, maps, strict=True)}
        else:
            features = self.model.forward_features(x)
        pooled = self.model.forward_head(features, pre_logits=True)
        logits = None
        if with_logits and self.has_source_head:
            # Pooling is cheap next to the trunk; calling forward_head again is correct for every
            # timm head layout (norm / fc_norm / pre_logits MLP), unlike reusing `pooled`.
            logits = self.model.forward_head(features)
        if with_layers:
            return pooled, logits, layers
        return pooled, logits

    def _has_image_layers(self) -> bool:
        from advisor.models.layer_outputs import supports_image_layers

        return supports_image_layers(self.model)

    def _text_forward(self, batch, with_layers: bool = False):
        encoded = self.tokenize(batch) if isinstance(batch, (list, tuple)) else batch
        encoded = {k: v.to(self.device) for k, v in encoded.items()}
        if not with_layers:
            hidden = self.model(**encoded).last_hidden_state
            return self._pool_text(hidden, encoded["attention_mask"])
        from advisor.models.layer_outputs import text_layer_name

        output = self.model(**encoded, output_hidden_states=True)
        states = output.hidden_states[1:]  # [0] is the embedding layer, left out
        pooled = self._pool_text(output.last_hidden_state, encoded["attention_mask"])
        layers = {
            text_layer_name(i): self._pool_text(h, encoded["attention_mask"])
            for i, h in enumerate(states[:-1], start=1)
        }
        return pooled, layers

    def _pool_text(self, hidden, attention_mask):
        import torch

        hidden = hidden.float()  # pool in float32 under autocast
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        if self.normalize:
            pooled = torch.nn.functional.normalize(pooled.float(), p=2, dim=1)
        return pooled

    def _autocast(self):
        from advisor.models.device import autocast_dtype

        dtype = autocast_dtype(self.device)
        if dtype is None:
            return contextlib.nullcontext()
        import torch

        return torch.autocast(self.device.type, dtype=dtype)

    @property
    def compute_dtype(self) -> str:
        """Precision of the forward pass, part of feature-cache keys."""
        from advisor.models.device import autocast_dtype

        dtype = autocast_dtype(self.device)
        return "float32" if dtype is None else f"autocast-{str(dtype).replace('torch.', '')}"

    def _require_image(self, what: str) -> None:
        if self.modality != "image":
            raise TypeError(
                f"{what} is for image backbones; {self.entry.id} is a {self.modality} model"
            )

    def _require_text(self, what: str) -> None:
        if self.modality != "text":
            raise TypeError(
                f"{what} is for text backbones; {self.entry.id} is a {self.modality} model"
            )
