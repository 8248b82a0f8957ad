"""Partial fine-tuning (recipe train_last_layers): only the deepest layer groups move."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "finetune"))


@pytest.mark.slow
def test_only_the_last_layer_groups_train(tmp_path):
    import torch
    from finetune_helpers import TINY_RECIPE, read_weights, small_digits, tiny_backbone

    import advisor
    from advisor.finetuning.classifier import ImageClassifier

    torch.set_num_threads(1)
    backbone = tiny_backbone()
    before = {k: v.clone() for k, v in backbone.model.state_dict().items()}
    depth = ImageClassifier(tiny_backbone().model, 10).layer_ids()
    result = advisor.finetune(
        small_digits(),
        backbone,
        output=tmp_path / "run",
        epochs=1,
        seed=0,
        train_last_layers=1,
        head_init="zero",  # no epoch-0 probe head that could be the best checkpoint
        **{**TINY_RECIPE, "head_epochs": 0},
    )
    after = read_weights(result.run_dir)
    top = max(depth.values())  # the head
    moved = {
        name: not torch.equal(before[name[len("net.") :]], after[name])
        for name in depth
        if name[len("net.") :] in before
        and name in after
        and depth[name] < top
        and before[name[len("net.") :]].is_floating_point()
    }
    deepest = {n for n in moved if depth[n] == top - 1}
    assert any(moved[n] for n in deepest)  # the last backbone group trained
    assert not any(v for n, v in moved.items() if depth[n] < top - 1)  # the rest did not


def test_bad_train_last_layers_is_refused(tmp_path):
    from advisor.errors import AdvisorError
    from advisor.finetuning.config import resolve_recipe

    with pytest.raises(AdvisorError, match="train_last_layers must be an integer >= 1"):
        resolve_recipe("image", {"train_last_layers": 0})
