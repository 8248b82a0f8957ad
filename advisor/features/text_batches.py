"""Text batches: length-sorted so padding is small, with tokenizer statistics.

Texts are tokenized once without truncation to measure what the model will miss
(truncation_rate) and what it cannot read (unk_rate: share of [UNK] tokens), then batched
in order of length; the caller scatters results back to the data's order.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def text_plan(
    backbone, texts: list[str], pairs: list[str] | None = None
) -> tuple[np.ndarray, dict]:
    """(order of indices for batching, stats) from one untruncated tokenization.
    ``pairs``: second texts; lengths and truncation are then those of the pair encoding."""
    from transformers.utils import logging as hf_logging

    tokenizer = backbone.tokenizer
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # over-long inputs are expected; they are truncated
    try:
        second = None if pairs is None else list(pairs)
        ids = tokenizer(list(texts), second, add_special_tokens=False, truncation=False)[
            "input_ids"
        ]
    finally:
        hf_logging.set_verbosity(verbosity)
    lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
    unk = tokenizer.unk_token_id
    n_unk = sum(sum(1 for t in x if t == unk) for x in ids) if unk is not None else 0
    budget = backbone.max_length - tokenizer.num_special_tokens_to_add(pair=pairs is not None)
    total = int(lengths.sum())
    stats = {
        "n_texts": len(texts),
        "max_length": backbone.max_length,
        "mean_tokens": round(float(lengths.mean()), 2) if len(lengths) else 0.0,
        "unk_rate": round(n_unk / total, 6) if total else 0.0,
        "truncation_rate": round(float((lengths > budget).mean()), 6) if len(lengths) else 0.0,
        "empty_fraction": round(float((lengths == 0).mean()), 6) if len(lengths) else 0.0,
    }
    order = np.argsort(-lengths, kind="stable")  # longest first: a memory problem shows at once
    return order, stats


def text_batches(
    backbone, texts: list[str], order: np.ndarray, batch_size: int, pairs: list[str] | None = None
) -> Iterator:
    """Yield (indices, tokenized batch on the device) in `order` (pairs: pair-encoded)."""
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        second = None if pairs is None else [pairs[i] for i in idx]
        yield idx, backbone.tokenize([texts[i] for i in idx], second)
