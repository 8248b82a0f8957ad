"""The ranking's fidelity features in the TUI: probe columns by the ranking's own fused
weights, a real race of the close calls from the ranking screen (and its cancel / resume),
and the layer modes chosen before scoring.

Races and rankings are real: two tiny random-init timm models (one architecture, two seeds)
on 150 real digits, a race budget of 40 optimizer steps at 32 px.
"""

from __future__ import annotations

import asyncio
import dataclasses

import numpy as np
import pytest

from advisor.data import load_data
from advisor.events import TrialDone, TrialStarted
from advisor.ranking.display import probes_by_weight
from advisor.tui.messages import (
    RaceDone,
    RaceProgress,
    RankingDone,
    WorkCancelled,
    WorkFailed,
)
from advisor.tui.ranking_screen import RankingScreen
from tests.tui.pilot_helpers import RecordingApp, WorkerGate, text_of, wait_until

SIZE = (140, 48)
RECIPE = {"image_size": 32, "batch_size": 16}  # quick trials on CPU


def column_values(table, key: str) -> list[str]:
    return [str(table.get_cell(row, key)) for row in table.rows]


def probe_columns(table, probes) -> list[str]:
    return [key for key in table.shown_columns() if key in probes]


def test_probe_columns_follow_the_weights_this_ranking_fused_with():
    from tests.tui.test_snapshots import fixed_ranking, snapshot_app

    async def go():
        app = snapshot_app()
        async with app.run_test(size=(200, 48)) as pilot:
            base = fixed_ranking()
            probes = list(base.probes)
            # the reverse of the given order, one probe with no say at all
            weights = {p: float(i) for i, p in enumerate(probes)}
            ranking = dataclasses.replace(base, probe_weights=weights)
            app.set_ranking(ranking)
            await app.action_goto("ranking")
            await pilot.pause(0.1)
            table = app.screen.query_one("#ranking-table")
            expected = sorted(probes, key=lambda p: -weights[p])
            assert probe_columns(table, probes) == expected
            detail = text_of(app, "#detail-text")
            positions = [detail.index(f"\n{p} ") for p in expected]
            assert positions == sorted(positions)
            assert "dimmed: no weight in the final score" in detail  # probes[0] has weight 0
            keys = app.screen.sort_keys()
            assert [k for k in keys if k in probes] == expected

    asyncio.run(go())


def small_digits():
    return load_data("digits").subset(np.arange(150))


def rank_tiny(app, tiny_catalog, data, **options):
    import advisor

    return advisor.rank(
        data,
        candidates=[tiny_catalog.tiny_id, tiny_catalog.twin_id],
        catalog=app.catalog(),
        budget=100,
        seed=0,
        bootstrap=False,
        **options,
    )


async def open_race_dialog(app, pilot, *, steps="40", top="2", examples="150") -> None:
    await pilot.press("R")
    await pilot.pause(0.1)
    for selector, value in (("#nd-steps", steps), ("#nd-top", top), ("#nd-examples", examples)):
        app.screen.query_one(selector).value = value
    app.screen.query_one("#nd-examples").focus()


@pytest.mark.slow
def test_a_race_from_the_ranking_screen_becomes_the_final_word(tiny_catalog, tmp_path, monkeypatch):
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(RankingScreen, "race_recipe", RECIPE)
    data = small_digits()

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            ranking = rank_tiny(app, tiny_catalog, data)
            app.set_data(data, "digits")
            app.set_ranking(ranking)
            await app.action_goto("ranking")
            await open_race_dialog(app, pilot)
            await pilot.press("enter")
            await wait_until(
                pilot, lambda: app.of_type(RaceDone) or app.of_type(WorkFailed), 600, "the race"
            )
            assert not app.of_type(WorkFailed), app.of_type(WorkFailed)[0].reason
            await pilot.pause(0.2)
            result = app.of_type(RaceDone)[0].result
            events = [m.event for m in app.of_type(RaceProgress)]
            first_rung = [
                e.candidate
                for e in events
                if isinstance(e, TrialStarted) and e.rung == result.rungs[0].rung
            ]
            assert sorted(first_rung) == sorted(r["candidate"] for r in ranking.records)

            screen = app.screen
            table = screen.query_one("#ranking-table")
            assert [str(key.value) for key in table.rows] == result.order
            assert app.session.ranking is screen.ranking and screen.ranking.race is not None
            last = {}
            for rung in result.rungs:
                for candidate, outcome in rung.outcomes.items():
                    last[candidate] = outcome.val_accuracy
            assert column_values(table, "race_val_accuracy") == [
                f"{last[c]:.3f}" for c in result.order
            ]
            assert "decided by race" in text_of(app, "#ranking-title")
            assert "decided by race" in text_of(app, "#verify-status")

            highlighted = screen.highlighted_record()["candidate"]
            detail = text_of(app, "#detail-text")
            assert "decided by race" in detail
            for rung in result.rungs:
                outcome = rung.outcomes[highlighted]
                assert (
                    f"rung {rung.rung} · {outcome.steps} steps · {100 * outcome.val_accuracy:.1f} %"
                ) in detail

    asyncio.run(go())


@pytest.mark.slow
def test_escape_cancels_the_race_and_racing_again_reuses_finished_trials(
    tiny_catalog, tmp_path, monkeypatch
):
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(RankingScreen, "race_recipe", RECIPE)
    data = small_digits()
    # The worker waits after the first finished trial until escape has been pressed.
    gate = WorkerGate(lambda m: isinstance(m, RaceProgress) and isinstance(m.event, TrialDone))
    gate.install(monkeypatch, RankingScreen)

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            ranking = rank_tiny(app, tiny_catalog, data)
            app.set_data(data, "digits")
            app.set_ranking(ranking)
            await app.action_goto("ranking")
            await open_race_dialog(app, pilot)
            await pilot.press("enter")
            await wait_until(
                pilot,
                lambda: gate.reached.is_set() or app.of_type(WorkFailed),
                600,
                "the first trial",
            )
            assert gate.reached.is_set(), app.of_type(WorkFailed)[0].reason
            await pilot.pause(0.1)
            done = gate.of_type(RaceProgress)[-1].event
            status = text_of(app, "#verify-status")
            assert f"rung {done.rung}: 1/{done.total} trials done" in status
            assert f"{100 * done.outcome.val_accuracy:.1f}%" in status
            await pilot.press("escape")
            gate.release()
            await wait_until(
                pilot,
                lambda: (
                    app.of_type(WorkCancelled) or app.of_type(WorkFailed) or app.of_type(RaceDone)
                ),
                600,
                "the cancellation",
            )
            assert app.of_type(WorkCancelled) and not app.of_type(RaceDone)
            status = text_of(app, "#verify-status")
            assert "race cancelled" in status and "reuses them" in status
            assert app.screen.ranking is ranking  # the probes' order stands

            seen = len(app.seen)
            await pilot.press("R")  # the dialog keeps the last options
            await pilot.pause(0.1)
            values = {
                s: app.screen.query_one(s).value for s in ("#nd-steps", "#nd-top", "#nd-examples")
            }
            assert values == {"#nd-steps": "40", "#nd-top": "2", "#nd-examples": "150"}
            await pilot.press("enter")
            await wait_until(
                pilot,
                lambda: app.of_type(RaceDone) or app.of_type(WorkFailed),
                600,
                "the resumed race",
            )
            assert not app.of_type(WorkFailed), app.of_type(WorkFailed)[0].reason
            again = [
                m.event
                for m in app.seen[seen:]
                if isinstance(m, RaceProgress) and isinstance(m.event, TrialDone)
            ]
            reused = next(
                e
                for e in again
                if e.outcome.candidate == done.outcome.candidate and e.rung == done.rung
            )
            assert reused.outcome.cached
            assert reused.outcome.val_accuracy == done.outcome.val_accuracy
            await pilot.pause(0.2)
            result = app.of_type(RaceDone)[0].result
            table = app.screen.query_one("#ranking-table")
            assert [str(key.value) for key in table.rows] == result.order

    asyncio.run(go())


@pytest.mark.slow
def test_the_layer_mode_chosen_before_scoring_names_the_layer_for_frozen_features(
    tiny_catalog, tmp_path, monkeypatch
):
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    data = small_digits()

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            app.catalog()
            app.set_data(data, "digits")
            app.session.budget = 100
            app.session.selected = [tiny_catalog.tiny_id, tiny_catalog.twin_id]
            await app.action_goto("candidates")
            await pilot.pause(0.1)
            assert "layers: last" in text_of(app, "#cand-status")
            await pilot.press("l", "l")
            await pilot.pause(0.1)
            assert "layers: bestlayer" in text_of(app, "#cand-status")
            await pilot.press("s")
            await wait_until(
                pilot, lambda: app.of_type(RankingDone) or app.of_type(WorkFailed), 600, "scoring"
            )
            assert not app.of_type(WorkFailed), app.of_type(WorkFailed)[0].reason
            await wait_until(pilot, lambda: app.current_mode == "ranking", 30, "the ranking")
            await pilot.pause(0.2)
            ranking = app.of_type(RankingDone)[0].ranking
            assert ranking.settings["layers"] == "bestlayer"
            record = app.screen.highlighted_record()
            assert record["best_layer"] and len(record["layer_scores"]) > 1
            detail = text_of(app, "#detail-text")
            assert f"use layer {record['best_layer']} for frozen features" in detail
            # the scoring step's live table, once done, orders probes by the ranking's weights
            await pilot.press("3")
            await pilot.pause(0.2)
            live = app.screen.query_one("#live-ranking")
            shown = [str(c.key.value) for c in live.columns.values()]
            probes = [k for k in shown if k in ranking.probes]
            assert probes == probes_by_weight(probes, ranking.probe_weights or None)
            judge = record["best_layer_probe"]
            for layer, scores in record["layer_scores"].items():
                value = scores.get(judge)
                assert any(
                    line.split()[:1] == [layer] and f"{value:.4g}" in line
                    for line in detail.splitlines()
                ), (layer, detail)

    asyncio.run(go())


def test_the_race_budget_is_steps_or_seconds_and_the_dialog_says_which():
    from advisor.race.schedule import parse_budget
    from advisor.tui.components.race_view import check_race_options, race_budget
    from tests.tui.test_snapshots import fixed_ranking, snapshot_app

    assert race_budget({"steps": 40}) == 40
    seconds = race_budget({"seconds": 600.0})
    assert parse_budget(seconds).describe() == parse_budget("600s").describe()
    assert "not both" in check_race_options({"steps": 40, "seconds": 600.0})["seconds"]
    assert "at least 2" in check_race_options({"steps": 40, "top": 1})["top"]

    async def go():
        app = snapshot_app()
        async with app.run_test(size=SIZE) as pilot:
            app.set_data(load_data("digits"), "digits")
            app.set_ranking(fixed_ranking())
            await app.action_goto("ranking")
            await pilot.press("R")
            await pilot.pause(0.1)
            app.screen.query_one("#nd-seconds").value = "600"
            app.screen.query_one("#nd-seconds").focus()
            await pilot.press("enter")
            await pilot.pause(0.1)
            assert "in steps or in seconds, not both" in text_of(app, "#nd-error")
            await pilot.press("escape")
            await pilot.pause(0.1)
            assert isinstance(app.screen, RankingScreen) and not app.screen.racing

    asyncio.run(go())
