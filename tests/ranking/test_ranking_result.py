"""Ranking records, ordering and serialisation (no models: scores given directly)."""

import csv
import io
import json
import math

import numpy as np
import pandas as pd
import pytest

from advisor.errors import AdvisorError
from advisor.ranking.fusion import FusionResult
from advisor.ranking.result import Ranking, Suggestion, build_ranking


def _fusion(final: dict, contributions: dict | None = None) -> FusionResult:
    final_series = pd.Series(final, dtype=float)
    frame = pd.DataFrame(contributions or {}, index=final_series.index, dtype=float)
    return FusionResult(final=final_series, contributions=frame, method="test fusion")


@pytest.fixture
def ranking() -> Ranking:
    scores = pd.DataFrame(
        {"logme": [0.4, 1.2, np.nan], "knn": [0.95, 0.9, 0.3]}, index=["b", "a", "c"]
    )
    fused = _fusion(
        {"a": 0.8, "b": 0.7, "c": -1.0},
        {"logme": [0.5, -0.5, np.nan], "knn": [0.1, 0.3, -1.0], "prior": [0.2, 0.0, 0.1]},
    )
    uncertainty = pd.DataFrame(
        {
            "rank_low": [1, 1, 3],
            "rank_high": [2, 2, 3],
            "p_best": [0.6, 0.4, 0.0],
            "too_close": [False, True, False],
        },
        index=["a", "b", "c"],
    )
    extra = {
        c: {"extract_seconds": np.float64(1.5), "cached": False, "probe_seconds": 0.1}
        for c in "abc"
    }
    return build_ranking(
        scores,
        {},
        fused,
        extra=extra,
        uncertainty=uncertainty,
        failures={"d": "weights missing"},
        settings={"seed": 3},
    )


def test_records_are_best_first_with_contiguous_ranks(ranking):
    assert ranking.candidates == ["a", "b", "c"]
    assert [r["rank"] for r in ranking.records] == [1, 2, 3]
    assert ranking.best == "a" and ranking.record("a") is ranking.records[0]
    assert ranking.failures == {"d": "weights missing"}


def test_probe_ranks_are_per_probe_and_missing_probe_has_no_rank(ranking):
    by_id = {r["candidate"]: r for r in ranking.records}
    assert by_id["a"]["logme_rank"] == 1 and by_id["b"]["logme_rank"] == 2
    assert by_id["c"]["logme_rank"] is None and math.isnan(by_id["c"]["logme"])
    assert [by_id[c]["knn_rank"] for c in "bac"] == [1, 2, 3]


def test_records_carry_uncertainty_costs_and_plain_types(ranking):
    top = ranking.records[0]
    assert top["p_best"] == 0.6 and top["rank_low"] == 1 and top["rank_high"] == 2
    assert ranking.records[1]["too_close"] is True
    assert type(top["extract_seconds"]) is float  # numpy scalars become Python scalars
    assert set(top) >= {
        "candidate",
        "rank",
        "final_score",
        "logme",
        "knn",
        "params_m",
        "extract_seconds",
        "availability",
        "why",
    }


def test_why_names_strongest_and_weakest_evidence(ranking):
    by_id = {r["candidate"]: r for r in ranking.records}
    assert by_id["a"]["why"] == (
        "Strongest evidence: logme ranks it 1st of 3; weakest: knn ranks "
        "it 2nd of 3; top on 1 of 2 probes."
    )
    assert by_id["b"]["why"].startswith("Strongest evidence: knn ranks it 1st of 3")
    # A non-probe component is named in words with its contribution.
    assert by_id["c"]["why"].startswith("Strongest evidence: catalog prior (+0.10); weakest: knn")


def test_json_is_strict_and_round_trips(ranking):
    text = ranking.to_json()
    obj = json.loads(text)  # NaN would make this json invalid for strict parsers
    assert "NaN" not in text
    assert set(obj) >= {"ranking", "failures", "settings", "probes", "fusion", "excluded"}
    assert set(obj) >= {"suggestion", "pareto_cost", "notes", "probe_errors"}
    assert obj["ranking"][2]["logme"] is None
    assert obj["probes"] == ["logme", "knn"] and obj["fusion"] == "test fusion"
    again = Ranking.from_json(text)
    assert again.candidates == ranking.candidates
    assert math.isnan(again.records[2]["logme"])
    assert again.records[0] == ranking.records[0]


def test_csv_and_pandas_and_markdown_agree(ranking):
    frame = ranking.to_pandas()
    assert list(frame["candidate"]) == ["a", "b", "c"]
    assert str(frame["logme_rank"].dtype) == "Int64"
    rows = list(csv.DictReader(io.StringIO(ranking.to_csv())))
    assert [r["candidate"] for r in rows] == ["a", "b", "c"] and rows[0]["logme_rank"] == "1"
    markdown = ranking.to_markdown().splitlines()
    assert markdown[0].startswith("| rank | candidate | final_score | p_best")
    assert markdown[2].startswith("| 1 | a | 0.800 |")
    assert any("`d`: weights missing" in line for line in markdown)


def test_candidate_without_final_score_goes_last():
    scores = pd.DataFrame({"logme": [np.nan, 0.1]}, index=["x", "y"])
    built = build_ranking(scores, {}, _fusion({"x": np.nan, "y": -3.0}))
    assert built.candidates == ["y", "x"]
    assert built.records[1]["why"] == "No probe could be computed for this candidate."


def test_empty_ranking_best_explains_failures():
    empty = Ranking(records=[], probes=["logme"], failures={"m": "no weights"})
    with pytest.raises(AdvisorError, match="m: no weights"):
        _ = empty.best


def test_from_json_rejects_other_json():
    with pytest.raises(AdvisorError, match="advisor rank --format json"):
        Ranking.from_json('{"rows": []}')


def test_a_lone_candidate_is_not_called_best_of_one():
    scores = pd.DataFrame({"logme": [0.3]}, index=["only"])
    built = build_ranking(scores, {}, _fusion({"only": 0.0}, {"logme": [0.0]}))
    assert built.records[0]["logme_rank"] == 1
    assert "nothing to compare" in built.records[0]["why"]


def test_terminal_table_shows_uncertainty_front_and_notes(ranking):
    from advisor.cli.rank_output import render

    for record in ranking.records:
        record["pareto"] = record["candidate"] != "c"
    ranking.suggestion = Suggestion("b", "a", "cheaper")
    ranking.notes.append("a note the reader must see")
    text = render(ranking, "table", color=False)
    lines = text.splitlines()
    row_a = next(line for line in lines if "│ a " in line)
    assert "p=0.60 · rank 1-2" in row_a and "1.6s *" in row_a
    assert "too close" in next(line for line in lines if "│ b " in line)
    assert "consider b instead of a: cheaper" in text
    assert "note: a note the reader must see" in text
    assert "failed: d: weights missing" in text
    assert "* on the Pareto front of final score against parameters" in text
    assert text.splitlines()[-2].startswith("settings: ")


def test_outcomes_have_fields_and_survive_the_json_round_trip(ranking):
    ranking.suggestion = Suggestion("b", "a", "cheaper and too close to call")
    ranking.excluded["big"] = "300M parameters is over max_params_m=100"
    ranking.pareto_cost = "latency_ms"
    ranking.notes.append("bootstrap skipped")
    ranking.probe_errors["c"] = {"logme": "too few examples"}
    again = Ranking.from_json(ranking.to_json())
    assert again.suggestion == ranking.suggestion and isinstance(again.suggestion, Suggestion)
    assert again.excluded == ranking.excluded and again.pareto_cost == "latency_ms"
    assert again.notes == ranking.notes and again.probe_errors == ranking.probe_errors
    assert again.settings == {"seed": 3}  # only the inputs


def test_older_files_with_outcomes_in_settings_still_load(ranking):
    obj = json.loads(ranking.to_json())
    for key in ("excluded", "suggestion", "pareto_cost", "notes", "probe_errors"):
        obj.pop(key)
    obj["settings"].update(
        excluded={"big": "too big"},
        suggestion={"candidate": "b", "instead_of": "a", "reason": "cheaper"},
        pareto_cost="params_m",
        fusion_notes=["signal ignored"],
        bootstrap_error="a class has 1 example",
    )
    again = Ranking.from_json(json.dumps(obj))
    assert again.settings == {"seed": 3}
    assert again.excluded == {"big": "too big"} and again.suggestion.candidate == "b"
    assert again.pareto_cost == "params_m"
    assert again.notes[0] == "signal ignored" and "a class has 1 example" in again.notes[1]


def test_an_older_file_whose_order_the_bootstrap_disputes_is_reconciled_on_load(ranking):
    obj = json.loads(ranking.to_json())
    obj.pop("notes")
    obj["ranking"][0]["p_best"], obj["ranking"][1]["p_best"] = 0.3, 0.7
    again = Ranking.from_json(json.dumps(obj))
    assert again.records[0]["too_close"] and again.records[1]["too_close"]
    assert any(n.startswith("too close to call: b wins") for n in again.notes)


def test_best_is_the_candidate_id_and_table_is_gone(ranking):
    assert ranking.best == ranking.records[0]["candidate"] == "a"
    assert not hasattr(ranking, "table")
    with pytest.raises(AdvisorError, match="'zz' is not in this ranking; pass one of a, b, c"):
        ranking.record("zz")


def _with_p_best(p_best: dict) -> Ranking:
    scores = pd.DataFrame({"knn": [0.9, 0.8, 0.1]}, index=["a", "b", "c"])
    uncertainty = pd.DataFrame(
        {"rank_low": [1, 1, 3], "rank_high": [2, 2, 3], "p_best": pd.Series(p_best)},
        index=["a", "b", "c"],
    )
    uncertainty["too_close"] = [False, True, False]
    fused = _fusion({"a": 0.5, "b": 0.4, "c": -1.0})
    return build_ranking(scores, {}, fused, uncertainty=uncertainty)


def test_a_bootstrap_favourite_below_rank_one_is_named_and_both_flagged():
    built = _with_p_best({"a": 0.3, "b": 0.7, "c": 0.0})
    a, b, c = built.records
    assert (a["candidate"], a["too_close"], b["too_close"], c["too_close"]) == (
        "a",
        True,
        True,
        False,
    )
    (note,) = [n for n in built.notes if "too close to call" in n]
    assert "b wins more bootstrap resamples (P(best) 0.70)" in note and "a (0.30)" in note


@pytest.mark.parametrize("p_best", [{"a": 0.7, "b": 0.3, "c": 0.0}, {"a": 0.5, "b": 0.5, "c": 0.0}])
def test_when_rank_one_leads_the_bootstrap_nothing_is_added(p_best):
    built = _with_p_best(p_best)
    assert built.records[0]["too_close"] is False and built.notes == []
