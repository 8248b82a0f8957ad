"""Bootstrap rank intervals, cost budgets, the cost axis and the Pareto front, as properties.

The Pareto tests state what a front is (nothing on it is dominated, everything off it is
dominated by a point on it, it does not depend on the scale of either axis) rather than how
it is computed; the interval tests check percentile coverage on rank matrices they build,
and the bootstrap on real digits pixels against an independent full-sample fusion.
"""

import math
import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits

from advisor.data.sampling import half_sample
from advisor.errors import AdvisorError, Cancelled
from advisor.features import FeatureSet
from advisor.ranking.candidates import resolve_candidates
from advisor.ranking.cost import (
    candidate_costs,
    cost_axis,
    over_budget,
    pareto_front,
    within_budget,
)
from advisor.ranking.uncertainty import bootstrap_ranks, summarise
from catalog import Entry

# --- the Pareto front --------------------------------------------------------------------

# Small integer grids make ties (equal cost, equal quality, equal points) common.
grid = st.integers(0, 6).map(float)
points = st.lists(st.tuples(grid, grid), min_size=1, max_size=12)


def as_series(pts):
    index = [f"m{i}" for i in range(len(pts))]
    return (
        pd.Series([q for q, _ in pts], index=index, dtype=float),
        pd.Series([c for _, c in pts], index=index, dtype=float),
    )


def dominates(a, b, quality, cost) -> bool:
    """a is at least as good as b on both axes and strictly better on one."""
    at_least = quality[a] >= quality[b] and cost[a] <= cost[b]
    return at_least and (quality[a] > quality[b] or cost[a] < cost[b])


@settings(max_examples=60, deadline=None)
@given(points)
def test_nothing_on_the_front_is_dominated_and_everything_off_it_is(pts):
    quality, cost = as_series(pts)
    front = pareto_front(quality, cost)
    assert len(set(front)) == len(front) and set(front) <= set(quality.index)
    for f in front:
        assert not any(dominates(o, f, quality, cost) for o in quality.index)
    for other in set(quality.index) - set(front):
        assert any(dominates(f, other, quality, cost) for f in front)


@settings(max_examples=60, deadline=None)
@given(points)
def test_front_is_ordered_by_cost_and_buys_quality_with_it(pts):
    quality, cost = as_series(pts)
    front = pareto_front(quality, cost)
    costs = [cost[f] for f in front]
    assert costs == sorted(costs)
    for a, b in zip(front, front[1:], strict=False):
        if cost[b] > cost[a]:
            assert quality[b] > quality[a]  # paying more is only on the front if it buys quality
        else:
            assert quality[b] == quality[a]  # same cost: only equal points share a place


@settings(max_examples=60, deadline=None)
@given(points)
def test_equal_points_share_their_fate_and_the_extremes_are_on_the_front(pts):
    quality, cost = as_series(pts)
    front = set(pareto_front(quality, cost))
    for a in quality.index:
        for b in quality.index:
            if quality[a] == quality[b] and cost[a] == cost[b]:
                assert (a in front) == (b in front)
    best = quality.max()
    assert any(
        f in front for f in quality.index[(quality == best) & (cost == cost[quality == best].min())]
    )
    cheapest = cost.min()
    assert any(
        f in front
        for f in quality.index[(cost == cheapest) & (quality == quality[cost == cheapest].max())]
    )


monotone = st.sampled_from(
    [
        lambda x: x,
        lambda x: 3.0 * x + 7.0,
        lambda x: np.exp(x),
        lambda x: x**3 + x,
        lambda x: np.log1p(x),
    ]
)


@settings(max_examples=60, deadline=None)
@given(points, monotone, monotone)
def test_front_is_invariant_to_increasing_transforms_of_either_axis(pts, f, g):
    quality, cost = as_series(pts)
    assert set(pareto_front(g(quality), f(cost))) == set(pareto_front(quality, cost))


@settings(max_examples=40, deadline=None)
@given(points, st.randoms(use_true_random=False))
def test_front_ignores_order_and_points_with_unknown_values(pts, rnd):
    quality, cost = as_series(pts)
    front = set(pareto_front(quality, cost))
    order = list(quality.index)
    rnd.shuffle(order)
    assert set(pareto_front(quality[order], cost[order])) == front
    with_unknown = pd.concat([quality, pd.Series({"nan_q": math.nan, "nan_c": 9.0})])
    cost_unknown = pd.concat([cost, pd.Series({"nan_q": 0.0, "nan_c": math.nan})])
    assert set(pareto_front(with_unknown, cost_unknown)) == front


def test_tui_plot_uses_the_same_front():
    from advisor.tui.components.pareto import pareto_front as plot_front

    pts = [(1.0, 0.5), (1.0, 0.5), (2.0, 0.4), (3.0, 0.9)]  # (cost, score); a tie at the start
    quality = pd.Series([p[1] for p in pts], dtype=float)
    cost = pd.Series([p[0] for p in pts], dtype=float)
    assert plot_front(pts) == [int(i) for i in pareto_front(quality, cost)] == [0, 1, 3]


# --- cost budgets and the cost axis --------------------------------------------------------

optional_cost = st.one_of(st.none(), st.floats(0.01, 500, allow_nan=False))
cost_rows = st.lists(st.tuples(optional_cost, optional_cost), min_size=1, max_size=10)


def cost_frame(rows):
    frame = pd.DataFrame(
        rows,
        columns=["params_m", "latency_ms"],
        index=[f"m{i}" for i in range(len(rows))],
        dtype=float,
    )
    frame.insert(1, "gmacs", math.nan)
    return frame


@settings(max_examples=60, deadline=None)
@given(cost_rows, st.floats(0.5, 400), st.floats(0.5, 400))
def test_budgets_keep_exactly_what_fits_and_unknown_costs(rows, max_params, max_latency):
    frame = cost_frame(rows)
    assume(frame["latency_ms"].notna().any())
    kept, excluded = within_budget(frame, max_params_m=max_params, max_latency_ms=max_latency)
    assert sorted(kept + list(excluded)) == sorted(frame.index) and not set(kept) & set(excluded)
    for cid, row in frame.iterrows():
        over = (row["params_m"] > max_params) or (row["latency_ms"] > max_latency)  # NaN: False
        assert (cid in excluded) == over
        if cid in excluded:
            assert (
                "is over max_params_m=" in excluded[cid]
                or "is over max_latency_ms=" in excluded[cid]
            )


@settings(max_examples=60, deadline=None)
@given(cost_rows, st.floats(0.5, 400), st.floats(1.0, 10.0))
def test_a_larger_budget_never_excludes_more(rows, budget, factor):
    frame = cost_frame(rows)
    _, tight = within_budget(frame, max_params_m=budget)
    _, loose = within_budget(frame, max_params_m=budget * factor)
    assert set(loose) <= set(tight)


def test_rank_and_the_tui_give_one_budget_message():
    """The pre-extraction filter of rank and the TUI's view use one rule and one message."""
    big = Entry(id="big", modality="image", source="timm", architecture="x", params_m=4.65)
    small = Entry(id="small", modality="image", source="timm", architecture="y", params_m=0.5)
    chosen, excluded = resolve_candidates("image", [big, small], max_params_m=1.0)
    assert [c.id for c in chosen] == ["small"]
    expected = "4.65M parameters is over max_params_m=1"
    assert (
        excluded == {"big": expected} and over_budget(params_m=4.65, max_params_m=1.0) == expected
    )
    frame = cost_frame([(4.65, 2.0), (0.5, 1.0)])
    frame.index = ["big", "small"]
    assert within_budget(frame, max_params_m=1.0) == (["small"], {"big": expected})
    assert over_budget(latency_ms=3.0, max_latency_ms=2.0) == (
        "3.00 ms/example measured is over max_latency_ms=2"
    )
    assert over_budget(params_m=None, latency_ms=math.nan, max_params_m=1, max_latency_ms=1) is None


def test_budget_errors_name_the_parameter_and_the_fix():
    frame = cost_frame([(10.0, None), (20.0, None)])
    with pytest.raises(AdvisorError, match="max_params_m must be"):
        within_budget(frame, max_params_m=-1)
    with pytest.raises(AdvisorError, match="max_latency_ms needs measured extraction times"):
        within_budget(frame, max_latency_ms=5.0)


# --- real features: costs, the bootstrap and its suggestion -------------------------------


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return x[:300].astype(np.float32), y[:300]


@pytest.fixture(scope="module")
def featuresets(digits):
    """Real digits pixels, degraded by increasing noise: a known quality order."""
    x, y = digits
    rng = np.random.default_rng(0)
    noise = {"clean": 0.0, "mid_a": 3.0, "mid_b": 3.1, "bad": 12.0}
    return {
        name: FeatureSet(
            x + rng.normal(0, s + 1e-3, x.shape).astype(np.float32),
            None,
            y,
            name,
            1.0 + i,
            False,
            {},
        )
        for i, (name, s) in enumerate(noise.items())
    }


@pytest.fixture(scope="module")
def intervals(featuresets):
    return bootstrap_ranks(
        featuresets, ["logme", "knn"], dict.fromkeys(featuresets), n_boot=8, seed=0
    )


def test_costs_are_catalog_facts_and_measured_latency(featuresets):
    entries = {
        "clean": Entry(
            id="clean", modality="image", source="timm", architecture="x", params_m=80.0, gmacs=4.0
        )
    }
    costs = candidate_costs(entries, featuresets)
    assert costs.at["clean", "params_m"] == 80.0 and costs.at["clean", "gmacs"] == 4.0
    # seconds 1, 2, 3, 4 for 300 examples
    assert costs["latency_ms"].tolist() == pytest.approx([1000.0 * s / 300 for s in (1, 2, 3, 4)])
    assert math.isnan(costs.at["bad", "params_m"])
    column, axis = cost_axis(costs)  # parameters unknown for some: compare on latency
    assert column == "latency_ms" and axis.equals(costs["latency_ms"])
    full = {
        c: Entry(id=c, modality="image", source="timm", architecture=c, params_m=p)
        for c, p in zip(featuresets, (80.0, 5.0, 6.0, 1.0), strict=True)
    }
    column, axis = cost_axis(candidate_costs(full, featuresets))
    assert column == "params_m" and axis.tolist() == [80.0, 5.0, 6.0, 1.0]


def test_bootstrap_agrees_with_an_independent_full_sample_ranking(intervals, featuresets):
    from advisor.ranking.fusion import fuse_scores
    from advisor.ranking.scoring import compute_probe_scores

    final = fuse_scores(
        compute_probe_scores(featuresets, ["logme", "knn"]), dict.fromkeys(featuresets)
    ).final
    n = len(featuresets)
    assert intervals.attrs["leader"] == final.idxmax() == "clean"
    assert (
        (1 <= intervals["rank_low"])
        & (intervals["rank_low"] <= intervals["rank_high"])
        & (intervals["rank_high"] <= n)
    ).all()
    assert intervals["p_best"].between(0, 1).all()
    assert intervals["p_best"].sum() == pytest.approx(1.0)
    assert intervals.at["clean", "p_best"] == 1.0
    assert intervals.at["bad", "rank_low"] == n and not intervals.at["bad", "too_close"]
    # The two nearly identical candidates may swap, but never with the leader or the loser.
    assert {intervals.at["mid_a", "rank_low"], intervals.at["mid_b", "rank_low"]} <= {2, 3}


def test_bootstrap_is_seeded_and_does_not_depend_on_candidate_order(intervals, featuresets):
    reordered = {c: featuresets[c] for c in reversed(list(featuresets))}
    again = bootstrap_ranks(reordered, ["logme", "knn"], dict.fromkeys(reordered), n_boot=8, seed=0)
    pd.testing.assert_frame_equal(again.loc[intervals.index], intervals, check_like=True)


def test_suggestion_uses_the_one_cost_axis(digits):
    """Identical twins are too close to call; the cheaper one is suggested, and "cheaper"
    is parameters when the catalog knows them for everyone, else measured latency."""
    x, y = digits
    noisy = x + np.random.default_rng(1).normal(0, 12.0, x.shape).astype(np.float32)
    sets = {
        "twin_big": FeatureSet(x, None, y, "twin_big", 1.0, False, {}),
        "twin_small": FeatureSet(x.copy(), None, y, "twin_small", 4.0, False, {}),
        "noisy": FeatureSet(noisy, None, y, "noisy", 2.0, False, {}),
    }
    sized = {
        c: Entry(id=c, modality="image", source="timm", architecture=c, params_m=p)
        for c, p in (("twin_big", 80.0), ("twin_small", 5.0), ("noisy", 1.0))
    }
    by_params = bootstrap_ranks(sets, ["logme"], sized, n_boot=4, seed=0)
    assert by_params.attrs["leader"] == "twin_big" and by_params.at["twin_small", "too_close"]
    assert by_params.attrs["suggestion"]["candidate"] == "twin_small"
    # No sizes: the big twin measured faster (1 s against 4 s), so nothing cheaper is close.
    by_latency = bootstrap_ranks(sets, ["logme"], dict.fromkeys(sets), n_boot=4, seed=0)
    assert by_latency.attrs["suggestion"] is None


def test_cancel_stops_the_bootstrap(featuresets):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        bootstrap_ranks(featuresets, ["logme"], dict.fromkeys(featuresets), n_boot=3, cancel=cancel)


# --- intervals from rank matrices ------------------------------------------------------------


@st.composite
def rank_matrices(draw):
    n_cand = draw(st.integers(2, 5))
    n_boot = draw(st.integers(1, 30))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    skill = rng.normal(0, 1, n_cand)
    noise = draw(st.floats(0.0, 3.0))
    scores = skill + rng.normal(0, noise + 1e-9, (n_boot, n_cand))
    ranks = np.vstack(
        [pd.Series(row).rank(ascending=False, method="min").to_numpy() for row in scores]
    )
    point = pd.Series(skill, index=[f"c{i}" for i in range(n_cand)])
    return ranks, point


def _p_best(ranks):
    wins = (ranks == 1).astype(float)
    return (wins / wins.sum(axis=1, keepdims=True)).mean(axis=0)


@settings(max_examples=60, deadline=None)
@given(rank_matrices())
def test_intervals_cover_nine_tenths_of_the_replicates(data):
    ranks, point = data
    frame = summarise(list(point.index), ranks, _p_best(ranks))
    for j, cid in enumerate(point.index):
        inside = (ranks[:, j] >= frame.at[cid, "rank_low"]) & (
            ranks[:, j] <= frame.at[cid, "rank_high"]
        )
        assert inside.mean() >= 0.9 - 1e-9
        assert frame.at[cid, "rank_low"] <= np.median(ranks[:, j]) <= frame.at[cid, "rank_high"]


@settings(max_examples=60, deadline=None)
@given(rank_matrices())
def test_with_a_point_estimate_intervals_only_widen_to_reach_its_rank(data):
    ranks, point = data
    alone = summarise(list(point.index), ranks, _p_best(ranks))
    frame = summarise(list(point.index), ranks, _p_best(ranks), point=point)
    point_rank = {c: 1 + int((point > point[c]).sum()) for c in point.index}  # ties share the best
    for cid in point.index:
        assert frame.at[cid, "rank_low"] <= point_rank[cid] <= frame.at[cid, "rank_high"]
        assert frame.at[cid, "rank_low"] == min(alone.at[cid, "rank_low"], point_rank[cid])
        assert frame.at[cid, "rank_high"] == max(alone.at[cid, "rank_high"], point_rank[cid])
    leader = frame.attrs["leader"]
    assert point_rank[leader] == 1
    for cid in point.index:
        overlaps = frame.at[cid, "rank_low"] <= frame.at[leader, "rank_high"]
        assert frame.at[cid, "too_close"] == (cid != leader and overlaps)


@settings(max_examples=60, deadline=None)
@given(rank_matrices(), st.lists(st.floats(0.1, 100), min_size=5, max_size=5), monotone)
def test_the_suggestion_is_the_cheapest_close_call_whatever_the_cost_scale(data, prices, f):
    ranks, point = data
    costs = dict(zip(point.index, prices, strict=False))
    frame = summarise(list(point.index), ranks, _p_best(ranks), point=point, costs=costs)
    leader = frame.attrs["leader"]
    close = [c for c in point.index if frame.at[c, "too_close"]]
    suggestion = frame.attrs["suggestion"]
    cheapest = min([leader, *close], key=lambda c: (costs[c], c))
    if close and costs[cheapest] < costs[leader]:
        assert suggestion["candidate"] == cheapest and suggestion["instead_of"] == leader
    else:
        assert suggestion is None
    rescaled = {c: float(f(v)) for c, v in costs.items()}
    again = summarise(list(point.index), ranks, _p_best(ranks), point=point, costs=rescaled)
    assert (again.attrs["suggestion"] or {}).get("candidate") == (suggestion or {}).get("candidate")


# --- the stratified half-sample (advisor.data.sampling) --------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 40), min_size=1, max_size=6),
    st.floats(0.05, 1.0),
    st.integers(0, 2**16),
)
def test_half_sample_takes_its_share_of_every_class(sizes, fraction, seed):
    labels = np.repeat(np.arange(len(sizes)), sizes)
    np.random.default_rng(seed).shuffle(labels)
    rows = half_sample(labels, np.random.default_rng(seed), fraction)
    assert np.all(np.diff(rows) > 0) and rows.min() >= 0 and rows.max() < len(labels)
    for cls, size in enumerate(sizes):
        taken = int((labels[rows] == cls).sum())
        assert 1 <= taken <= size  # never loses a class, never repeats a row
        # its share to the nearest row, except that a class keeps 2 rows when it has them
        assert abs(taken - fraction * size) <= 0.5 + 1e-9 or taken == min(size, 2)
    again = half_sample(labels, np.random.default_rng(seed), fraction)
    assert np.array_equal(rows, again)
