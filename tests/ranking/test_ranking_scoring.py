"""compute_probe_scores on real features (digit pixels) against a noise control."""

import math

import numpy as np
import pytest

from advisor.errors import AdvisorError
from advisor.features import FeatureSet
from advisor.ranking.scoring import compute_probe_scores, default_probe_names, plan_probes
from tests.helpers.datasets import small_digits


@pytest.fixture(scope="module")
def featuresets():
    data = small_digits(n_per_class=12)
    pixels = data.image_arrays.reshape(len(data), -1).astype(np.float32) / 255.0
    rng = np.random.default_rng(0)
    noise = rng.normal(size=pixels.shape).astype(np.float32)
    # A source head that "knows" the digits: 10 source classes peaked on the true label.
    logits = np.eye(10, dtype=np.float32)[data.labels] * 3 + rng.normal(size=(len(data), 10))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    common = dict(labels=data.labels, seconds=0.0, cached=False)
    return {
        "pixels": FeatureSet(
            features=pixels, source_probs=probs.astype(np.float32), candidate="pixels", **common
        ),
        "noise": FeatureSet(features=noise, source_probs=None, candidate="noise", **common),
    }


def test_informative_features_outscore_noise(featuresets):
    scores = compute_probe_scores(featuresets, ["logme", "regularized_hscore", "knn"])
    assert list(scores.index) == ["pixels", "noise"]
    assert list(scores.columns) == ["logme", "regularized_hscore", "knn"]
    for probe in scores.columns:
        assert scores.at["pixels", probe] > scores.at["noise", probe], probe
    assert scores.at["pixels", "knn"] > 0.8 and scores.at["noise", "knn"] < 0.3
    assert set(scores.attrs["seconds"]) == {"pixels", "noise"}


def test_source_head_probes_are_nan_without_a_head(featuresets):
    scores = compute_probe_scores(featuresets, "leep,nce")
    assert math.isfinite(scores.at["pixels", "leep"]) and math.isfinite(scores.at["pixels", "nce"])
    assert math.isnan(scores.at["noise", "leep"]) and math.isnan(scores.at["noise", "nce"])
    assert scores.attrs["errors"] == {}  # not applicable is not an error


def test_set_level_probes_need_every_candidate(featuresets):
    scores = compute_probe_scores(featuresets, ["ncti"])
    assert scores["ncti"].notna().all()
    assert scores.at["pixels", "ncti"] > scores.at["noise", "ncti"]
    alone = compute_probe_scores({"pixels": featuresets["pixels"]}, ["ncti"])
    assert math.isnan(alone.at["pixels", "ncti"])
    assert "at least two" in alone.attrs["errors"]["*set*"]["ncti"]


def test_a_probe_failing_on_bad_features_gives_nan_and_a_reason(featuresets):
    good = featuresets["pixels"]
    broken = FeatureSet(
        features=np.full_like(good.features, np.nan),
        source_probs=None,
        labels=good.labels,
        candidate="broken",
        seconds=0.0,
        cached=False,
    )
    scores = compute_probe_scores({"pixels": good, "broken": broken}, ["logme"])
    assert math.isfinite(scores.at["pixels", "logme"]) and math.isnan(scores.at["broken", "logme"])
    assert "features" in scores.attrs["errors"]["broken"]["logme"]


def test_unknown_probe_names_list_the_choices():
    with pytest.raises(AdvisorError, match="unknown name.*bogus.*choose from.*logme"):
        plan_probes(["logme", "bogus"])
    with pytest.raises(AdvisorError, match="probes is empty"):
        plan_probes(" , ")


def test_default_set_leaves_out_source_probes_without_a_head():
    with_head, without = default_probe_names(True), default_probe_names(False)
    assert "logme" in with_head and "leep" in with_head
    assert "logme" in without and "leep" not in without
