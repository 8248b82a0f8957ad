"""Real data (scikit-learn's handwritten digits): probes rank real pixels above degraded ones."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

import probes


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    rng = np.random.default_rng(0)
    keep = rng.choice(len(data.target), size=600, replace=False)
    pixels = data.data[keep].astype(np.float32) / 16.0
    labels = np.array([f"digit-{v}" for v in data.target[keep]])  # string labels, as users have
    # a weaker "backbone": the same pixels with most of the signal drowned in noise
    degraded = 0.3 * pixels + rng.standard_normal(pixels.shape).astype(np.float32)
    return pixels, degraded, labels, data.target[keep]


def source_head(targets, strength, seed):
    """A 100-class source head whose argmax follows the digit with the given strength."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((len(targets), 100))
    logits[np.arange(len(targets)), targets * 7] += strength
    probs = np.exp(logits - logits.max(1, keepdims=True))
    return probs / probs.sum(1, keepdims=True)


@pytest.mark.parametrize(
    "name",
    [
        n
        for n, s in probes.REGISTRY.items()
        if s.level == "candidate" and "features" in s.needs and "multiclass" in s.tasks
    ],
)
def test_real_pixels_outscore_degraded_pixels(digits, name):
    pixels, degraded, labels, _ = digits
    spec = probes.REGISTRY[name]
    assert spec.compute(features=pixels, labels=labels) > spec.compute(
        features=degraded, labels=labels
    )


@pytest.mark.parametrize("name", ["leep", "nce", "source_entropy"])
def test_a_source_head_that_knows_digits_outscores_one_that_does_not(digits, name):
    _, _, labels, targets = digits
    spec = probes.REGISTRY[name]
    knows = spec.compute(labels=labels, source_probs=source_head(targets, 5.0, 1))
    guesses = spec.compute(labels=labels, source_probs=source_head(targets, 0.0, 1))
    assert knows > guesses


@pytest.mark.parametrize("name", ["ncti", "etran"])
def test_set_level_probes_rank_real_pixels_first(digits, name):
    pixels, degraded, labels, _ = digits
    noise = np.random.default_rng(5).standard_normal(pixels.shape)
    scores = probes.REGISTRY[name].compute_set(
        [dict(features=f, labels=labels) for f in (degraded, pixels, noise)]
    )
    assert int(np.argmax(scores)) == 1


def test_accuracy_probes_are_plausible_on_digits(digits):
    pixels, _, labels, _ = digits
    assert probes.knn(pixels, labels) > 0.9  # digits are easy for 5-NN on pixels
    assert probes.linear_probe(pixels, labels) > 0.9
