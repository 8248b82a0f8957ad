"""What the catalog already knows about a candidate, turned into prior evidence.

Published transfer studies find that ImageNet accuracy alone ranks backbones about as well as
most probes (Kornblith et al. 2019; Agostinelli et al. 2022), and that larger pretraining
corpora transfer better. The prior therefore has three components, each a plain number per
candidate that higher means "expected to transfer better":

* ``imagenet_top1``  : the catalog's ImageNet top-1 (percent); image candidates only.
* ``data_scale``     : log10 of the pretraining corpus size (images or sentence pairs).
* ``log_params``     : log10 of the parameter count (capacity; a weak tie-breaker).

Components stay raw here; fusion.py normalises them across the candidates being ranked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import pandas as pd

PRIOR_COMPONENTS = ("imagenet_top1", "data_scale", "log_params")

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


def prior_components(entries: Mapping[str, object | None]) -> pd.DataFrame:
    """Raw prior components per candidate (rows in the order of ``entries``).

    ``entries`` maps candidate id to a catalog Entry or None (unknown to the catalog); an
    unknown candidate gets NaN components, which fusion treats as "no prior evidence".
    A candidate whose weights are not pretrained (``pretraining_data`` "none"/"random")
    gets no ImageNet credit even if its architecture has a published top-1.
    """
    rows = {}
    for cid, entry in entries.items():
        if entry is None:
            rows[cid] = dict.fromkeys(PRIOR_COMPONENTS, math.nan)
            continue
        data = getattr(entry, "pretraining_data", None)
        untrained = str(data).strip().lower() in {"none", "random", "random-init"}
        top1 = getattr(entry, "imagenet_top1", None)
        params = getattr(entry, "params_m", None)
        rows[cid] = {
            "imagenet_top1": math.nan if (top1 is None or untrained) else float(top1),
            "data_scale": math.log10(s) if (s := pretraining_scale(data)) > 0 else math.nan,
            "log_params": math.log10(params * 1e6) if params else math.nan,
        }
        if untrained:
            # Random weights: the strongest possible "nothing learned yet" signal.
            rows[cid]["data_scale"] = 0.0
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(PRIOR_COMPONENTS))
    return frame.astype(float)
