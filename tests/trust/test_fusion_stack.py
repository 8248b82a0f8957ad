"""The stacked fusion's fitter, benchmarks/fusion_stack.py (docs/trust.md §1-2)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from benchmarks import fusion_stack as fs  # noqa: E402


def test_reliability_is_each_sources_mean_tau_where_it_was_scored():
    taus = [
        {"logme": 0.8, "prior": 0.1},
        {"logme": 0.6, "prior": 0.3},
        {"prior": 0.9, "linear_probe": np.nan},
    ]
    got = fs.reliabilities(taus)
    assert got["logme"] == pytest.approx(0.7) and got["prior"] == pytest.approx(1.3 / 3)
    assert "linear_probe" not in got  # never a finite tau: no record at all


def test_softmax_weights_lean_on_the_most_reliable_source_and_drop_the_unreliable():
    reliability = {"logme": 0.64, "gbc": 0.60, "prior": 0.39, "hscore": -0.1}
    weights, prior = fs.source_weights(reliability, ["logme", "gbc", "hscore", "prior"])
    assert weights["logme"] == 1.0 and 0 < weights["gbc"] < 1e-5 and weights["hscore"] == 0.0
    assert 0 < prior < 1e-30
    good = np.array([3.0, 2.0, 1.0, 0.0, -1.0])
    src = {"logme": good, "gbc": -good, "prior": -good}
    final = fs.weighted_part(src, weights, prior, None)
    assert list(np.argsort(-final)) == [0, 1, 2, 3, 4]
    # Without LogME computed, the next most reliable source leads: GBC over the prior.
    weights, prior = fs.source_weights(reliability, ["gbc", "prior"])
    assert weights == {"gbc": 1.0} and prior < 1e-30


def test_pairwise_ranker_learns_which_feature_orders_the_targets():
    rng = np.random.default_rng(0)
    xs, accs = [], []
    for _ in range(6):
        x = np.zeros((8, len(fs.FEATURES)))
        x[:, fs.FEATURES.index("logme")] = rng.normal(size=8)
        x[:, fs.FEATURES.index("gbc")] = rng.normal(size=8)
        xs.append(x)
        accs.append(x[:, fs.FEATURES.index("logme")] + 0.01 * rng.normal(size=8))
    beta = fs.fit_pairwise(xs, accs)
    assert beta[fs.FEATURES.index("logme")] > 5 * abs(beta[fs.FEATURES.index("gbc")])
    assert (beta >= 0).all()


def test_nonnegative_logistic_is_sklearns_where_the_bound_is_slack_and_clips_otherwise():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 3))
    w = rng.uniform(0.5, 1.5, 400)
    for truth in ([1.0, 0.5, 2.0], [1.0, -0.8, 2.0]):
        y = (x @ np.array(truth) + rng.normal(size=400) > 0).astype(int)
        ref = LogisticRegression(C=0.1, fit_intercept=False, tol=1e-10, max_iter=5000)
        ref = ref.fit(x, y, sample_weight=w).coef_[0]
        mine = fs.nonnegative_logistic(x, 2.0 * y - 1.0, w, 0.1)
        if (ref > 0).all():
            np.testing.assert_allclose(mine, ref, atol=1e-4)
        else:
            assert mine[1] == 0.0 and ref[1] < 0 and (mine >= 0).all()


def test_a_group_with_too_few_targets_is_fitted_on_every_target():
    from types import SimpleNamespace

    def prep(table, modality):
        entries = {"m": SimpleNamespace(modality=modality)}
        return SimpleNamespace(table=table, target=SimpleNamespace(entries=entries))

    train = [prep("keras_zoo", "image"), prep("zoo", "text"), prep("keras_segmentation", "image")]
    assert [fs.group(p) for p in train] == ["image", "text", "segmentation"]
    assert fs.training_set("text", train) == [0, 1, 2]
    assert fs.training_set("image", [*train, prep("parc", "image")]) == [0, 3]
