"""The fusion weights `advisor rank` actually uses with its default probes, and the published
evidence behind them (benchmarks/published.py, docs/trust.md)."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import probes
from advisor.ranking.fusion import FusionParams, fuse_scores, load_params
from advisor.verification.metrics import mean_measures, ranking_measures

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "published.json"


def test_default_probes_use_the_subset_fitted_with_the_linear_probe():
    params = load_params()
    computed = probes.default_probes("multiclass", has_source_probs=True)
    assert {"nleep", "linear_probe"} <= set(computed)
    weights, prior = params.for_probes(computed)
    fitted = params.subsets["leep+linear_probe+logme+nleep"]
    assert prior == fitted["prior_weight"]
    assert weights["nleep"] == fitted["probe_weights"]["nleep"] == max(weights.values())
    assert weights["linear_probe"] == fitted["probe_weights"]["linear_probe"] > 0
    # NCE and source entropy read the source head, as LEEP does: they take its fitted weight.
    assert weights["nce"] == weights["source_entropy"] == fitted["probe_weights"]["leep"]
    for unfitted in ("knn", "regularized_hscore"):
        assert weights[unfitted] == params.default_probe_weight
    # The linear probe's weight comes from the fit, not from the unfitted default.
    moved = replace(params, default_probe_weight=0.125)
    moved_weights, _ = moved.for_probes(computed)
    assert moved_weights["linear_probe"] == fitted["probe_weights"]["linear_probe"]
    assert moved_weights["knn"] == 0.125
    assert "frozen-backbone accuracy" in params.provenance
    assert "frozen-backbone accuracy" in json.loads(
        (ROOT / "catalog" / "data" / "fusion_params.json").read_text())["provenance"]["linear_probe"]


def test_shipped_linear_probe_weights_are_the_fit_on_the_frozen_accuracy_column():
    """Refit the default set's published columns on the table: the shipped entry must match,
    and it must differ from the fit that ignores the frozen-accuracy column."""
    from benchmarks.fusion_fit import fit_targets, grid_taus, pick
    from benchmarks.tables import keras_targets

    targets, params = fit_targets(), load_params()
    frozen = {t.name: t.accuracy for t in keras_targets(trainable_backbone=False)}
    assert all(t.scores["linear_probe"].equals(frozen[t.name]) for t in targets)
    for subset in (["leep", "linear_probe", "logme", "nleep"], ["linear_probe", "logme", "nleep"]):
        grid, taus = grid_taus(targets, subset, params)
        (weights, prior), _ = pick(grid, taus, list(range(len(targets))))
        shipped = params.subsets["+".join(subset)]
        assert shipped["probe_weights"] == dict(zip(subset, map(float, weights)))
        assert shipped["prior_weight"] == prior
    assert params.subsets["leep+logme+nleep"]["prior_weight"] != prior


def test_text_defaults_without_a_source_head_use_the_linear_probe_logme_nleep_subset():
    params = load_params()
    computed = probes.default_probes("multiclass", has_source_probs=False)
    weights, prior = params.for_probes(computed)
    fitted = params.subsets["linear_probe+logme+nleep"]
    assert prior == fitted["prior_weight"]
    assert weights["linear_probe"] == fitted["probe_weights"]["linear_probe"]
    assert set(weights) == set(computed) and "nce" not in weights


def test_a_proxy_takes_its_relatives_weight_from_the_matching_subset():
    params = FusionParams(
        default_probe_weight=0.25, prior_weight=0.7, proxies={"nce": "leep"},
        subsets={"leep": {"probe_weights": {"leep": 1.0}, "prior_weight": 0.9},
                 "logme": {"probe_weights": {"logme": 1.0}, "prior_weight": 0.8},
                 "leep+logme": {"probe_weights": {"leep": 0.5, "logme": 1.0},
                                "prior_weight": 0.4}})
    assert params.for_probes(["nce", "logme"]) == ({"nce": 0.5, "logme": 1.0}, 0.4)
    assert params.for_probes(["nce"]) == ({"nce": 1.0}, 0.9)
    assert params.for_probes(["nce", "leep", "knn"]) == (
        {"nce": 1.0, "leep": 1.0, "knn": 0.25}, 0.9)
    # No published probe or proxy computed: every probe at the default, the global prior weight.
    assert params.for_probes(["knn", "linear_probe"]) == ({"knn": 0.25, "linear_probe": 0.25}, 0.7)
    # Without the proxy, NCE is just another unfitted probe.
    plain = FusionParams(default_probe_weight=0.25, subsets=params.subsets)
    assert plain.for_probes(["nce", "logme"]) == ({"nce": 0.25, "logme": 1.0}, 0.8)


def test_zero_weight_source_head_probes_cannot_overturn_nleep():
    frame = pd.DataFrame({"nleep": [-0.4, -0.9, -1.3], "logme": [1.0, 1.1, 0.9],
                          "nce": [-2.0, -0.1, -1.0], "source_entropy": [-0.9, -0.1, -0.5],
                          "leep": [-3.0, -0.5, -2.0]}, index=["a", "b", "c"])
    result = fuse_scores(frame, dict.fromkeys(frame.index))
    assert "nce" not in result.contributions and "source_entropy" not in result.contributions
    assert list(result.final.sort_values(ascending=False).index) == ["a", "b", "c"]
    assert "weight 0 (published fit): logme, nce, source_entropy, leep" in result.method
    # With every unfitted probe at the default weight, the source-head probes would win.
    loud = fuse_scores(frame, dict.fromkeys(frame.index),
                       params=FusionParams(**{**load_params().__dict__, "proxies": {}}))
    assert loud.final.idxmax() == "b"


def test_default_fusion_beats_the_prior_and_every_single_probe_on_the_keras_table():
    """Recompute the leave-one-dataset-out default-probe fusion from the recorded folds; the
    frozen-backbone accuracy (the published linear probe) counts as a single probe."""
    from benchmarks.fusion_fit import PUBLISHED_PROBES, fit_targets

    recorded = json.loads(RESULTS.read_text())["keras_zoo"]
    base = load_params()
    fused, prior, single = [], [], {p: [] for p in PUBLISHED_PROBES}
    for target in fit_targets():
        fold = recorded["default_probe_folds"][target.name]
        assert fold["probe_weights"]["linear_probe"] > 0
        params = FusionParams(probe_weights=fold["probe_weights"],
                              prior_weight=fold["prior_weight"],
                              prior_component_weights=base.prior_component_weights)
        final = fuse_scores(target.scores[list(fold["probe_weights"])], target.entries,
                            params=params).final
        fused.append(ranking_measures(final, target.accuracy))
        top1 = pd.Series({c: e.imagenet_top1 for c, e in target.entries.items()})
        prior.append(stats.weightedtau(target.accuracy, top1.reindex(target.accuracy.index))[0])
        for p in PUBLISHED_PROBES:
            single[p].append(stats.weightedtau(target.accuracy, target.scores[p])[0])
    fused_tau = mean_measures(fused)["weighted_tau"]
    assert fused_tau == pytest.approx(
        recorded["mean"]["fused_default_probes"]["weighted_tau"], abs=1e-5)
    assert fused_tau > np.mean(prior) + 0.05
    assert fused_tau > max(np.mean(v) for v in single.values()) + 0.03


def test_nleep_scores_a_stratified_subsample_above_its_cap():
    """Above SAMPLE_CAPS["nleep"] rows, N-LEEP sees a capped, class-stratified subsample:
    the score equals N-LEEP on exactly those rows, and other probes still see every row."""
    from types import SimpleNamespace

    import numpy as np
    from probes import REGISTRY, logme, nleep
    from sklearn.datasets import load_digits

    from advisor.ranking import scoring
    from advisor.ranking.uncertainty import half_sample

    x, y = load_digits(return_X_y=True)
    fs = SimpleNamespace(features=x.astype(float), labels=y, source_probs=None)
    cap = scoring.SAMPLE_CAPS["nleep"]
    assert len(y) > cap
    got = scoring.score_candidate(fs, [REGISTRY["nleep"], REGISTRY["logme"]], seed=3)
    rows = half_sample(y, np.random.default_rng(3), fraction=cap / len(y))
    assert abs(len(rows) - cap) <= 10 and set(np.unique(y[rows])) == set(np.unique(y))
    assert got.scores["nleep"] == pytest.approx(REGISTRY["nleep"].compute(
        features=x[rows], labels=y[rows], seed=3, task="multiclass"), rel=1e-9)
    assert got.scores["nleep"] != pytest.approx(nleep(x, y, seed=3), rel=1e-6)
    assert got.scores["logme"] == pytest.approx(logme(x.astype(float), y), rel=1e-9)
