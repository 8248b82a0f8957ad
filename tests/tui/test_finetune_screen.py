"""Fine-tuning from the TUI: cancel with escape, resume with r, and a failure midway.

Real training of the tiny test model on 300 real digits at 32 px (a few seconds an epoch).
"""

from __future__ import annotations

import asyncio
import shutil

import numpy as np
import pytest

from advisor.data import load_data
from advisor.tui.finetune_screen import FinetuneScreen
from advisor.tui.messages import EpochFinished, FinetuneDone, FinetuneStep, WorkFailed
from tests.tui.pilot_helpers import RecordingApp, WorkerGate, wait_until

SIZE = (120, 40)


async def open_form(app, tiny, output, epochs: int) -> object:
    data = load_data("digits").subset(np.arange(300))
    app.set_data(data, "digits")
    await app.open_finetune(tiny.tiny_id)
    screen = app.screen
    values = {
        "#ft-epochs": str(epochs),
        "#ft-batch_size": "32",
        "#ft-image_size": "32",
        "#ft-output": str(output),
    }
    for selector, value in values.items():
        screen.query_one(selector).value = value
    return screen


@pytest.mark.slow
def test_cancel_then_resume_finishes_the_same_run(tiny_catalog, tmp_path, monkeypatch):
    # The worker waits after its first training step until escape has been pressed.
    gate = WorkerGate(lambda m: isinstance(m, FinetuneStep) and m.event.kind == "step")
    gate.install(monkeypatch, FinetuneScreen)

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_form(app, tiny_catalog, tmp_path / "run", epochs=3)
            await pilot.press("ctrl+s")
            await wait_until(pilot, gate.reached.is_set, what="the first training step")
            await pilot.press("escape")
            gate.release()
            await wait_until(pilot, lambda: app.of_type(FinetuneDone))
            first = app.of_type(FinetuneDone)[0].result
            assert first.cancelled and first.epochs_run < 3
            assert "Cancelled" in str(screen.query_one("#ft-summary").render())
            assert (tmp_path / "run" / "checkpoints" / "last").exists()

            await pilot.press("r")
            await wait_until(pilot, lambda: len(app.of_type(FinetuneDone)) == 2)
            second = app.of_type(FinetuneDone)[1].result
            assert not second.cancelled and second.epochs_run == 3
            assert second.run_dir == first.run_dir
            summary = str(screen.query_one("#ft-summary").render())
            assert "test accuracy" in summary and str(second.export_dir) in summary
            epochs_seen = sorted({m.epoch for m in app.of_type(EpochFinished)})
            assert epochs_seen[-1] == 3

    asyncio.run(go())


@pytest.mark.slow
def test_failure_midway_is_reported_and_the_app_keeps_running(tiny_catalog, tmp_path, monkeypatch):
    run_dir = tmp_path / "run"
    # The worker waits after its first epoch until the disk has gone bad.
    gate = WorkerGate(lambda m: isinstance(m, EpochFinished))
    gate.install(monkeypatch, FinetuneScreen)

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_form(app, tiny_catalog, run_dir, epochs=4)
            await pilot.press("ctrl+s")
            await wait_until(pilot, gate.reached.is_set, what="the first epoch")
            # The disk goes bad under the run: the checkpoint folder becomes a file.
            shutil.rmtree(run_dir / "checkpoints")
            (run_dir / "checkpoints").write_text("not a folder")
            gate.release()
            await wait_until(pilot, lambda: app.of_type(WorkFailed) or app.of_type(FinetuneDone))
            assert not app.of_type(FinetuneDone)
            failure = app.of_type(WorkFailed)[0]
            assert failure.task == "fine-tune" and "checkpoints" in failure.reason
            status = str(screen.query_one("#ft-status").render())
            assert status.startswith("Fine-tuning failed:")
            assert any(n.severity == "error" for n in app._notifications)
            assert app.is_running and not screen.running
            await pilot.press("1")  # still responsive: the other steps work
            assert app.current_mode == "data"

    asyncio.run(go())


@pytest.mark.slow
def test_existing_run_folder_offers_resume_or_overwrite_and_keeps_the_screen(
    tiny_catalog, tmp_path
):
    from advisor.tui.run_exists_dialog import RunExistsDialog

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_form(app, tiny_catalog, tmp_path / "run", epochs=1)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: app.of_type(FinetuneDone))
            summary = str(screen.query_one("#ft-summary").render())
            history = list(screen.history)
            assert "test accuracy" in summary and history

            await pilot.press("ctrl+s")  # the folder now holds that run: ask, in our words
            await pilot.pause(0.1)
            assert isinstance(app.screen, RunExistsDialog)
            await pilot.press("escape")
            await pilot.pause(0.1)
            assert app.screen is screen and not screen.running and not app.jobs.running()
            assert screen.focused.id == "ft-output"  # to type another folder
            assert str(screen.query_one("#ft-summary").render()) == summary
            assert screen.history == history

            await pilot.press("ctrl+s")
            await pilot.pause(0.1)
            await pilot.press("o")  # start over in the same folder
            await wait_until(pilot, lambda: len(app.of_type(FinetuneDone)) == 2)
            second = app.of_type(FinetuneDone)[1].result
            assert not second.cancelled and second.run_dir == tmp_path / "run"
            assert not app.of_type(WorkFailed)

    asyncio.run(go())


@pytest.mark.slow
def test_a_failed_start_keeps_the_last_results_and_stops_the_bar(tiny_catalog, tmp_path):
    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_form(app, tiny_catalog, tmp_path / "run", epochs=1)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: app.of_type(FinetuneDone))
            summary = str(screen.query_one("#ft-summary").render())
            # The same form on a model whose weights are corrupt: it fails in the worker.
            await app.open_finetune(tiny_catalog.broken_id)
            screen.query_one("#ft-output").value = str(tmp_path / "broken-run")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: app.of_type(WorkFailed))
            await pilot.pause(0.1)
            assert "broken.safetensors" in app.of_type(WorkFailed)[0].reason
            assert not app.of_type(WorkFailed)[0].bug
            assert str(screen.query_one("#ft-summary").render()) == summary
            assert screen.query_one("#ft-step-bar").total is not None  # not pulsing
            assert str(screen.query_one("#ft-status").render()).startswith("Fine-tuning failed:")

    asyncio.run(go())


@pytest.mark.slow
def test_loss_curve_updates_every_few_steps_within_an_epoch(tiny_catalog, tmp_path, monkeypatch):
    from advisor.tui.components.training_curves import CurvePlot
    from advisor.tui.finetune_screen import STEP_REDRAW

    shown = []
    original = CurvePlot.show

    def spy(plot, series):
        if plot.id == "ft-loss":
            shown.append({name: list(points) for name, points in series.items()})
        return original(plot, series)

    monkeypatch.setattr(CurvePlot, "show", spy)
    # Hold training right after a redraw, while the first epoch is still running.
    gate = WorkerGate(
        lambda m: (
            isinstance(m, FinetuneStep)
            and m.event.kind == "step"
            and m.event.epoch == 1
            and m.event.step == STEP_REDRAW + 1
        )
    )
    gate.install(monkeypatch, FinetuneScreen)

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_form(app, tiny_catalog, tmp_path / "run", epochs=1)
            screen.query_one("#ft-batch_size").value = "8"  # ~26 steps an epoch
            await pilot.press("ctrl+s")
            await wait_until(pilot, gate.reached.is_set, what="step 11 of epoch 1")
            await pilot.pause(0.2)
            assert not [m for m in app.of_type(EpochFinished) if m.epoch >= 1]
            step_curves = [s["step loss"] for s in shown if "step loss" in s]
            assert step_curves and len(step_curves[-1]) == STEP_REDRAW
            xs = [x for x, _ in step_curves[-1]]
            assert xs == sorted(xs) and 0 < xs[0] < xs[-1] < 1  # fractions of epoch 1
            await pilot.press("escape")
            gate.release()
            await wait_until(pilot, lambda: app.of_type(FinetuneDone))

    asyncio.run(go())
