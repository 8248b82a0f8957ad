"""The cheaper per-example seeding of fine-tuning draws exactly what torch.manual_seed did
(so runs and resumes reproduce the random streams of before)."""

from __future__ import annotations

import random

import numpy as np
import torch

from advisor.finetuning.batches import seed_everything


def _draws():
    return random.random(), float(np.random.rand()), torch.rand(4).tolist()


def test_seed_everything_draws_what_manual_seed_draws():
    random.seed(7)
    np.random.seed(7)
    torch.manual_seed(7)
    expected = _draws()
    for cuda in (True, False):
        torch.rand(10)  # move the streams on first
        seed_everything(7, cuda=cuda)
        assert _draws() == expected


def test_different_seeds_draw_differently():
    seed_everything(1, cuda=False)
    first = _draws()
    seed_everything(2, cuda=False)
    assert _draws() != first
