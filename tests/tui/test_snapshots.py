"""Snapshots of every screen at 140x42 and at 80x24 (pytest-textual-snapshot; SVGs in
__snapshots__/).

Content is fixed: a frozen catalog (data/snapshot-catalog.toml), the built-in digits data,
a ranking saved from a real run (data/ranking-digits.json, see make_ranking_fixture.py),
and fine-tuning messages fed straight to the screen's handlers. Update after a deliberate
UI change with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and review the SVGs
(``python tests/tui/svg_text.py FILE.svg`` prints one as text).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from textual.widgets import Input

from advisor.data import load_data
from advisor.finetuning.result import FinetuneResult
from advisor.ranking.result import Ranking
from advisor.tui import AdvisorApp
from advisor.tui.messages import (
    CandidateFailed,
    CandidateProgress,
    CandidateScored,
    EpochFinished,
    FinetuneDone,
)
from catalog import Catalog
from catalog.loader import read_catalog_file

DATA = Path(__file__).with_name("data")
WIDE, NARROW = (140, 42), (80, 24)
SIZES = pytest.mark.parametrize("size", [WIDE, NARROW], ids=["140x42", "80x24"])


# The probe weights that made data/ranking-digits.json (its "fusion" text): the screens order
# probe columns by weight, so the snapshots pin them instead of following the shipped fit.
FIXTURE_WEIGHTS = {"nleep": 1.0, "regularized_hscore": 0.5, "knn": 0.5, "linear_probe": 0.5}


def fixture_weights_of(probes) -> dict[str, float]:
    return {p: FIXTURE_WEIGHTS.get(p, 0.0) for p in probes}


@pytest.fixture(autouse=True)
def fixture_weights(monkeypatch):
    """Pinned probe weights and dataset availability (see FIXTURE_WEIGHTS)."""
    import advisor.ranking.display as display
    import advisor.tui.components.detail_pane as detail_pane
    import advisor.tui.data_screen as data_screen

    for module in (display, detail_pane):
        monkeypatch.setattr(module, "probe_weights", fixture_weights_of)
    # Whether fashion-mnist & co. are downloaded depends on the machine, not on the UI.
    monkeypatch.setattr(data_screen, "builtin_installed", lambda name: True)


def snapshot_app() -> AdvisorApp:
    catalog = Catalog(read_catalog_file(DATA / "snapshot-catalog.toml"))
    return AdvisorApp(catalog=catalog)


def fixed_ranking() -> Ranking:
    return Ranking.from_json((DATA / "ranking-digits.json").read_text())


SUGGESTION = {
    "candidate": "tf_efficientnet_lite0.in1k",
    "instead_of": "tf_efficientnet_lite2.in1k",
    "reason": "its rank range overlaps the leader's and it has 4.7M parameters instead "
    "of 6.1M, and it measured 30 % faster per example on this machine",
}


def ranking_with_suggestion() -> Ranking:
    """The fixed ranking plus a cheaper-alternative suggestion, wherever Ranking keeps it."""
    ranking = fixed_ranking()
    if "suggestion" in {f.name for f in dataclasses.fields(ranking)}:
        return dataclasses.replace(ranking, suggestion=SUGGESTION)
    return dataclasses.replace(ranking, settings={**ranking.settings, "suggestion": SUGGESTION})


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


# ---- scenarios: each drives the app to one state (also used by svg_text.py --render) -------


async def data_screen(pilot):
    await pilot.press("enter")  # digits, the first built-in
    await wait_for_data(pilot)
    await steady(pilot)


async def data_screen_inline_path_error(pilot):
    await pilot.press("slash", *"/no/such/folder", "enter")
    await pilot.pause(0.2)
    pilot.app.clear_notifications()
    await steady(pilot)


async def candidates_screen(pilot):
    await with_digits(pilot)
    await pilot.press("2")
    await pilot.pause(0.3)
    await steady(pilot)


async def scoring_screen_mid_run(pilot):
    ranking = fixed_ranking()
    first = ranking.records[0]
    app = pilot.app
    await app.action_goto("scoring")
    screen = app.screen
    screen.clock = lambda: 1042.0  # started 42 s ago, whatever the machine
    ids = [r["candidate"] for r in ranking.records] + ["resnet18.a1_in1k"]
    await screen.prepare(ids, f"{len(ids)} candidates on digits (budget 200)")
    screen.probe_names = list(ranking.probes)
    screen.started_at, screen.running = 1000.0, True
    screen.on_candidate_progress(CandidateProgress(ids[0], "candidate_start", 0, 0, False))
    screen.on_candidate_scored(
        CandidateScored(
            ids[0],
            {k: first.get(k) for k in ["candidate", *ranking.probes, "extract_seconds"]},
            False,
        )
    )
    screen.on_candidate_progress(CandidateProgress(ids[1], "candidate_start", 0, 0, False))
    screen.on_candidate_progress(CandidateProgress(ids[1], "extract", 96, 200, False))
    screen.on_candidate_failed(
        CandidateFailed(ids[3], "weights are not cached and there is no network")
    )
    app.clear_notifications()
    screen._tick()
    await pilot.pause(0.2)
    await steady(pilot)


async def ranking_screen(pilot):
    await with_digits(pilot)
    pilot.app.set_ranking(ranking_with_suggestion())
    await pilot.press("4")
    await pilot.pause(0.3)
    await steady(pilot)


def fixed_verify_report(ranking):
    """Real fine-tuned accuracies of the three Lites on digits (data/verify-digits.json, from
    the zoo benchmark's run); the measures are computed here from the fixed ranking."""
    from advisor.verification.run import VerifyReport, score_methods

    saved = json.loads((DATA / "verify-digits.json").read_text())
    ranks = {r["candidate"]: r for r in ranking.records}
    rows = [
        {**row, "rank": ranks[row["candidate"]]["rank"], "cached": True}
        for row in saved["candidates"]
    ]
    return VerifyReport(
        data="digits",
        data_fingerprint="fixture",
        protocol=saved["protocol"],
        candidates=rows,
        measures=score_methods(ranking, rows),
        ranking_seconds=0.0,
        finetune_seconds=sum(r["seconds"] for r in rows),
    )


async def ranking_screen_verified(pilot):
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


async def verify_dialog(pilot):
    await with_digits(pilot)
    pilot.app.set_ranking(fixed_ranking())
    await pilot.press("4", "v")
    await pilot.pause(0.2)
    await steady(pilot)


async def race_dialog(pilot):
    await with_digits(pilot)
    pilot.app.set_ranking(fixed_ranking())
    await pilot.press("4", "R")
    await pilot.pause(0.2)
    await steady(pilot)


async def export_dialog(pilot):
    pilot.app.set_ranking(fixed_ranking())
    await pilot.press("4", "e", "end", "ctrl+u", *"ranking.txt", "enter")
    await pilot.pause(0.2)
    await steady(pilot)


def fixed_finetune_result() -> tuple[list[dict], FinetuneResult]:
    """A real 3-epoch run saved by make_finetune_fixture.py (paths made relative)."""
    saved = json.loads((DATA / "finetune-digits.json").read_text())
    result = FinetuneResult(
        **{**saved, "run_dir": Path(saved["run_dir"]), "export_dir": Path(saved["export_dir"])}
    )
    return saved["history"], result


async def finetune_screen_finished(pilot):
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


async def help_screen(pilot):
    await pilot.press("question_mark")
    await steady(pilot)


# ---- the snapshot tests -------------------------------------------------------------------


@SIZES
def test_data_screen(snap_compare, size):
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=data_screen)


@SIZES
def test_data_screen_inline_path_error(snap_compare, size):
    assert snap_compare(
        snapshot_app(), terminal_size=size, run_before=data_screen_inline_path_error
    )


@SIZES
def test_candidates_screen(snap_compare, size):
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=candidates_screen)


@SIZES
def test_scoring_screen_mid_run(snap_compare, size):
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=scoring_screen_mid_run)


@SIZES
def test_ranking_screen(snap_compare, size):
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=ranking_screen)


@SIZES
def test_ranking_screen_verified(snap_compare, size):
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=ranking_screen_verified)


@SIZES
def test_verify_dialog(snap_compare, size):
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=verify_dialog)


@SIZES
def test_race_dialog(snap_compare, size):
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=race_dialog)


@SIZES
def test_export_dialog(snap_compare, size):
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=export_dialog)


@SIZES
def test_finetune_screen_finished(snap_compare, size):
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=finetune_screen_finished)


@SIZES
def test_help_screen(snap_compare, size):
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=help_screen)
