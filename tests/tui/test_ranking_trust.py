"""The ranking screen's trust features: uncertainty columns, cost budgets and verification.

Verification is real: two tiny timm models (the same architecture with two random seeds)
ranked on 300 real digits, then both fine-tuned for one epoch by ``advisor.verify`` in the
screen's worker; the table and the report must show what the VerifyReport says.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from advisor.data import load_data
from advisor.events import TrainingStep, VerifyStarted
from advisor.ranking.result import Ranking
from advisor.tui.messages import VerifyDone, VerifyProgress, WorkCancelled, WorkFailed
from advisor.tui.ranking_screen import RankingScreen
from tests.tui.pilot_helpers import RecordingApp, WorkerGate, text_of, wait_until

SIZE = (140, 48)


def column_values(table, key: str) -> list[str]:
    return [str(table.get_cell(row, key)) for row in table.rows]


def test_budgets_hide_candidates_over_them_and_clearing_brings_them_back():
    from tests.tui.test_snapshots import fixed_ranking, snapshot_app

    async def go():
        app = snapshot_app()
        async with app.run_test(size=SIZE) as pilot:
            ranking = fixed_ranking()
            app.set_ranking(ranking)
            await app.action_goto("ranking")
            screen = app.screen
            table = screen.query_one("#ranking-table")
            assert table.row_count == 3
            assert "P(best)" in [str(c.label) for c in table.columns.values()]
            assert column_values(table, "p_best") == [f"{r['p_best']:.2f}" for r in ranking.records]
            assert sum(r["p_best"] for r in ranking.records) == pytest.approx(1.0)

            await pilot.press("b")
            await pilot.press(*"5.5", "enter")  # max params 5.5 M: Lite2 (6.09 M) goes
            await pilot.pause(0.1)
            assert table.row_count == 2
            assert "tf_efficientnet_lite2.in1k" not in [str(k.value) for k in table.rows]
            title = text_of(app, "#ranking-title")
            # the one budget message (advisor.ranking.cost.over_budget), as rank() gives it
            assert "≤ 5.5M params" in title and "6.09M parameters is over max_params_m=5.5" in title

            await pilot.press("b")
            await pilot.press(*"abc", "enter")  # a bad number keeps the dialog open
            await pilot.pause(0.1)
            assert "must be a number, got 'abc'" in text_of(app, "#nd-error")
            await pilot.press("ctrl+u", "enter")  # empty: no limit
            await pilot.pause(0.1)
            assert table.row_count == 3 and screen.budgets == {}

    asyncio.run(go())


@pytest.mark.slow
def test_verify_fine_tunes_the_top_candidates_and_shows_the_measures(
    tiny_catalog, tmp_path, monkeypatch
):
    import advisor

    monkeypatch.chdir(tmp_path)  # runs/verify-... lands here
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    data = load_data("digits").subset(np.arange(300))

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            catalog = app.catalog()
            ranking = advisor.rank(
                data,
                candidates=[tiny_catalog.tiny_id, tiny_catalog.twin_id],
                catalog=catalog,
                budget=100,
                seed=0,
                bootstrap=False,
            )
            assert isinstance(ranking, Ranking) and len(ranking.records) == 2
            app.set_data(data, "digits")
            app.set_ranking(ranking)
            await app.action_goto("ranking")
            await pilot.press("v")
            # top K, epochs, examples: 2 candidates, 1 epoch, 200 examples
            for selector, value in (("#nd-top", "2"), ("#nd-epochs", "1"), ("#nd-budget", "200")):
                app.screen.query_one(selector).value = value
            app.screen.query_one("#nd-budget").focus()
            await pilot.press("enter")
            await wait_until(
                pilot,
                lambda: app.of_type(VerifyDone) or app.of_type(WorkFailed),
                600,
                "verification",
            )
            assert not app.of_type(WorkFailed), app.of_type(WorkFailed)[0].reason
            await pilot.pause(0.2)
            report = app.of_type(VerifyDone)[0].report
            starts = [
                m.event.candidate
                for m in app.of_type(VerifyProgress)
                if isinstance(m.event, VerifyStarted)
            ]
            assert starts == [r["candidate"] for r in ranking.records]
            assert app.session.verify_report is report
            assert sorted(r["candidate"] for r in report.candidates) == sorted(starts)

            screen = app.screen
            table = screen.query_one("#ranking-table")
            shown = dict(
                zip(
                    [str(key.value) for key in table.rows],  # rows are keyed by id
                    column_values(table, "finetuned_accuracy"),
                    strict=True,
                )
            )
            for row in report.candidates:
                assert shown[row["candidate"]] == f"{row['test_accuracy']:.3f}"
            assert "advisor" in text_of(app, "#verify-report") and "τw" in text_of(
                app, "#verify-report"
            )
            assert "verified 2 candidates" in text_of(app, "#verify-status")
            assert (
                report.json_path.resolve().is_relative_to(tmp_path.resolve())
                and report.json_path.exists()
            )
            detail = text_of(app, "#detail-text")
            assert "fine-tuned test accuracy" in detail

    asyncio.run(go())


@pytest.mark.slow
def test_verify_shows_its_size_cancels_with_its_own_words_and_keeps_the_options(
    tiny_catalog, tmp_path, monkeypatch
):
    import advisor

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    data = load_data("digits").subset(np.arange(300))
    # The worker waits after the first training step until escape has been pressed.
    gate = WorkerGate(lambda m: isinstance(m, VerifyProgress) and isinstance(m.event, TrainingStep))
    gate.install(monkeypatch, RankingScreen)

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            ranking = advisor.rank(
                data,
                candidates=[tiny_catalog.tiny_id, tiny_catalog.twin_id],
                catalog=app.catalog(),
                budget=100,
                seed=0,
                bootstrap=False,
            )
            app.set_data(data, "digits")
            app.set_ranking(ranking)
            await app.action_goto("ranking")
            await pilot.press("v")
            for selector, value in (("#nd-top", "2"), ("#nd-epochs", "2"), ("#nd-budget", "200")):
                app.screen.query_one(selector).value = value
            await pilot.press("enter")
            await wait_until(
                pilot,
                lambda: gate.reached.is_set() or app.of_type(WorkFailed),
                what="the first verify step",
            )
            assert gate.reached.is_set(), app.of_type(WorkFailed)[0].reason
            await pilot.pause(0.1)
            status = text_of(app, "#verify-status")
            assert "epoch 1/2" in status and "200 examples" in status
            await pilot.press("escape")
            gate.release()
            await wait_until(
                pilot,
                lambda: app.of_type(WorkCancelled) or app.of_type(WorkFailed),
                what="the cancellation",
            )
            assert not app.of_type(WorkFailed) and not app.of_type(VerifyDone)
            assert "verification cancelled" in text_of(app, "#verify-status")
            titles = [n.title for n in app._notifications]
            assert "Verification cancelled" in titles and "Cannot verify" not in titles
            await pilot.press("v")  # the dialog shows the options of the last run
            await pilot.pause(0.1)
            values = {
                s: app.screen.query_one(s).value for s in ("#nd-top", "#nd-epochs", "#nd-budget")
            }
            assert values == {"#nd-top": "2", "#nd-epochs": "2", "#nd-budget": "200"}

    asyncio.run(go())
