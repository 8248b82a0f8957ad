"""Bootstrap rank intervals, budgets and the Pareto front."""

import threading

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

from advisor.errors import AdvisorError, Cancelled
from advisor.features import FeatureSet
from advisor.ranking.cost import candidate_costs, pareto_front, within_budget
from advisor.ranking.uncertainty import bootstrap_ranks, half_sample, summarise


@pytest.fixture(scope="module")
def featuresets():
    """Real digits pixels, degraded by increasing noise: a known quality order."""
    x, y = load_digits(return_X_y=True)
    x, y = x[:300].astype(np.float32), y[:300]
    rng = np.random.default_rng(0)
    noise = {"clean": 0.0, "mid_a": 3.0, "mid_b": 3.1, "bad": 12.0}
    return {name: FeatureSet(x + rng.normal(0, s + 1e-3, x.shape).astype(np.float32), None, y,
                             name, 1.0 + i, False, {})
            for i, (name, s) in enumerate(noise.items())}


@pytest.fixture(scope="module")
def intervals(featuresets):
    return bootstrap_ranks(featuresets, ["logme", "knn"], dict.fromkeys(featuresets),
                           n_boot=8, seed=0)


def test_intervals_contain_the_point_rank_and_p_best_sums_to_one(intervals, featuresets):
    from advisor.ranking.fusion import fuse_scores
    from advisor.ranking.scoring import compute_probe_scores

    point = fuse_scores(compute_probe_scores(featuresets, ["logme", "knn"]),
                        dict.fromkeys(featuresets)).final.rank(ascending=False, method="min")
    for cid, row in intervals.iterrows():
        assert row["rank_low"] <= point[cid] <= row["rank_high"]
    assert intervals["p_best"].sum() == pytest.approx(1.0)


def test_clear_winner_and_loser_and_a_close_pair(intervals):
    assert intervals.attrs["leader"] == "clean"
    assert intervals.at["clean", "p_best"] == 1.0
    assert intervals.at["bad", "rank_low"] == 4 and not intervals.at["bad", "too_close"]
    # The two nearly identical candidates may swap, but never with the leader or the loser.
    assert {intervals.at["mid_a", "rank_low"], intervals.at["mid_b", "rank_low"]} <= {2, 3}


def test_too_close_marks_overlap_and_suggests_the_cheaper():
    ranks = np.array([[1, 2, 3], [2, 1, 3], [1, 2, 3], [2, 1, 3]], dtype=float)
    frame = summarise(["big", "small", "far"], ranks, np.array([0.5, 0.5, 0.0]),
                      point=pd.Series({"big": 2.0, "small": 1.0, "far": 0.0}),
                      costs={"big": 80.0, "small": 5.0, "far": 1.0})
    assert frame.attrs["leader"] == "big"
    assert frame.at["small", "too_close"] and not frame.at["far", "too_close"]
    assert frame.attrs["suggestion"]["candidate"] == "small"


def test_half_sample_keeps_every_class():
    labels = np.repeat(np.arange(5), [2, 3, 10, 40, 7])
    rows = half_sample(labels, np.random.default_rng(1))
    assert set(labels[rows]) == set(range(5))
    assert len(np.unique(rows)) == len(rows)


def test_cancel_stops_the_bootstrap(featuresets):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        bootstrap_ranks(featuresets, ["logme"], dict.fromkeys(featuresets), n_boot=3,
                        cancel=cancel)


def test_pareto_front_is_exactly_the_non_dominated_set():
    quality = pd.Series({"a": 0.9, "b": 0.8, "c": 0.7, "d": 0.95, "e": 0.6})
    cost = pd.Series({"a": 10.0, "b": 5.0, "c": 6.0, "d": 50.0, "e": 1.0})
    # c is dominated by b (better and cheaper); every other one is best at its price.
    assert pareto_front(quality, cost) == ["e", "b", "a", "d"]
    rng = np.random.default_rng(3)
    q = pd.Series(rng.random(30))
    c = pd.Series(rng.random(30))
    front = set(pareto_front(q, c))
    for i in q.index:
        dominated = ((q >= q[i]) & (c <= c[i]) & ((q > q[i]) | (c < c[i]))).any()
        assert (i in front) == (not dominated)


def test_costs_and_budgets(featuresets):
    from catalog import Entry

    entries = {"clean": Entry(id="clean", modality="image", source="timm", architecture="x",
                              params_m=80.0, gmacs=4.0)}
    costs = candidate_costs(entries, featuresets)
    assert costs.at["clean", "params_m"] == 80.0
    assert costs.at["clean", "latency_ms"] == pytest.approx(1000.0 / 300)
    kept, excluded = within_budget(costs, max_params=50)
    assert "clean" in excluded and "bad" in kept  # unknown size: kept
    kept, excluded = within_budget(costs, max_latency_ms=8.0)
    assert set(excluded) == {"mid_b", "bad"}  # 3 s and 4 s for 300 examples
    with pytest.raises(AdvisorError, match="max_params"):
        within_budget(costs, max_params=-1)
