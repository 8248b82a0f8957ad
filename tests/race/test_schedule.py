"""Successive-halving plans: the budget holds, rungs grow, and every rung keeps the best."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import AdvisorError
from advisor.race.schedule import RaceBudget, extend_for_seconds, parse_budget, plan_race, promote

NAMES = [f"m{i}" for i in range(12)]


@given(n=st.integers(2, 12), eta=st.integers(2, 4), budget=st.integers(200, 20000))
def test_a_step_plan_spends_at_most_its_budget(n, eta, budget):
    try:
        plan = plan_race(NAMES[:n], RaceBudget(steps=budget), eta=eta, min_steps=4)
    except AdvisorError:
        assert budget // (max(1, math.ceil(math.log(n, eta) - 1e-9)) * n) < 4
        return
    increments = [b - a for a, b in zip((0, *plan.rungs), plan.rungs, strict=False)]
    spent = sum(inc * plan.survivors(k) for k, inc in enumerate(increments))
    assert spent <= budget
    assert list(plan.rungs) == sorted(set(plan.rungs))  # strictly growing, cumulative
    assert [plan.survivors(k) for k in range(len(plan.rungs))] == sorted(
        (plan.survivors(k) for k in range(len(plan.rungs))), reverse=True
    )
    assert plan.keep_after(plan.last_rung) == 1
    assert plan.survivors(plan.last_rung) <= eta


def test_a_seconds_budget_calibrates_first_then_plans_rounds():
    plan = plan_race(NAMES[:4], parse_budget("10m"), min_steps=8)
    assert plan.calibration and plan.rungs == (8,)
    assert plan.keep_after(0) == 4  # calibration eliminates nobody
    extended = extend_for_seconds(plan, spent_s=60.0, step_s=0.5, overhead_s=5.0)
    # 540 s left over 2 rounds: round 1 trains 4 (67.5 s each), round 2 trains 2 (135 s each)
    assert extended.rungs == (8, 8 + 125, 8 + 125 + 260)
    assert extended.planned
    # 1 s left buys no step of round 1: the calibration rung is the whole race.
    spent = extend_for_seconds(plan, spent_s=599.0, step_s=0.5, overhead_s=5.0)
    assert spent.rungs == (8,) and spent.planned
    assert not plan.planned  # before the calibration, nothing is decided


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2000", RaceBudget(steps=2000)),
        (2000, RaceBudget(steps=2000)),
        ("150 steps", RaceBudget(steps=150)),
        ("600s", RaceBudget(seconds=600.0)),
        ("1.5m", RaceBudget(seconds=90.0)),
    ],
)
def test_budgets_parse(text, expected):
    assert parse_budget(text) == expected


@pytest.mark.parametrize("bad", ["", "-5", "0", "fast", "2.5 steps", True, 0, "10h"])
def test_bad_budgets_name_the_parameter(bad):
    with pytest.raises(AdvisorError, match="race_budget (must be|in steps must be)"):
        parse_budget(bad)


def test_plans_refuse_what_cannot_be_raced():
    with pytest.raises(AdvisorError, match="at least 2 candidates"):
        plan_race(["a"], RaceBudget(steps=100))
    with pytest.raises(AdvisorError, match="distinct"):
        plan_race(["a", "a"], RaceBudget(steps=100))
    with pytest.raises(AdvisorError, match="give at least 48 steps"):
        plan_race(["a", "b", "c"], RaceBudget(steps=20), min_steps=8)


@given(
    st.dictionaries(
        st.sampled_from(NAMES), st.one_of(st.floats(0, 1), st.just(float("nan"))), min_size=1
    ),
    st.integers(1, 12),
)
def test_promotion_keeps_the_best_and_breaks_ties_by_probe_order(scores, keep):
    kept = promote(scores, NAMES, keep)
    assert len(kept) == min(keep, len(scores))
    rest = [c for c in scores if c not in kept]
    for winner in kept:
        for loser in rest:
            a, b = scores[winner], scores[loser]
            a = -1 if a != a else a
            b = -1 if b != b else b
            assert a > b or (a == b and NAMES.index(winner) < NAMES.index(loser))


def test_a_seconds_plan_prices_a_slow_candidate_in_full():
    from advisor.engines.base import TrialOutcome
    from advisor.engines.halving import measured_costs

    # Calibration: two fast trunks (0.1 s a step, 1 s a trial) and one slow (1 s, 5 s).
    own = {"fast1": (0.1, 1.0), "fast2": (0.1, 1.0), "slow": (1.0, 5.0)}
    calibration = [
        TrialOutcome(c, 8, 0.5, 1.0, seconds=o + 8 * s, train_seconds=8 * s, finished=False)
        for c, (s, o) in own.items()
    ]
    plan = plan_race(list(own), RaceBudget(seconds=60.0), min_steps=8)
    spent = sum(o.seconds for o in calibration)
    plan = extend_for_seconds(plan, spent_s=spent, **measured_costs(calibration))
    more = plan.rungs[1] - plan.rungs[0]
    first_round = sum(o + more * s for s, o in own.values())  # every candidate trains in it
    assert first_round <= (60.0 - spent) / plan.rounds
