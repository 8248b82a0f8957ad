"""advisor.jsonable.to_jsonable, the one JSON conversion, as properties."""

import dataclasses
import enum
import json
import math
from pathlib import Path, PurePosixPath

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.jsonable import dumps, to_jsonable

floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
numpy_scalars = st.one_of(
    floats.map(np.float64),
    st.floats(width=32, allow_nan=True, allow_infinity=True).map(np.float32),
    st.integers(-(2**62), 2**62).map(np.int64),
    st.integers(0, 255).map(np.uint8),
    st.booleans().map(np.bool_),
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    floats,
    st.text(max_size=8),
    numpy_scalars,
    st.text("abc/", min_size=1, max_size=8).map(PurePosixPath),
)
keys = st.one_of(st.text(max_size=6), st.integers(-5, 5))
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(keys, inner, max_size=4),
        st.lists(st.floats(allow_nan=True, width=64), max_size=5).map(
            lambda v: np.array(v, dtype=float)
        ),
    ),
    max_leaves=20,
)


def plain(value) -> bool:
    """Only the types strict JSON has, with finite floats and str keys."""
    if value is None or isinstance(value, bool | str | int):
        return type(value) in (type(None), bool, str, int)
    if isinstance(value, float):
        return type(value) is float and math.isfinite(value)
    if isinstance(value, list):
        return type(value) is list and all(plain(v) for v in value)
    if isinstance(value, dict):
        return type(value) is dict and all(type(k) is str and plain(v) for k, v in value.items())
    return False


@settings(max_examples=200, deadline=None)
@given(values)
def test_output_is_plain_strict_json_that_round_trips(value):
    converted = to_jsonable(value)
    assert plain(converted)
    assert json.loads(dumps(converted)) == converted  # allow_nan=False: no NaN slipped through


@settings(max_examples=200, deadline=None)
@given(values)
def test_conversion_is_idempotent(value):
    once = to_jsonable(value)
    assert to_jsonable(once) == once


@settings(max_examples=200, deadline=None)
@given(floats)
def test_finite_floats_are_kept_exactly_and_the_rest_become_null(x):
    for value in (x, np.float64(x)):
        out = to_jsonable(value)
        assert out is None if not math.isfinite(x) else (out == x and type(out) is float)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), max_size=6), st.integers(0, 6))
def test_digits_rounds_floats_only(xs, digits):
    out = to_jsonable({"xs": xs, "n": 7, "flag": True}, digits=digits)
    assert out["xs"] == [round(x, digits) for x in xs]
    assert out["n"] == 7 and out["flag"] is True


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-1000, 1000), max_size=6))
def test_numpy_arrays_and_tuples_become_lists_of_python_numbers(xs):
    assert to_jsonable(np.array(xs, dtype=np.int32)) == xs
    assert to_jsonable(tuple(xs)) == xs
    assert all(type(v) is int for v in to_jsonable(np.array(xs, dtype=np.int64)))


def test_structured_values():
    class Colour(enum.Enum):
        RED = "red"

    @dataclasses.dataclass
    class Point:
        x: float
        where: Path

    value = {
        "p": Point(float("nan"), Path("/tmp/x")),
        "c": Colour.RED,
        3: {1, 2},
        "nested": [{"a": np.float32(0.5)}],
        "zero_d": np.array(2.5),
        "obj": object,
    }
    out = to_jsonable(value)
    assert out["p"] == {"x": None, "where": "/tmp/x"}
    assert out["c"] == "red" and out["3"] == [1, 2]
    assert out["nested"] == [{"a": 0.5}] and out["zero_d"] == 2.5
    assert out["obj"] == str(object)  # anything else: written as json.dumps(default=str) would


def test_pandas_missing_values_become_null():
    pd = pytest.importorskip("pandas")
    assert to_jsonable([pd.NA, pd.NaT, pd.Series([1.0, np.nan])]) == [None, None, [1.0, None]]
