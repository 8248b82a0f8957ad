"""`advisor rank --budget auto` as a user runs it (a subprocess on a real features file)."""

import json

import pytest

from tests.helpers.datasets import make_features_npz
from tests.ranking.test_rank_cli import run_advisor

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    # 600 real digit pixel vectors, 10 classes: the one pseudo-candidate "features".
    return make_features_npz(tmp_path_factory.mktemp("anytime-cli") / "f.npz", 60, 10)


def test_budget_auto_ranks_in_rounds_and_says_so(features):
    result = run_advisor(features, "--budget", "auto:400", "--probes", "logme,knn", "-f", "json")
    assert result.returncode == 0, result.stderr
    ranking = json.loads(result.stdout)
    assert ranking["settings"]["budget"] == "auto:400"
    info = ranking["settings"]["anytime"]
    assert info["planned"] == [200, 400] and len(info["rounds"]) == 1  # one candidate: done
    assert ranking["ranking"][0]["examples"] == 200
    said = " ".join(result.stderr.split())
    assert "round 1/2: 200 examples, leader features" in said
    assert "anytime: stopped after round 1 of 2" in said  # the note


@pytest.mark.parametrize("bad, shown", [("nonsense", "'nonsense'"), ("auto:1", "'auto:1'")])
def test_a_bad_budget_exits_2_naming_the_fix(features, bad, shown):
    result = run_advisor(features, "--budget", bad)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    said = " ".join(result.stderr.split())  # as one line, however the terminal wrapped it
    assert "--budget must be an integer >= 2, 'auto' or 'auto:N'" in said
    assert f"(got {shown}); pass a whole number of examples" in said
