"""Every public function refuses a bad argument with AdvisorError in the one message format,
before any work: the argument's name, what it must be, the value given, and the fix."""

from __future__ import annotations

import re
import textwrap
import warnings

import numpy as np
import pytest

import advisor
from advisor.errors import AdvisorError, DataError
from advisor.validation import BUDGET, ParameterError
from tests.helpers.datasets import make_features_npz

# "<param> must be <constraint> (got <value!r>); <fix>"
FORMAT = re.compile(r"^(?P<name>\w+) must be .+ \(got .+\); \S.+$")


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    path = make_features_npz(tmp_path_factory.mktemp("npz") / "f.npz", n_per_class=8, num_classes=3)
    return str(path)


def assert_names(exc: pytest.ExceptionInfo, name: str) -> None:
    assert isinstance(exc.value, AdvisorError)
    match = FORMAT.match(str(exc.value))
    assert match, str(exc.value)
    assert match["name"] == name


RANK_CASES = [
    ("candidates", 42),
    ("candidates", {"a": 1}),
    ("candidates", ""),
    ("catalog", 3),
    ("catalog", ["a.toml"]),
    ("budget", 1),
    ("budget", 0),
    ("budget", 2.5),
    ("budget", True),
    ("budget", "100"),
    ("seed", -1),
    ("seed", 1.5),
    ("seed", True),
    ("seed", None),
    ("min_per_class", 0),
    ("min_per_class", 2.0),
    ("bootstrap", -1),
    ("bootstrap", 2.5),
    ("bootstrap", "yes"),
    ("max_params_m", 0),
    ("max_params_m", float("nan")),
    ("max_params_m", "big"),
    ("max_latency_ms", -5),
    ("max_latency_ms", float("inf")),
    ("probes", []),
    ("probes", 3),
    ("probes", ["logme", 3]),
    ("progress", "print"),
    ("cancel", True),
    ("device", 3),
    ("cache_dir", 3),
]


@pytest.mark.parametrize("name, value", RANK_CASES)
def test_rank_names_the_bad_argument(features, name, value):
    with pytest.raises(ParameterError) as caught:
        advisor.rank(features, **{name: value})
    assert_names(caught, name)
    assert repr(value)[:20] in str(caught.value)


def test_the_two_reported_cases_are_user_errors(features):
    with pytest.raises(AdvisorError, match=r"^candidates must be .* \(got 42\)"):
        advisor.rank(features, candidates=42)
    with pytest.raises(AdvisorError, match=r"nonexistent\.toml does not exist"):
        advisor.rank(features, catalog="/nonexistent.toml")


def test_a_catalog_path_is_loaded_and_used(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        textwrap.dedent(
            """
            [[model]]
            id = "my-net"
            modality = "image"
            source = "timm"
            architecture = "resnet18"
            hub_id = "timm/resnet18.a1_in1k"
            params_m = 11
            """
        ),
        encoding="utf-8",
    )
    # The budget excludes the one entry by its catalog size: proof the file was read, and
    # nothing is downloaded.
    with pytest.raises(AdvisorError, match="my-net: 11M parameters is over max_params_m=1"):
        advisor.rank("digits", candidates=["my-net"], catalog=path, max_params_m=1, budget=50)


def test_options_are_keyword_only(features):
    with pytest.raises(ParameterError, match="too many positional arguments"):
        advisor.rank(features, None, ["logme"])
    with pytest.raises(ParameterError, match="unexpected keyword argument 'budjet'"):
        advisor.rank(features, budjet=10)


def test_rank_and_subsample_agree_on_budget(features):
    from advisor.data import subsample

    data = advisor.load_data(features)
    for bad in (1, 0, -3, 2.5):
        with pytest.raises(DataError) as in_subsample:
            subsample(data, budget=bad)
        with pytest.raises(ParameterError) as in_rank:
            advisor.rank(features, budget=bad)
        assert str(in_subsample.value) == BUDGET.describe_error(bad)
        assert str(in_rank.value).startswith(
            f"budget must be an integer >= 2, 'auto' or 'auto:N' (at most N examples) or None "
            f"(got {bad!r})"
        )
    subset, _ = subsample(data, budget=2, min_per_class=1)  # the smallest budget both accept
    assert len(subset) >= 2


FINETUNE_CASES = [
    ("epochs", 0),
    ("epochs", 1.5),
    ("seed", "0"),
    ("resume", "yes"),
    ("overwrite", 1),
    ("output", 3),
    ("progress", 1),
    ("cancel", object()),
    ("recipe", 3),
]


@pytest.mark.parametrize("name, value", FINETUNE_CASES)
def test_finetune_names_the_bad_argument(features, tmp_path, name, value):
    output = tmp_path / "run"
    kwargs = {"output": output, name: value}
    with pytest.raises(ParameterError) as caught:
        advisor.finetune(features, **kwargs)
    assert_names(caught, name)
    assert not output.exists()  # refused before a run folder was made


@pytest.mark.parametrize("option, value", [("lr", 0), ("batch_size", 0), ("lr", float("nan"))])
def test_finetune_recipe_options_use_the_same_declarations(features, tmp_path, option, value):
    output = tmp_path / "run"
    with pytest.raises(ParameterError) as caught:
        advisor.finetune(features, output=output, **{option: value})
    assert_names(caught, option)
    assert not output.exists()


def test_finetune_refuses_an_option_given_twice_and_a_bad_model(features, tmp_path):
    with pytest.raises(ParameterError, match="both set lr"):
        advisor.finetune(features, recipe={"lr": 1e-3}, lr=2e-3, output=tmp_path / "a")
    with pytest.raises(ParameterError) as caught:
        advisor.finetune("digits", 3, output=tmp_path / "b")
    assert_names(caught, "model")
    with pytest.raises(ParameterError, match="too many positional arguments"):
        advisor.finetune(features, None, tmp_path / "c")


VERIFY_CASES = [
    ("top", 1),
    ("top", True),
    ("epochs", 0),
    ("budget", 1),
    ("rank_budget", 1),
    ("ranking", "ranking.json"),
    ("models", [1]),
    ("plot", "no"),
    ("all", 1),
    ("seed", -2),
]


@pytest.mark.parametrize("name, value", VERIFY_CASES)
def test_verify_names_the_bad_argument(features, tmp_path, name, value):
    with pytest.raises(ParameterError) as caught:
        advisor.verify(features, output=tmp_path / "v", **{name: value})
    assert_names(caught, name)


def test_numpy_integers_are_whole_numbers(features):
    ranking = advisor.rank(features, probes=["knn"], budget=np.int64(12), seed=np.int32(1))
    assert ranking.settings["budget"] == 12 and len(ranking.records) == 1


def test_load_is_a_deprecated_alias_of_load_predictor():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = advisor.load
    assert old is advisor.load_predictor
    (warning,) = caught
    assert warning.category is DeprecationWarning and "advisor.load_predictor" in str(
        warning.message
    )
    assert warning.filename == __file__  # points at the caller's line
    assert "load" not in advisor.__all__ and "load_predictor" in advisor.__all__


def test_progress_events_are_frozen_typed_records(features):
    import dataclasses

    from advisor import events as ev

    seen = []
    advisor.rank(features, probes=["knn"], progress=seen.append)
    assert [type(e) for e in seen] == [
        ev.CandidateStarted,
        ev.Probing,
        ev.CandidateDone,
        ev.PhaseStarted,
    ]
    assert seen[2].record["candidate"] == "features" and 0 <= seen[2].record["knn"] <= 1
    assert seen[-1].phase == "fusing"  # one candidate: nothing to bootstrap
    with pytest.raises(dataclasses.FrozenInstanceError):
        seen[0].candidate = "other"
