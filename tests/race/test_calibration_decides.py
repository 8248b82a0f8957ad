"""A seconds budget that only buys the calibration rung: that rung decides, and every surface
(the result, the CLI table, the settled ranking, the TUI status) says so."""

from __future__ import annotations

from advisor.engines.base import RungResult, TrialOutcome
from advisor.race.api import _calibration_note
from advisor.race.result import RaceResult
from advisor.race.schedule import extend_for_seconds, parse_budget, plan_race, promote
from advisor.race.settle import settle
from tests.tui.test_snapshots import fixed_ranking


def calibration_rung(plan, accuracy: dict[str, float], seconds: float) -> RungResult:
    outcomes = {
        c: TrialOutcome(c, plan.min_steps, acc, 0.5, seconds, seconds / 2, False)
        for c, acc in accuracy.items()
    }
    promoted = promote(accuracy, plan.candidates, plan.keep_after(0))
    return RungResult(0, plan.min_steps, outcomes, promoted, seconds=seconds * len(accuracy))


def test_the_calibration_rung_decides_and_every_surface_says_so():
    ranking = fixed_ranking()
    first, second = ranking.candidates[:2]
    plan = plan_race([first, second], parse_budget("60s"), min_steps=8)
    rung = calibration_rung(plan, {first: 0.90, second: 0.95}, seconds=40.0)
    # 80 s spent of 60: nothing is left for a halving round.
    final = extend_for_seconds(plan, spent_s=80.0, step_s=2.0, overhead_s=5.0)
    assert final.planned and final.rungs == (8,)
    (note,) = _calibration_note(plan, [rung])
    assert note.startswith("the 60 s budget bought only the calibration rung (80 s for 8 steps")
    assert "overspent the budget by 20 s" in note

    result = RaceResult(
        data="digits",
        protocol="p",
        budget=plan.budget.describe(),
        eta=2,
        candidates=[first, second],
        rungs=[rung],
        engine="local",
        seconds=80.0,
        notes=[note],
    )
    assert result.winner == second and result.order == [second, first]
    settled = settle(ranking, result)
    assert settled.best == second and note in settled.notes

    from advisor.cli.race_cmd import render_race
    from advisor.tui.components.race_view import outcome_text

    assert "note: the 60 s budget bought only the calibration rung" in render_race(result.to_dict())
    assert "bought only the calibration rung" in outcome_text(result, {})


def test_a_race_with_rungs_after_the_calibration_has_no_note():
    plan = plan_race(["a", "b"], parse_budget("600s"), min_steps=8)
    rung = calibration_rung(plan, {"a": 0.9, "b": 0.8}, seconds=10.0)
    assert len(extend_for_seconds(plan, spent_s=20.0, step_s=1.0, overhead_s=2.0).rungs) > 1
    rungs = [rung, RungResult(1, 100, rung.outcomes, ["a"])]
    assert _calibration_note(plan, rungs) == []
