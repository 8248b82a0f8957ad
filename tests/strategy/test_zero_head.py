"""A new head's progress in the planned steps: measured on real features, and the full
fine-tune's estimate starts from it."""

from __future__ import annotations

import math

import numpy as np
import torch

from advisor.strategy.estimate import Evidence, estimate_strategies
from advisor.strategy.zero_head import zero_head_score


def _digits_pixels():
    from advisor.data import load_data

    data = load_data("digits")
    return data.image_arrays.reshape(len(data), -1).astype(np.float32) / 16.0, data.labels


def test_a_short_run_leaves_the_new_head_short_of_the_probe_and_a_long_one_reaches_it():
    from advisor.finetuning.head_init import fit_linear_head

    x, y = _digits_pixels()
    x, y = x[:900], y[:900]
    short, short_steps = zero_head_score(x, y, n_train=96, epochs=1, modality="image")
    long, long_steps = zero_head_score(x, y, n_train=630, epochs=30, modality="image")
    assert (short_steps, long_steps) == (3, 600)  # ceil(n / batch 32) per epoch
    assert short.low <= short.mean <= short.high
    # the L-BFGS probe head the frozen and LP-FT strategies start from, on the same rows
    w, b = fit_linear_head(torch.from_numpy(x[:630]), torch.from_numpy(y[:630]), 10)
    probe = float(np.mean((torch.from_numpy(x[630:]) @ w.T + b).argmax(1).numpy() == y[630:]))
    assert short.mean < probe - 0.15  # three AdamW steps from zero are far from converged
    assert long.mean > probe - 0.05  # 600 steps are close to it


def test_the_full_fine_tune_estimate_follows_the_new_head():
    ev = Evidence(n_train=400, params_m=5.0, source_entropy_nats=5.0, source_entropy_max=6.9)
    rule = {e.name: e for e in estimate_strategies((0.9, 0.88, 0.92), ev, modality="image")}
    measured = {
        e.name: e
        for e in estimate_strategies(
            (0.9, 0.88, 0.92), ev, modality="image", zero_head=(0.6, 0.55, 0.65)
        )
    }
    assert rule["full_ft"].expected > 0.9  # the rule alone: half of LP-FT's gain over frozen
    assert measured["full_ft"].expected < 0.7
    assert measured["full_ft"].low < 0.55 and measured["full_ft"].high > 0.75  # wide doubt
    assert measured["lp_ft"].expected == rule["lp_ft"].expected  # only full_ft changes
    converged = {
        e.name: e
        for e in estimate_strategies(
            (0.9, 0.88, 0.92), ev, modality="image", zero_head=(0.9, 0.88, 0.92)
        )
    }
    # a head that has converged to the probe's accuracy: LP-FT's start, so LP-FT leads
    assert converged["frozen"].expected < converged["full_ft"].expected
    assert converged["full_ft"].expected < converged["lp_ft"].expected


def test_a_collapsing_new_head_keeps_its_interval_inside_the_metric_s_range():
    # digits/VGG16-BN's new head scored 10 % after 3 epochs; its interval read -33 %-54 %
    ev = Evidence(n_train=273, params_m=12.4, source_entropy_nats=5.0, source_entropy_max=6.9)
    collapsed = (0.10, 0.05, 0.15)
    accuracy = {
        e.name: e
        for e in estimate_strategies((0.96, 0.95, 0.97), ev, modality="image", zero_head=collapsed)
    }
    assert accuracy["full_ft"].low == 0.0 < accuracy["full_ft"].expected
    r2 = {
        e.name: e
        for e in estimate_strategies(
            (0.96, 0.95, 0.97), ev, modality="image", zero_head=collapsed, floor=-math.inf
        )
    }
    assert r2["full_ft"].low < 0.0  # R² below zero is a real score
    assert r2["full_ft"].expected == accuracy["full_ft"].expected


def test_regression_is_scored_in_r2_on_the_engine_s_standardised_targets():
    from advisor.data import load_data

    slant = load_data("digits-regression")
    x = slant.image_arrays.reshape(len(slant), -1).astype(np.float32) / 16
    args = dict(modality="image", task="regression", targets=slant.targets)
    short, _ = zero_head_score(x, slant.labels, n_train=64, epochs=1, **args)
    long, _ = zero_head_score(x, slant.labels, n_train=1200, epochs=20, **args)
    assert short.mean < 0.2  # two steps from zero predict about the mean
    assert long.mean > 0.5 and long.mean > short.mean + 0.3  # pixels do predict the slant
