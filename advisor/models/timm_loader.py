"""Image backbones built with timm from a resolved WeightsLocation, or randomly initialised."""

from __future__ import annotations

import json

from advisor.errors import ModelLoadError
from advisor.models.state_dicts import load_into, read_state_dict
from catalog import Entry, WeightsLocation


def timm_model_name(entry: Entry) -> str:
    """ "arch.tag" when timm knows the entry's id (so its pretrained_cfg applies), else the arch."""
    import timm

    arch = entry.architecture or entry.id.split(".")[0]
    if "." in entry.id and entry.id.split(".")[0] == arch and _known_cfg(entry.id) is not None:
        return entry.id
    if not timm.is_model(arch):
        raise ModelLoadError(
            f"catalog entry {entry.id}: timm has no architecture {arch!r}; check `architecture` "
            "(see timm.list_models())"
        )
    return arch


def _known_cfg(name: str):
    import timm

    try:
        return timm.models.get_pretrained_cfg(name)
    except Exception:
        return None


def data_config_for(entry: Entry) -> dict:
    """timm's eval data config for the entry, from its pretrained_cfg (no model built)."""
    from timm.data import resolve_data_config

    name = timm_model_name(entry)
    cfg = _known_cfg(name)
    if cfg is None:
        import timm

        cfg = timm.create_model(name, pretrained=False).pretrained_cfg
        return resolve_data_config(pretrained_cfg=dict(cfg))
    return resolve_data_config(pretrained_cfg=cfg.to_dict())


def preprocess_key_from_config(kind: str, config: dict) -> str:
    keep = {k: config[k] for k in sorted(config)}
    return f"{kind}:" + json.dumps(keep, sort_keys=True, default=list, separators=(",", ":"))


def timm_preprocess_key(entry: Entry) -> str:
    return preprocess_key_from_config("timm", data_config_for(entry))


def build_timm(entry: Entry, location: WeightsLocation, seed: int):
    """(model, how-loaded note). The model is in eval mode on CPU."""
    import timm
    import torch

    name = timm_model_name(entry)
    kwargs = {}
    if entry.num_source_classes:
        kwargs["num_classes"] = entry.num_source_classes
    if location.kind == "random":
        torch.manual_seed(seed)
        model = timm.create_model(name, pretrained=False, **kwargs)
        return model.eval(), "random init"
    path = location.path
    if location.kind == "cached" and path.suffix == ".safetensors":
        # timm applies its own checkpoint filter; safetensors cannot carry pickled code.
        model = timm.create_model(
            name, pretrained=True, pretrained_cfg_overlay={"file": str(path)}, **kwargs
        )
        return model.eval(), f"timm hub weights {path.name}"
    state = read_state_dict(path)
    model = timm.create_model(name, pretrained=False, **_classes_from_state(name, state, kwargs))
    how = load_into(model, state, f"{entry.id} ({path.name})")
    return model.eval(), f"{path.name} loaded {how}"


def _classes_from_state(name: str, state: dict, kwargs: dict) -> dict:
    """Match the classifier width to a local checkpoint's head (fine-tuned models, etc.)."""
    import timm

    if "num_classes" in kwargs:
        return kwargs
    cfg = _known_cfg(name)
    classifier = (cfg.classifier if cfg is not None else None) or "head"
    if isinstance(classifier, (list, tuple)):
        classifier = classifier[0]
    weight = state.get(f"{classifier}.weight")
    if weight is not None and weight.ndim == 2:
        return {**kwargs, "num_classes": int(weight.shape[0])}
    # A headless checkpoint: build headless so the key sets match.
    if not any(k.startswith(classifier + ".") for k in state):
        probe = timm.create_model(name, pretrained=False)
        if any(k.startswith(classifier + ".") for k in probe.state_dict()):
            return {**kwargs, "num_classes": 0}
    return kwargs


def embed_dim_of(model) -> int:
    return int(getattr(model, "head_hidden_size", None) or model.num_features)


def has_head(model) -> bool:
    return int(getattr(model, "num_classes", 0) or 0) > 0
