"""Classic torchvision ImageNet models (ResNet, DenseNet, GoogLeNet, ...) behind timm's interface.

The embedding is everything before the final classifier: the classifier attribute
(``fc`` or ``classifier``) is swapped for ``Identity`` so the trunk returns pooled
features, and the original classifier is kept as ``head`` to give source logits.
"""

from __future__ import annotations

import functools

from advisor.errors import ModelLoadError
from catalog import Entry, WeightsLocation

CLASSIFIER_ATTRS = ("fc", "classifier", "head")


def _base_name(entry: Entry) -> str:
    """The torchvision builder; derived trunks (the CRAFT backbone) name the one they cut."""
    from advisor.models import craft_trunk

    name = entry.architecture or entry.id
    return craft_trunk.BASE_BUILDER if name == craft_trunk.ARCHITECTURE else name


def is_derived_trunk(entry: Entry) -> bool:
    from advisor.models import craft_trunk

    return entry.architecture == craft_trunk.ARCHITECTURE


def _builder(entry: Entry):
    from torchvision import models

    name = _base_name(entry)
    try:
        return name, models.get_model_builder(name)
    except ValueError:
        raise ModelLoadError(
            f"catalog entry {entry.id}: torchvision has no model {name!r}; "
            "see torchvision.models.list_models()"
        ) from None


def default_weights(entry: Entry):
    """torchvision's weights enum value for the entry (IMAGENET1K_V1 for the classic models)."""
    from torchvision import models

    name, _ = _builder(entry)
    weights_enum = models.get_model_weights(name)
    # The catalog names the enum member in hub_id ("IMAGENET1K_V1") or as an id tag ("resnet50.v2").
    tags = [entry.hub_id, entry.id.split(".", 1)[1] if "." in entry.id else None]
    for tag in filter(None, tags):
        for member in weights_enum:
            if member.name.lower() in (tag.lower(), f"imagenet1k_{tag.lower()}"):
                return member
    return (
        weights_enum.IMAGENET1K_V1
        if hasattr(weights_enum, "IMAGENET1K_V1")
        else weights_enum.DEFAULT
    )


def transform_settings(entry: Entry) -> dict:
    """Resize / crop / mean / std of the weights' own eval preset."""
    preset = default_weights(entry).transforms()
    return {
        "resize_size": list(preset.resize_size),
        "crop_size": list(preset.crop_size),
        "interpolation": preset.interpolation.value,
        "mean": list(preset.mean),
        "std": list(preset.std),
    }


def eval_transform(settings: dict):
    """The preset as a PIL pipeline (Resize -> CenterCrop -> ToTensor -> Normalize)."""
    from torchvision import transforms as T

    return T.Compose(
        [
            T.Resize(
                settings["resize_size"][0],
                interpolation=T.InterpolationMode(settings["interpolation"]),
            ),
            T.CenterCrop(settings["crop_size"][0]),
            T.ToTensor(),
            T.Normalize(settings["mean"], settings["std"]),
        ]
    )


def data_config(settings: dict) -> dict:
    crop = settings["crop_size"][0]
    return {
        "input_size": (3, crop, crop),
        "interpolation": settings["interpolation"],
        "mean": tuple(settings["mean"]),
        "std": tuple(settings["std"]),
        "crop_pct": crop / settings["resize_size"][0],
        "crop_mode": "center",
    }


def weights_url(entry: Entry) -> str:
    """The checkpoint URL; "" for derived trunks, whose weights only their package ships."""
    if is_derived_trunk(entry):
        return getattr(entry, "weights_url", None) or ""
    return getattr(entry, "weights_url", None) or default_weights(entry).url


def build_torchvision(entry: Entry, location: WeightsLocation, seed: int):
    import torch

    from advisor.models.state_dicts import load_into, read_state_dict

    if is_derived_trunk(entry):
        from advisor.models.craft_trunk import build_craft_trunk

        return build_craft_trunk(entry, location, seed)
    name, builder = _builder(entry)
    weights = default_weights(entry)
    num_classes = len(weights.meta.get("categories") or []) or 1000
    torch.manual_seed(seed)
    kwargs = {"num_classes": num_classes}
    if name in ("googlenet", "inception_v3"):
        pretrained = location.kind != "random"
        # As torchvision does for its weights: they expect its input re-normalisation.
        kwargs.update(
            aux_logits=pretrained, transform_input=pretrained, init_weights=not pretrained
        )
    model = builder(weights=None, **kwargs)
    note = "random init"
    if location.kind != "random":
        state = read_state_dict(location.path)
        if name in ("googlenet", "inception_v3"):
            # Aux classifiers only help training; keep the trunk and main head.
            model.aux_logits = False
            model.aux1 = model.aux2 = None
            if hasattr(model, "AuxLogits"):
                model.AuxLogits = None
            state = {
                k: v for k, v in state.items() if not k.startswith(("aux1.", "aux2.", "AuxLogits."))
            }
        note = f"{location.path.name} loaded {load_into(model, state, entry.id)}"
    elif name in ("googlenet", "inception_v3"):
        model.aux_logits = False
    return TorchvisionBackbone(model).eval(), note


@functools.cache  # the class is made once, on first use: no torch import before
def _make_wrapper_class():
    import torch

    from advisor.models.timm_interface import TimmClassifierMixin

    class _TorchvisionBackbone(TimmClassifierMixin, torch.nn.Module):
        """forward_features -> pooled trunk output; forward_head -> it, or the original head."""

        def __init__(self, model: torch.nn.Module):
            super().__init__()
            for attr in CLASSIFIER_ATTRS:
                if isinstance(getattr(model, attr, None), torch.nn.Module):
                    self.head = getattr(model, attr)
                    setattr(model, attr, torch.nn.Identity())
                    break
            else:
                raise ModelLoadError(f"{type(model).__name__} has no fc/classifier to split off")
            self.trunk = model
            last = [m for m in self.head.modules() if isinstance(m, torch.nn.Linear)][-1]
            self.num_features = last.in_features
            self.num_classes = last.out_features

        def forward_features(self, x):
            return self.trunk(x)

        def forward_head(self, x, pre_logits: bool = False):
            return x if pre_logits else self.head(x)

    return _TorchvisionBackbone


def TorchvisionBackbone(model):
    return _make_wrapper_class()(model)
