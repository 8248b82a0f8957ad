"""Snapshots of every screen at 120x40 (pytest-textual-snapshot; SVGs in __snapshots__/).

Content is fixed: a frozen catalog (data/snapshot-catalog.toml), the built-in digits data,
a ranking saved from a real run (data/ranking-digits.json, see make_ranking_fixture.py),
and fine-tuning messages fed straight to the screen's handlers. Update after a deliberate
UI change with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import json
from pathlib import Path

from advisor.data import load_data
from advisor.finetuning.result import FinetuneResult
from advisor.ranking.result import Ranking
from advisor.tui import AdvisorApp
from advisor.tui.messages import (CandidateFailed, CandidateProgress, CandidateScored,
                                  EpochFinished, FinetuneDone)
from catalog import Catalog
from textual.widgets import Input
from catalog.loader import read_catalog_file

DATA = Path(__file__).with_name("data")
SIZE = (120, 40)


def snapshot_app() -> AdvisorApp:
    catalog = Catalog(read_catalog_file(DATA / "snapshot-catalog.toml"))
    return AdvisorApp(catalog=catalog)


def fixed_ranking() -> Ranking:
    return Ranking.from_json((DATA / "ranking-digits.json").read_text())


async def steady(pilot) -> None:
    """No blinking cursors: their on/off phase depends on timing, not on the UI."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause(0.05)


async def with_digits(pilot) -> None:
    app = pilot.app
    app.set_data(load_data("digits"), "digits")
    app.session.budget = 200


async def wait_for_data(pilot) -> None:
    for _ in range(600):
        if pilot.app.session.data is not None:
            break
        await pilot.pause(0.1)
    await pilot.pause(0.3)
    pilot.app.clear_notifications()


def test_data_screen(snap_compare):
    async def run_before(pilot):
        await pilot.press("enter")  # digits, the first built-in
        await wait_for_data(pilot)
        await steady(pilot)

    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=run_before)


def test_data_screen_inline_path_error(snap_compare, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not data")

    async def run_before(pilot):
        await pilot.press("slash", *"/no/such/folder", "enter")
        await pilot.pause(0.2)
        await steady(pilot)

    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=run_before)


def test_candidates_screen(snap_compare):
    async def run_before(pilot):
        await with_digits(pilot)
        await pilot.press("2")
        await pilot.pause(0.3)
        await steady(pilot)

    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=run_before)


def test_scoring_screen_mid_run(snap_compare):
    ranking = fixed_ranking()
    first = ranking.records[0]

    async def run_before(pilot):
        app = pilot.app
        await app.action_goto("scoring")
        screen = app.screen
        screen.clock = lambda: 1042.0  # started 42 s ago, whatever the machine
        ids = [r["candidate"] for r in ranking.records] + ["resnet18.a1_in1k"]
        await screen.prepare(ids, f"{len(ids)} candidates on digits (budget 200)")
        screen.probe_names = list(ranking.probes)
        screen.started_at, screen.running = 1000.0, True
        screen.on_candidate_progress(CandidateProgress(ids[0], "candidate_start", 0, 0, False))
        screen.on_candidate_scored(CandidateScored(ids[0], {k: first.get(k) for k in
                                   ["candidate", *ranking.probes, "extract_seconds"]}, False))
        screen.on_candidate_progress(CandidateProgress(ids[1], "candidate_start", 0, 0, False))
        screen.on_candidate_progress(CandidateProgress(ids[1], "extract", 96, 200, False))
        screen.on_candidate_failed(CandidateFailed(ids[3], "weights are not cached and there is no network"))
        app.clear_notifications()
        screen._tick()
        await pilot.pause(0.2)
        await steady(pilot)

    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=run_before)


def test_ranking_screen(snap_compare):
    async def run_before(pilot):
        await with_digits(pilot)
        pilot.app.set_ranking(fixed_ranking())
        await pilot.press("4")
        await pilot.pause(0.3)
        await steady(pilot)

    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=run_before)


def fixed_verify_report(ranking):
    """Real fine-tuned accuracies of the three Lites on digits (data/verify-digits.json, from
    the zoo benchmark's run); the measures are computed here from the fixed ranking."""
    from advisor.verification.run import VerifyReport, score_methods

    saved = json.loads((DATA / "verify-digits.json").read_text())
    ranks = {r["candidate"]: r for r in ranking.records}
    rows = [{**row, "rank": ranks[row["candidate"]]["rank"], "cached": True}
            for row in saved["candidates"]]
    return VerifyReport(data="digits", data_fingerprint="fixture", protocol=saved["protocol"],
                        candidates=rows, measures=score_methods(ranking, rows),
                        ranking_seconds=0.0, finetune_seconds=sum(r["seconds"] for r in rows))


def test_ranking_screen_verified(snap_compare):
    async def run_before(pilot):
        from advisor.tui.messages import VerifyDone

        await with_digits(pilot)
        ranking = fixed_ranking()
        pilot.app.set_ranking(ranking)
        await pilot.press("4")
        await pilot.pause(0.2)
        pilot.app.screen.on_verify_done(VerifyDone(fixed_verify_report(ranking)))
        await pilot.pause(0.2)
        pilot.app.clear_notifications()
        await pilot.pause(0.1)
        await steady(pilot)

    assert snap_compare(snapshot_app(), terminal_size=(140, 48), run_before=run_before)


def test_export_dialog(snap_compare):
    async def run_before(pilot):
        pilot.app.set_ranking(fixed_ranking())
        await pilot.press("4", "e", "end", "ctrl+u", *"ranking.txt", "enter")
        await pilot.pause(0.2)
        await steady(pilot)

    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=run_before)


def fixed_finetune_result() -> tuple[list[dict], FinetuneResult]:
    """A real 3-epoch run saved by make_finetune_fixture.py (paths made relative)."""
    saved = json.loads((DATA / "finetune-digits.json").read_text())
    result = FinetuneResult(**{**saved, "run_dir": Path(saved["run_dir"]),
                               "export_dir": Path(saved["export_dir"])})
    return saved["history"], result


def test_finetune_screen_finished(snap_compare):
    async def run_before(pilot):
        app = pilot.app
        await with_digits(pilot)
        history, result = fixed_finetune_result()
        await app.open_finetune(result.config["model"])
        screen = app.screen
        epochs = result.config["recipe"]["epochs"]
        for row in history:
            screen.on_epoch_finished(EpochFinished(row["epoch"], epochs, row))
        screen.on_finetune_done(FinetuneDone(result))
        await pilot.pause(0.3)
        app.clear_notifications()
        await pilot.pause(0.1)
        await steady(pilot)

    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare):
    async def run_before(pilot):
        await pilot.press("question_mark")
        await steady(pilot)

    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=run_before)
