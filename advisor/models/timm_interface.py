"""timm's classifier interface for the wrappers around non-timm models (torchvision, CRAFT).

The fine-tuning engine and the feature extractor talk to every backbone through timm's
``forward_features`` / ``forward_head`` / ``get_classifier`` / ``reset_classifier``; a wrapper
defines the first two, ``num_features`` and ``head``, and gets the rest here. No torch import
at module level, so the catalog and the CLI stay light.
"""

from __future__ import annotations


class TimmClassifierMixin:
    """``get_classifier`` / ``reset_classifier`` / ``forward`` on top of a wrapper's
    ``forward_features``, ``forward_head``, ``num_features`` and ``head``. Put it before
    ``torch.nn.Module`` in the bases so its ``forward`` is the module's."""

    def get_classifier(self):
        return self.head

    def reset_classifier(self, num_classes: int, global_pool=None):
        import torch

        self.num_classes = num_classes
        self.head = (
            torch.nn.Linear(self.num_features, num_classes)
            if num_classes > 0
            else torch.nn.Identity()
        )

    def forward(self, x):
        return self.forward_head(self.forward_features(x))
