"""The measured fusion variants of benchmarks/fusion_variants.py (docs/trust.md §2)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from benchmarks import fusion_variants as fv  # noqa: E402


def test_reliability_is_the_same_groups_mean_tau_else_every_groups():
    taus = [
        {"logme": 0.8, "prior": 0.1},
        {"logme": 0.6, "prior": 0.3},
        {"logme": 0.0, "prior": 0.9, "linear_probe": 0.7},
    ]
    groups = ["segmentation", "segmentation", "image"]
    seg = fv.reliabilities(taus, groups, "segmentation")
    assert seg["logme"] == pytest.approx(0.7) and seg["prior"] == pytest.approx(0.2)
    # No segmentation target scored the linear probe: its reliability comes from every target.
    assert seg["linear_probe"] == pytest.approx(0.7)
    assert fv.reliabilities(taus, groups, "text")["prior"] == pytest.approx(1.3 / 3)


def test_reliability_weights_lean_on_the_most_reliable_source():
    good = np.array([3.0, 2.0, 1.0, 0.0, -1.0])
    src = {"logme": good, "gbc": -good, "prior": -good}
    final = fv.fused(src, {"logme": 0.64, "gbc": 0.60, "prior": 0.39}, None)
    assert list(np.argsort(-final)) == [0, 1, 2, 3, 4]
    # A source with no positive record gets no say, even when it is the only other one.
    only = fv.fused({"logme": good, "prior": -good}, {"logme": 0.5, "prior": -0.2}, None)
    assert list(np.argsort(-only)) == [0, 1, 2, 3, 4]


def test_pairwise_ranker_learns_which_feature_orders_the_targets():
    rng = np.random.default_rng(0)
    xs, accs = [], []
    for _ in range(6):
        x = np.zeros((8, len(fv.FEATURES)))
        x[:, fv.FEATURES.index("logme")] = rng.normal(size=8)
        x[:, fv.FEATURES.index("gbc")] = rng.normal(size=8)
        xs.append(x)
        accs.append(x[:, fv.FEATURES.index("logme")] + 0.01 * rng.normal(size=8))
    beta = fv.fit_pairwise(xs, accs)
    assert beta[fv.FEATURES.index("logme")] > 5 * abs(beta[fv.FEATURES.index("gbc")])


def test_ensemble_ranks_put_a_candidate_without_a_score_last():
    ranks = fv._ranks(np.array([0.2, np.nan, 5.0, 0.2]))
    assert list(ranks) == [2.5, 1.0, 4.0, 2.5]
