"""Strategy advice: the estimates follow the evidence, and the reasoning names it."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.strategy.advice import advise_from, evidence_from
from advisor.strategy.estimate import Evidence, estimate_strategies, recommend
from advisor.strategy.learning_curve import LearningCurve, power_law


def _curve(a=0.95, b=1.5, c=0.5, n_full=1000) -> LearningCurve:
    """A learning curve with known parameters (as if fitted), with a small bootstrap."""
    sizes = [20, 40, 80, 160, 320]
    scores = np.tile(power_law(np.array(sizes), a, b, c), (3, 1))
    rng = np.random.default_rng(0)
    boot = np.array([a, b, c]) + rng.normal(0, [0.005, 0.05, 0.02], (20, 3))
    curve = LearningCurve("m", "accuracy", sizes, scores, (a, b, c), boot, n_full)
    for name, factor in (("full", 1), ("2x", 2), ("10x", 10)):
        curve.predictions[name] = curve.predict(n_full * factor)
    return curve


DIGITS_LIKE = {  # what a ranking record of EfficientNet-Lite0 on digits holds
    "candidate": "m",
    "source_entropy": -0.79,
    "upscale_factor": 28.0,
    "grayscale_fraction": 1.0,
    "params_m": 4.65,
    "examples_per_second": 6.0,
}


def test_reasoning_names_the_evidence_it_used():
    advice = advise_from(DIGITS_LIKE, _curve(), modality="image", n_train=1000, epochs=3)
    text = advice.reasoning
    assert "1,000 labels" in text
    assert "large domain gap" in text
    assert "source entropy 5.5 of 6.9 nats" in text  # 0.79 * ln(1000)
    assert "upscaled 28×" in text and "100% grayscale" in text
    assert "expected to add" in text and "points" in text
    frozen = advice.estimate("frozen")
    assert f"{100 * frozen.expected:.1f}%" in text  # the frozen figure it compares with


def test_a_large_gap_favours_fine_tuning_and_a_small_gap_frozen_features():
    near_ceiling = _curve(a=0.99, b=0.3)
    small = {"candidate": "m", "source_entropy": -0.1, "upscale_factor": 1.0, "params_m": 4.65}
    in_domain = advise_from(small, near_ceiling, modality="image", n_train=300, epochs=3)
    far = advise_from(DIGITS_LIKE, _curve(a=0.9), modality="image", n_train=3000, epochs=3)
    gain_far = far.estimate("lp_ft").expected - far.estimate("frozen").expected
    gain_near = in_domain.estimate("lp_ft").expected - in_domain.estimate("frozen").expected
    assert gain_far > gain_near > 0
    assert far.recommended in ("lp_ft", "partial_ft")
    assert in_domain.recommended == "frozen"  # within 0.5 points: the cheapest wins
    assert "frozen features" in in_domain.reasoning


def test_earlier_layers_scoring_better_is_reported_and_widens_the_gap():
    record = {
        **DIGITS_LIKE,
        "best_layer": "blocks.4",
        "best_layer_probe": "logme",
        "layer_scores": {"blocks.4": {"logme": 0.6}, "blocks.6": {"logme": 0.5}},
    }
    evidence = evidence_from(record, n_train=500)
    assert evidence.earlier_layer_better and evidence.layer_margin == pytest.approx(0.1)
    plain = evidence_from(DIGITS_LIKE, n_train=500)
    assert evidence.gap() >= plain.gap()
    advice = advise_from(record, _curve(), modality="image", n_train=500)
    assert "layer blocks.4 scores above the last" in advice.reasoning
    assert "more layers should train" in advice.reasoning


def test_costs_scale_with_data_and_the_trained_share():
    ev = Evidence(n_train=1000, params_m=5.0, gmacs=0.4, examples_per_second=10.0)
    estimates = {e.name: e for e in estimate_strategies((0.9, 0.88, 0.92), ev, modality="image")}
    assert estimates["frozen"].seconds < estimates["partial_ft"].seconds
    assert estimates["partial_ft"].seconds < estimates["lp_ft"].seconds
    assert estimates["partial_ft"].memory_gb < estimates["lp_ft"].memory_gb
    bigger = Evidence(n_train=2000, params_m=5.0, gmacs=0.4, examples_per_second=10.0)
    doubled = {e.name: e for e in estimate_strategies((0.9, 0.88, 0.92), bigger, modality="image")}
    assert doubled["lp_ft"].seconds == pytest.approx(2 * estimates["lp_ft"].seconds)
    assert estimates["partial_ft"].recipe == {"train_last_layers": 4}
    for e in estimates.values():
        assert e.low <= e.expected <= e.high <= 1.0


def test_features_data_only_has_the_frozen_strategy():
    ev = Evidence(n_train=100)
    estimates = estimate_strategies((0.8, 0.75, 0.85), ev, modality="features")
    assert [e.name for e in estimates] == ["frozen"]
    assert recommend(estimates) == "frozen"
    assert estimates[0].seconds is None  # no measured throughput: no time estimate


def test_partial_fine_tuning_never_outgains_lp_ft_and_gains_less_cut_in_the_wrong_place():
    # LP-FT trains a superset of partial's layers from the same head, whatever the evidence.
    for params_m, n_train, entropy in ((4.65, 440, -0.79), (22.7, 440, -0.1), (1.0, 5000, -0.5)):
        record = {**DIGITS_LIKE, "params_m": params_m, "source_entropy": entropy}
        advice = advise_from(record, _curve(a=0.9), modality="image", n_train=n_train, epochs=2)
        frozen = advice.estimate("frozen").expected
        partial_gain = advice.estimate("partial_ft").expected - frozen
        assert 0 < partial_gain < advice.estimate("lp_ft").expected - frozen
    layered = {
        **DIGITS_LIKE,
        "best_layer": "blocks.4",
        "best_layer_probe": "logme",
        "layer_scores": {"blocks.4": {"logme": 0.6}, "blocks.6": {"logme": 0.5}},
    }
    wrong_cut = advise_from(layered, _curve(a=0.9), modality="image", n_train=440, epochs=2)
    share = {
        name: (wrong_cut.estimate(name).expected - wrong_cut.estimate("frozen").expected)
        for name in ("partial_ft", "lp_ft")
    }
    plain = advise_from(DIGITS_LIKE, _curve(a=0.9), modality="image", n_train=440, epochs=2)
    plain_share = (plain.estimate("partial_ft").expected - plain.estimate("frozen").expected) / (
        plain.estimate("lp_ft").expected - plain.estimate("frozen").expected
    )
    assert share["partial_ft"] / share["lp_ft"] == pytest.approx(plain_share / 2)
