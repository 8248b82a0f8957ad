"""The whole flow, keyboard only, on real data and a real (tiny) model.

digits (1,797 real 8x8 images) with a probe budget of 100; candidates from a user catalog:
a random-init timm ``test_efficientnet`` saved as safetensors, and an entry with a corrupt
weights file that must fail with its reason while the other still ranks. Then the ranking,
its detail pane and export, and one real epoch of fine-tuning with the final summary.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from textual.widgets import Input

from advisor.tui.messages import (
    CandidateFailed,
    CandidateProgress,
    CandidateScored,
    EpochFinished,
    FinetuneDone,
    FinetuneStep,
    RankingDone,
)
from tests.tui.pilot_helpers import RecordingApp, text_of, wait_until

SIZE = (130, 44)


@pytest.mark.slow
def test_keyboard_flow_from_data_to_finetuned_model(tiny_catalog, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default run folder (runs/...) lands here
    asyncio.run(drive_whole_flow(tiny_catalog, tmp_path))


async def drive_whole_flow(tiny_catalog, tmp_path) -> None:
    TINY_ID, BROKEN_ID = tiny_catalog.tiny_id, tiny_catalog.broken_id
    app = RecordingApp(catalog_files=[tiny_catalog.path])
    async with app.run_test(size=SIZE) as pilot:
        # 1 Data: the built-in list has focus; digits is first; enter loads it.
        assert app.current_mode == "data"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.session.data is not None, 60, "digits to load")
        summary = text_of(app, "#summary-text")
        assert "examples: 1797" in summary and "classes: 10" in summary
        assert "[0] image #0 (8×8 pixels)" in text_of(app, "#samples")
        # Probe budget: "/" focuses the path box, tab moves on to the budget.
        await pilot.press("slash", "tab", "end", "ctrl+u", *"100", "tab")
        assert app.session.budget == 100
        await pilot.press("n")
        await wait_until(pilot, lambda: app.current_mode == "candidates", 10, "candidates")

        # 2 Candidates: defaults are the usable image models; narrow to the two test entries.
        assert TINY_ID in app.session.selected and BROKEN_ID in app.session.selected
        await pilot.press("x", "slash", *".local", "enter")
        assert app.screen.query_one("#cand-table").row_count == 2
        assert app.session.selected == []
        await pilot.press("a")
        assert app.session.selected == [TINY_ID, BROKEN_ID]
        await pilot.press("down", "space")  # toggle the broken one off and on again
        assert app.session.selected == [TINY_ID]
        await pilot.press("space")
        assert "2 selected · 2 of" in text_of(app, "#cand-status")
        await pilot.press("s")

        # 3 Scoring runs in a worker; the ranking opens by itself when done.
        await wait_until(pilot, lambda: app.of_type(RankingDone), 300, "the ranking")
        await wait_until(pilot, lambda: app.current_mode == "ranking", 10, "the ranking screen")
        scored = app.of_type(CandidateScored)
        assert [m.candidate for m in scored] == [TINY_ID]
        assert 0.0 <= scored[0].record["knn"] <= 1.0
        extract_steps = [
            m for m in app.of_type(CandidateProgress) if m.stage == "extract" and m.total
        ]
        assert extract_steps and extract_steps[-1].done == extract_steps[-1].total == 100
        failed = app.of_type(CandidateFailed)
        assert [m.candidate for m in failed] == [BROKEN_ID] and "broken.safetensors" in failed[
            0
        ].reason
        assert any(n.title == f"{BROKEN_ID} failed" for n in app._notifications)

        # 4 Ranking: the table, the detail pane, sorting and export.
        ranking = app.session.ranking
        assert ranking.records[0]["candidate"] == TINY_ID and BROKEN_ID in ranking.failures
        table = app.screen.query_one("#ranking-table")
        assert table.row_count == 1
        detail = text_of(app, "#detail-text")
        assert TINY_ID in detail and "rank 1 of 1" in detail and "knn" in detail
        assert "why it ranks here" in detail
        assert "1 failed" in text_of(app, "#ranking-title")
        await pilot.press("s")
        assert app.screen.sort_key == "final_score"
        await pilot.press("e")
        await pilot.press("end", "ctrl+u", *"out.md", "enter")
        await pilot.pause(0.2)
        exported = (tmp_path / "out.md").read_text()
        assert TINY_ID in exported and "|" in exported

        # 5 Fine-tune the highlighted candidate for one epoch at 32 px.
        await pilot.press("f")
        await wait_until(pilot, lambda: app.current_mode == "finetune", 10, "the fine-tune screen")
        # No field has focus, so keys reach the screen until tab enters the form.
        assert not isinstance(app.screen.focused, Input)
        await pilot.press("tab")
        assert app.screen.focused.id == "ft-epochs"
        await pilot.press(
            "end",
            "ctrl+u",
            "1",
            "tab",
            "tab",
            "end",
            "ctrl+u",
            *"64",
            "tab",
            "end",
            "ctrl+u",
            *"32",
        )
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.of_type(FinetuneDone), 400, "fine-tuning")
        await pilot.pause(0.2)
        result = app.of_type(FinetuneDone)[0].result
        assert not result.cancelled and 0.0 <= result.test_accuracy <= 1.0
        assert (
            result.config["recipe"]["epochs"] == 1 and result.config["recipe"]["image_size"] == 32
        )
        assert result.config["recipe"]["batch_size"] == 64
        assert app.of_type(EpochFinished)[0].metrics["val_accuracy"] >= 0.0
        assert any(m.event.kind == "step" for m in app.of_type(FinetuneStep))
        summary = text_of(app, "#ft-summary")
        assert f"test accuracy {result.test_accuracy:.4f}" in summary
        assert "per-class accuracy" in summary and "model saved to" in summary
        assert str(result.export_dir) in summary
        assert result.export_dir.exists()
        report = json.loads((result.run_dir / "report.json").read_text())
        assert report["test_accuracy"] == pytest.approx(result.test_accuracy)


@pytest.mark.slow
def test_scoring_header_shows_bootstrap_progress(tiny_catalog, tmp_path, monkeypatch):
    """After the last candidate the header counts the bootstrap resamples (it used to say
    "fusing scores and bootstrapping" with no progress for minutes)."""
    from advisor.data import load_data
    from advisor.tui.messages import RankingPhase
    from advisor.tui.scoring_screen import ScoringScreen
    from tests.tui.pilot_helpers import WorkerGate

    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    gate = WorkerGate(
        lambda m: isinstance(m, RankingPhase) and m.phase == "bootstrapping" and m.done == 2
    )
    gate.install(monkeypatch, ScoringScreen)

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            app.set_data(load_data("digits"), "digits")
            app.session.budget = 100
            app.session.selected = [tiny_catalog.tiny_id, tiny_catalog.twin_id]
            await app.action_start_scoring()
            await wait_until(pilot, gate.reached.is_set, what="the second resample")
            await pilot.pause(0.6)  # a tick of the header
            header = text_of(app, "#scoring-header")
            total = gate.of_type(RankingPhase)[-1].total
            assert f"bootstrapping rank ranges 2/{total}" in header and total > 2
            assert "remaining ~" in header
            gate.release()
            await wait_until(pilot, lambda: app.of_type(RankingDone), what="the ranking")
            phases = [m for m in app.of_type(RankingPhase) if m.phase == "bootstrapping"]
            done = [m.done for m in phases if m.total]
            # One message per resample, then the last; a clear leader may stop the bootstrap
            # early (uncertainty.EARLY_STOP), which jumps the count to the total.
            assert done[:-1] == list(range(1, len(done))) and done[-1] == total
            resamples = app.session.ranking.settings["bootstrap_resamples"]
            assert len(done) == total or (len(done) == 11 and resamples == 10)
            assert app.session.ranking.records[0]["p_best"] is not None

    asyncio.run(go())
