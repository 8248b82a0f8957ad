"""Real races on tiny backbones: exact resume across rungs, caching, cancel, the verdict."""

from __future__ import annotations

import threading

import pytest

import advisor.race as race_api
from advisor.errors import AdvisorError, Cancelled
from advisor.finetuning.trial import read_rungs, train_steps

from .conftest import RECIPE, tiny


def test_a_trial_paused_at_a_rung_and_resumed_equals_one_run(digits, tmp_path):
    build = tiny("test_efficientnet")
    whole = train_steps(
        digits, build(), candidate="m", output=tmp_path / "whole", steps=10, epochs=2, recipe=RECIPE
    )
    first = train_steps(
        digits, build(), candidate="m", output=tmp_path / "parts", steps=4, epochs=2, recipe=RECIPE
    )
    resumed = train_steps(
        digits, build(), candidate="m", output=tmp_path / "parts", steps=10, epochs=2, recipe=RECIPE
    )
    assert first.steps == 4 and resumed.steps == whole.steps == 10
    assert resumed.val_loss == pytest.approx(whole.val_loss, abs=1e-6)
    assert resumed.val_accuracy == whole.val_accuracy
    assert set(read_rungs(tmp_path / "parts")) == {"4", "10"}


def test_a_trial_past_its_schedule_finishes_and_stays_finished(digits, tmp_path):
    # 105 training examples at batch 16: 7 steps an epoch, 14 in 2 epochs
    out = train_steps(
        digits,
        tiny("test_resnet")(),
        candidate="m",
        output=tmp_path,
        steps=50,
        epochs=2,
        recipe=RECIPE,
    )
    assert out.finished and out.steps == 14
    again = train_steps(
        digits, None, candidate="m", output=tmp_path, steps=80, epochs=2, recipe=RECIPE
    )
    assert again.cached and again.val_accuracy == out.val_accuracy


def test_a_race_eliminates_by_validation_accuracy_and_reruns_from_cache(digits, models, tmp_path):
    events = []
    result = race_api.race(
        digits,
        list(models),
        budget=60,
        min_steps=4,
        epochs=3,
        models=models,
        output=tmp_path,
        progress=events.append,
        **RECIPE,
    )
    first, last = result.rungs[0], result.rungs[-1]
    assert len(first.outcomes) == 3 and len(last.outcomes) == 2
    ranked = sorted(
        first.outcomes, key=lambda c: (-first.outcomes[c].val_accuracy, list(models).index(c))
    )
    assert set(last.outcomes) == set(ranked[:2])
    assert result.winner == last.promoted[0]
    assert result.order[0] == result.winner and sorted(result.order) == sorted(models)
    assert [type(e).__name__ for e in events].count("RungDone") == 2
    assert (tmp_path / "race.json").exists()

    again = race_api.race(
        digits,
        list(models),
        budget=60,
        min_steps=4,
        epochs=3,
        models=models,
        output=tmp_path,
        **RECIPE,
    )
    assert again.order == result.order
    assert all(o.cached for rung in again.rungs for o in rung.outcomes.values())


def test_a_cancelled_race_stops_and_resumes_where_it_was(digits, models, tmp_path):
    cancel = threading.Event()

    def stop_after_first_trial(event):
        if type(event).__name__ == "TrialDone":
            cancel.set()

    with pytest.raises(Cancelled):
        race_api.race(
            digits,
            list(models),
            budget=60,
            min_steps=4,
            epochs=3,
            models=models,
            output=tmp_path,
            cancel=cancel,
            progress=stop_after_first_trial,
            **RECIPE,
        )
    trained = [p for p in tmp_path.iterdir() if read_rungs(p)]
    assert len(trained) == 1
    result = race_api.race(
        digits,
        list(models),
        budget=60,
        min_steps=4,
        epochs=3,
        models=models,
        output=tmp_path,
        **RECIPE,
    )
    cached = [c for c, o in result.rungs[0].outcomes.items() if o.cached]
    assert cached == [trained[0].name]


def test_race_arguments_are_checked_before_any_training(digits, tmp_path):
    with pytest.raises(AdvisorError, match="at least 2 candidates"):
        race_api.race(digits, ["only_one"], output=tmp_path)
    with pytest.raises(AdvisorError, match="race_budget must be"):
        race_api.race(digits, ["a", "b"], budget="soon", output=tmp_path)
    with pytest.raises(AdvisorError, match="race needs candidates"):
        race_api.race(digits, output=tmp_path)
    assert not any(tmp_path.iterdir())


def test_the_race_verdict_reorders_the_ranking_it_raced(digits, models, tmp_path):
    import advisor
    from advisor.race.settle import settle
    from advisor.ranking import Ranking

    ids = list(models)
    # a real fused ranking (scores computed elsewhere) that puts the candidates in reverse
    scores = {"candidate": ids[::-1], "logme": [3.0, 2.0, 1.0], "knn": [0.9, 0.8, 0.7]}
    import pandas as pd

    ranking = advisor.fuse(pd.DataFrame(scores))
    result = race_api.race(
        digits,
        ranking=ranking,
        top=3,
        budget=60,
        min_steps=4,
        epochs=3,
        models=models,
        output=tmp_path,
        **RECIPE,
    )
    settled = settle(ranking, result)
    assert settled.candidates == result.order
    assert [r["rank"] for r in settled.records] == [1, 2, 3]
    assert all(r["decided_by"] == "race" for r in settled.records)
    winner = settled.records[0]
    assert winner["race_val_accuracy"] == result.rungs[-1].outcomes[result.winner].val_accuracy
    assert "race (60 steps" in settled.notes[-1]
    again = Ranking.from_json(settled.to_json())
    assert again.race["winner"] == result.winner and again.candidates == settled.candidates


def test_a_seconds_budget_race_resumes_with_the_rungs_it_planned(digits, models, tmp_path):
    # 15 s is sized for CPU trials; on a GPU, CUDA's start-up and first-shape set-up took
    # 12 s of it (an H200 shared by 8 test processes), and this test is about the plan
    options = dict(
        budget="15s", min_steps=4, epochs=40, models=models, output=tmp_path, device="cpu"
    )
    cancel = threading.Event()
    planned = []

    def stop_once_planned(event):
        if type(event).__name__ == "RacePlanned":
            planned.append(event.rungs)
            cancel.set()

    with pytest.raises(Cancelled):
        race_api.race(
            digits, list(models), cancel=cancel, progress=stop_once_planned, **RECIPE, **options
        )
    (rungs,) = planned
    assert rungs[0] == 4 and len(rungs) == 3 and rungs[1] > 4
    # Resumed, the calibration rung is read back (nothing to price a step with): the race
    # must still ask for the planned steps, not re-plan from cached trials.
    result = race_api.race(digits, list(models), **RECIPE, **options)
    assert tuple(r.steps for r in result.rungs) == rungs
    assert all(o.cached for o in result.rungs[0].outcomes.values())
    again = race_api.race(digits, list(models), **RECIPE, **options)
    assert again.order == result.order
    assert all(o.cached for rung in again.rungs for o in rung.outcomes.values())


def test_a_budget_the_calibration_spends_is_decided_there_and_a_larger_one_resumes_it(
    digits, models, tmp_path
):
    options = dict(min_steps=4, epochs=40, models=models, output=tmp_path)
    short = race_api.race(digits, list(models), budget="1s", **RECIPE, **options)
    # Nothing was left for a halving round: the calibration rung's validation accuracies
    # decide, and the result says so instead of failing after the seconds were spent.
    (calibrated,) = short.rungs
    accuracy = {c: o.val_accuracy for c, o in calibrated.outcomes.items()}
    assert short.winner == max(accuracy, key=lambda c: (accuracy[c], -list(models).index(c)))
    assert short.total_steps == 4 * len(models)
    (note,) = short.notes
    assert "bought only the calibration rung" in note and "overspent the budget" in note
    from advisor.cli.race_cmd import render_race

    assert "note: the 1 s budget bought only the calibration rung" in render_race(short.to_dict())
    planned = []
    result = race_api.race(
        digits, list(models), budget="15s", progress=planned.append, **RECIPE, **options
    )
    (plan,) = [e for e in planned if type(e).__name__ == "RacePlanned"]
    calibration = result.rungs[0].outcomes.values()
    assert all(o.cached and o.seconds > o.train_seconds > 0 for o in calibration)
    # Priced from what the calibration trials cost when trained, not a default 1 s a step.
    assert plan.step_s == pytest.approx(
        sum(o.train_seconds / o.steps for o in calibration) / len(calibration)
    )
    assert plan.overhead_s > 0
