"""advisor.validation: the declarations behave as documented and share one message format."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pytest

from advisor import validation as v
from advisor.errors import AdvisorError, DataError, is_user_error


@pytest.mark.parametrize(
    "closed, inside, outside",
    [
        ("both", [0, 1, 0.5], [-0.01, 1.01]),
        ("left", [0, 0.99], [1, -1e-9]),
        ("right", [1, 1e-9], [0, 1.5]),
        ("neither", [0.5], [0, 1]),
    ],
)
def test_interval_bounds_follow_closed(closed, inside, outside):
    interval = v.Interval(Real, 0, 1, closed=closed)
    assert all(interval.is_satisfied_by(x) for x in inside)
    assert not any(interval.is_satisfied_by(x) for x in outside)


def test_booleans_nan_and_inf_are_not_numbers():
    whole, real = v.Interval(Integral, None, None), v.Interval(Real, None, None)
    for value in (True, False):
        assert not whole.is_satisfied_by(value) and not real.is_satisfied_by(value)
    for value in (math.nan, math.inf, -math.inf, np.float64("nan")):
        assert not real.is_satisfied_by(value)
    assert whole.is_satisfied_by(np.int8(3)) and real.is_satisfied_by(np.float32(0.5))
    assert not whole.is_satisfied_by(3.0)  # a float is not a whole number here


def test_every_declaration_refuses_in_the_one_format():
    declared = [p for p in vars(v).values() if isinstance(p, v.Param)]
    assert len(declared) >= 15
    for param in declared:
        with pytest.raises(v.ParameterError) as caught:
            param.check(object())
        text = str(caught.value)
        assert text.startswith(f"{param.name} must be ") and "(got <object object" in text
        assert text.split("); ", 1)[1] == param.fix
        assert is_user_error(caught.value)


def test_check_can_raise_a_subclass_and_rename():
    with pytest.raises(DataError, match=r"^rank_budget must be an integer >= 2 \(got 1\)"):
        v.BUDGET.check(1, name="rank_budget", error=DataError)
    assert v.BUDGET.check(2) == 2 and v.OPTIONAL_BUDGET.check(None) is None
    with pytest.raises(AdvisorError):
        v.BUDGET.check(None)


def test_long_values_are_cut_in_the_message():
    with pytest.raises(v.ParameterError) as caught:
        v.SEED.check("x" * 500)
    assert len(str(caught.value)) < 300 and "..." in str(caught.value)


def test_validate_params_checks_defaults_and_rejects_unknown_names():
    @v.validate_params({"budget": v.BUDGET})
    def f(*, budget=1):
        return budget

    with pytest.raises(v.ParameterError, match=r"budget must be .* \(got 1\)"):
        f()  # a bad default is caught too
    assert f(budget=5) == 5
    with pytest.raises(TypeError, match="no argument"):
        v.validate_params({"nope": v.SEED})(lambda seed=0: seed)
