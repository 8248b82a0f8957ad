"""Fixtures for the fine-tuning tests (helpers live in finetune_helpers.py)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    import torch

    torch.set_num_threads(1)  # the machine is shared; also makes float reductions repeatable


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory):
    """One uninterrupted tiny run that resume tests must reproduce exactly."""
    from finetune_helpers import REFERENCE, small_digits, tiny_backbone

    import advisor

    events = []
    out = tmp_path_factory.mktemp("reference") / "run"
    result = advisor.finetune(
        small_digits(), tiny_backbone(), output=out, progress=events.append, **REFERENCE
    )
    return result, events
