"""advisor.race checks its arguments with the shared declarations, before any training."""

import pytest

import advisor
from advisor.race import race
from advisor.race.schedule import RaceBudget, plan_race
from advisor.validation import ParameterError

TWO = ["resnet18.a1_in1k", "resnet34.a1_in1k"]


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"eta": 1}, r"^eta must be an integer >= 2 \(got 1\); pass the reduction factor"),
        ({"min_steps": 0}, r"^min_steps must be an integer >= 1 \(got 0\)"),
        ({"epochs": 0}, r"^epochs must be an integer >= 1 \(got 0\)"),
        ({"seed": -1}, r"^seed must be an integer >= 0 \(got -1\)"),
        ({"budget": 0}, r"^budget must be an integer >= 1, a text such as '600s'"),
        ({"budget": 2.5}, r"^budget must be .* \(got 2\.5\)"),
        ({"data_budget": 1}, r"^data_budget must be an integer >= 2"),
    ],
)
def test_bad_race_arguments_get_the_one_message_format(tmp_path, options, expected):
    with pytest.raises(ParameterError, match=expected):
        race("digits", TWO, output=tmp_path / "race", **options)
    assert not (tmp_path / "race").exists()


def test_top_is_checked_as_a_race_needs_it(tmp_path):
    ranking = advisor.fuse([{"candidate": c, "logme": float(i)} for i, c in enumerate(TWO)])
    with pytest.raises(ParameterError, match=r"^top must be an integer >= 2 \(got 1\); a race"):
        race("digits", ranking=ranking, top=1, output=tmp_path / "race")
    assert not (tmp_path / "race").exists()


def test_a_budget_text_keeps_the_parser_message_and_a_parsed_budget_is_taken(tmp_path):
    with pytest.raises(ParameterError, match="race_budget must be a positive number"):
        race("digits", TWO, budget="soon", output=tmp_path / "race")
    # a RaceBudget passes the check; the plan then refuses a budget too small to race
    with pytest.raises(advisor.AdvisorError, match="give at least"):
        race("digits", TWO, budget=RaceBudget(steps=3), output=tmp_path / "race")


def test_the_plan_uses_the_same_declarations():
    with pytest.raises(ParameterError, match=r"^eta must be an integer >= 2 \(got 1\.5\)"):
        plan_race(TWO, RaceBudget(steps=100), eta=1.5)
    with pytest.raises(ParameterError, match=r"^min_steps must be an integer >= 1 \(got True\)"):
        plan_race(TWO, RaceBudget(steps=100), min_steps=True)
