"""What the catalog already knows about a candidate, turned into prior evidence.

Published transfer studies find that ImageNet accuracy alone ranks backbones about as well as
most probes (Kornblith et al. 2019; Agostinelli et al. 2022), and that larger pretraining
corpora transfer better. The prior therefore has four components, each a plain number per
candidate that higher means "expected to transfer better":

* ``imagenet_top1``  : the catalog's ImageNet top-1 (percent); image candidates only.
* ``data_scale``     : log10 of the pretraining corpus size (images or sentence pairs).
* ``log_params``     : log10 of the parameter count (capacity; a weak tie-breaker).
* ``track_record``   : how well the candidate's architecture family fine-tuned elsewhere:
  its mean relative fine-tuned accuracy on published targets (catalog/data/track_record.json,
  built by benchmarks/track_record.py from the Keras-zoo and PARC tables). NaN (no credit,
  no penalty) for a family with no published record, and for a network that is not the
  published pretrained one (random weights, a truncation: no ImageNet top-1).

Components stay raw here; fusion.py normalises them across the candidates being ranked.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd

PRIOR_COMPONENTS = ("imagenet_top1", "data_scale", "log_params", "track_record")
TRACK_RECORD_FILE = Path(__file__).resolve().parents[2] / "catalog" / "data" / "track_record.json"

# Approximate corpus sizes (number of training examples) for the pretraining_data strings
# used in the catalog. Sources: the dataset papers (ImageNet-1k 1.28M, ImageNet-21k 14M,
# JFT-300M, LAION-2B/400M, CLIP's 400M WIT pairs, all-MiniLM's 1B sentence pairs).
_KNOWN_SCALES = {
    "in1k": 1.28e6,
    "imagenet": 1.28e6,
    "imagenet-1k": 1.28e6,
    "in12k": 12e6,
    "in22k": 14e6,
    "in21k": 14e6,
    "imagenet-21k": 14e6,
    "jft300m": 3e8,
    "laion400m": 4e8,
    "laion2b": 2.3e9,
    "openai": 4e8,
    "wit400m": 4e8,
    "ig1b": 1e9,
    "ig3b": 3.5e9,
    "none": math.nan,
    "random": math.nan,
    "unknown": math.nan,
}
_MULTIPLIERS = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


def pretraining_scale(text: str | None) -> float:
    """Number of pretraining examples a catalog ``pretraining_data`` string stands for.

    Recognises the common tags ("in1k", "in21k", "laion2b", ...) and explicit counts such as
    "1B sentence pairs" or "160GB text" (bytes are not counted: NaN). NaN when unknown.
    """
    if not text:
        return math.nan
    key = text.strip().lower()
    for tag, size in _KNOWN_SCALES.items():
        if key == tag or key.startswith(tag + "_") or key.startswith(tag + "+"):
            return size
    for tag, size in _KNOWN_SCALES.items():
        if re.search(rf"(^|[^a-z0-9]){re.escape(tag)}($|[^a-z0-9])", key):
            return size
    match = re.search(r"(\d+(?:\.\d+)?)\s*([kmbt])(?![a-z])", key)
    if match:
        return float(match.group(1)) * _MULTIPLIERS[match.group(2)]
    return math.nan


@lru_cache(maxsize=4)
def load_track_record(path: str | None = None) -> dict:
    """The shipped track records: {"models": {id: value}, "families": {family: value},
    "aliases": {catalog family: record family}}; empty when the file is absent."""
    target = Path(path) if path else TRACK_RECORD_FILE
    if not target.exists():
        return {"models": {}, "families": {}, "aliases": {}}
    raw = json.loads(target.read_text())
    return {
        "models": {k: float(v["value"]) for k, v in raw.get("models", {}).items()},
        "families": {k: float(v["value"]) for k, v in raw.get("families", {}).items()},
        "aliases": dict(raw.get("aliases", {})),
    }


def track_record_of(entry, record: Mapping) -> float:
    """The entry's own published record if it has one, else its family's (through the
    aliases) when the entry is a published pretrained network; NaN otherwise."""
    if entry is None:
        return math.nan
    models = record.get("models", {})
    if getattr(entry, "id", None) in models:
        return float(models[entry.id])
    data = str(getattr(entry, "pretraining_data", "")).strip().lower()
    family = str(getattr(entry, "family", "") or "").lower()
    # Family records describe ImageNet-trained classifiers: a random or truncated copy
    # (no ImageNet top-1) is not the network that record measured.
    if not family or getattr(entry, "imagenet_top1", None) is None or data in _UNTRAINED:
        return math.nan
    family = record.get("aliases", {}).get(family, family)
    return float(record.get("families", {}).get(family, math.nan))


_UNTRAINED = {"none", "random", "random-init"}


def prior_components(
    entries: Mapping[str, object | None], track_record: Mapping | None = None
) -> pd.DataFrame:
    """Raw prior components per candidate (rows in the order of ``entries``).

    ``entries`` maps candidate id to a catalog Entry or None (unknown to the catalog); an
    unknown candidate gets NaN components, which fusion treats as "no prior evidence".
    A candidate whose weights are not pretrained (``pretraining_data`` "none"/"random")
    gets no ImageNet credit even if its architecture has a published top-1.
    ``track_record``: records as ``load_track_record`` returns them (default: the shipped
    file); benchmarks pass records computed without the held-out data.
    """
    record = load_track_record() if track_record is None else track_record
    rows = {}
    for cid, entry in entries.items():
        if entry is None:
            rows[cid] = dict.fromkeys(PRIOR_COMPONENTS, math.nan)
            continue
        data = getattr(entry, "pretraining_data", None)
        untrained = str(data).strip().lower() in _UNTRAINED
        top1 = getattr(entry, "imagenet_top1", None)
        params = getattr(entry, "params_m", None)
        rows[cid] = {
            "imagenet_top1": math.nan if (top1 is None or untrained) else float(top1),
            "data_scale": math.log10(s) if (s := pretraining_scale(data)) > 0 else math.nan,
            "log_params": math.log10(params * 1e6) if params else math.nan,
            "track_record": track_record_of(entry, record),
        }
        if untrained:
            # Random weights: the strongest possible "nothing learned yet" signal.
            rows[cid]["data_scale"] = 0.0
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(PRIOR_COMPONENTS))
    return frame.astype(float)
