"""The zoo's ground truth over seeds: standard errors, separation, bootstrap intervals of tau."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from benchmarks import zoo_stats


def rows(accuracy: dict[str, float]) -> list[dict]:
    return [{"candidate": c, "test_accuracy": a} for c, a in accuracy.items()]


def test_ground_truth_is_the_mean_over_seeds_with_its_standard_error():
    per_seed = [rows({"a": 0.80, "b": 0.60}), rows({"a": 0.84, "b": 0.62}), rows({"a": 0.82})]
    accuracies = zoo_stats.seed_accuracies(per_seed)
    assert accuracies == {"a": [0.80, 0.84, 0.82], "b": [0.60, 0.62]}  # b failed on seed 3
    truth = zoo_stats.ground_truth(accuracies)
    assert truth["a"]["mean"] == pytest.approx(0.82)
    assert truth["a"]["se"] == pytest.approx(0.02 / math.sqrt(3))  # std (ddof 1) 0.02
    assert (truth["b"]["n"], truth["b"]["se"]) == (2, pytest.approx(0.01))  # std 0.01414
    assert zoo_stats.ground_truth({"c": [0.5]})["c"]["se"] is None


def test_separation_says_when_the_top_is_within_noise():
    clear = zoo_stats.separation(zoo_stats.ground_truth({"a": [0.9, 0.91, 0.9], "b": [0.7] * 3}))
    assert (clear["best"], clear["runner_up"]) == ("a", "b")
    assert clear["gap_in_se"] > 10
    noisy = zoo_stats.separation(
        zoo_stats.ground_truth({"a": [0.70, 0.80, 0.75], "b": [0.76, 0.72, 0.71]})
    )
    assert abs(noisy["gap_in_se"]) < 1


def test_bootstrap_interval_is_tight_for_a_clear_truth_and_wide_for_noise():
    rng = np.random.default_rng(0)
    levels = {f"m{k}": 0.5 + 0.05 * k for k in range(8)}
    perfect = pd.Series(levels)  # predicts the true order exactly
    clear = {c: list(mu + rng.normal(0, 0.002, 3)) for c, mu in levels.items()}
    noisy = {c: list(mu + rng.normal(0, 0.2, 3)) for c, mu in levels.items()}
    tight = zoo_stats.bootstrap_intervals({"p": perfect}, clear, n_resamples=200)["p"]
    wide = zoo_stats.bootstrap_intervals({"p": perfect}, noisy, n_resamples=200)["p"]
    low, high = tight["weighted_tau"]
    assert low > 0.99 and high == pytest.approx(1.0)
    assert tight["regret_points"] == [0.0, 0.0]
    assert wide["weighted_tau"][0] < 0.8 < wide["weighted_tau"][1] + 1e-9
    assert wide["weighted_tau"][1] - wide["weighted_tau"][0] > 0.2
