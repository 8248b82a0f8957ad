"""Backbone loading: catalog entry -> network + preprocessing (torch is imported lazily).

from advisor.models import load_backbone, pick_device
backbone = load_backbone("tf_efficientnet_lite0.in1k")   # offline package weights
emb, logits = backbone.embed_and_logits(batch)
"""

from advisor.models.backbone import Backbone
from advisor.models.device import pick_device
from advisor.models.loader import (
    BackbonePlan,
    as_entry,
    load_backbone,
    locate_weights,
    plan_backbone,
)

__all__ = [
    "Backbone",
    "BackbonePlan",
    "as_entry",
    "load_backbone",
    "locate_weights",
    "pick_device",
    "plan_backbone",
]
