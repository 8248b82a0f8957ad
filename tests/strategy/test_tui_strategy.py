"""The ranking screen's strategy advice (key a) and the fine-tune form it pre-fills: real
advice from a real ranking of a tiny timm model on 120 digits, computed in the worker."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))


@pytest.mark.slow
def test_advice_shows_in_the_detail_pane_and_prefills_the_form(tmp_path, monkeypatch):
    import torch
    from tiny_model import TINY_ID, write_tiny_catalog

    import advisor
    from advisor.data import load_data
    from advisor.tui.components.strategy_pane import StrategyReady
    from advisor.tui.messages import WorkFailed
    from tests.tui.pilot_helpers import RecordingApp, text_of, wait_until

    torch.set_num_threads(1)
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    catalog_file = write_tiny_catalog(tmp_path)
    data = load_data("digits").subset(np.arange(120))

    async def go():
        app = RecordingApp(catalog_files=[catalog_file])
        async with app.run_test(size=(140, 48)) as pilot:
            ranking = advisor.rank(
                data, candidates=[TINY_ID], catalog=app.catalog(), budget=100, bootstrap=False
            )
            app.set_data(data, "digits")
            app.set_ranking(ranking)
            await app.action_goto("ranking")
            assert not app.screen.query_one("#strategy").display  # hidden until asked
            await pilot.press("a")
            await wait_until(
                pilot, lambda: app.of_type(StrategyReady) or app.of_type(WorkFailed), 300, "advice"
            )
            assert not app.of_type(WorkFailed), app.of_type(WorkFailed)[0].reason
            await pilot.pause(0.1)
            advice = app.of_type(StrategyReady)[0].advice
            assert app.session.strategy is advice and advice.candidate == TINY_ID
            pane = text_of(app, "#strategy")
            assert "learning curve" in pane and "full set" in pane
            chosen = advice.estimate(advice.recommended)
            assert f"{100 * chosen.expected:.1f}%" in pane
            await pilot.press("f")
            await pilot.pause(0.2)
            form = app.screen.query_one("FinetuneForm")
            assert form.query_one("#ft-strategy").display
            assert chosen.label in text_of(app, "#ft-strategy")
            options, _ = form.values()
            for key, value in advice.recipe.items():
                assert options[key] == value

    asyncio.run(go())
