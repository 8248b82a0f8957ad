"""The TUI's pure helpers: Pareto front, path checks, form parsing, progress mapping, export."""

from __future__ import annotations

import asyncio
import json

import pytest

from advisor.tui.components.class_balance import bars_for
from advisor.tui.components.detail_pane import detail_markup, why_lines
from advisor.tui.components.finetune_form import default_output, parse_options
from advisor.tui.components.pareto import cost_points, pareto_front
from advisor.tui.components.path_input import PathSuggester, check_data_path
from advisor.tui.components.ranking_table import sort_records
from advisor.tui.components.training_curves import split_metrics
from advisor.tui.eta import Eta
from advisor.tui.export_dialog import export_problem, write_ranking
from advisor.tui.finetune_screen import early_stop_status
from advisor.tui.messages import CandidateFailed, CandidateProgress, CandidateScored, RankingPhase
from advisor.tui.scoring_screen import event_to_message, format_seconds, score_columns


def test_pareto_front_keeps_only_undominated_points():
    # (cost, score): b is dominated by a (costlier and worse); d ties a's cost but scores lower.
    points = [(1.0, 0.5), (2.0, 0.4), (3.0, 0.9), (1.0, 0.3), (5.0, 0.95)]
    assert pareto_front(points) == [0, 2, 4]
    assert pareto_front([]) == []


def test_cost_points_fall_back_to_catalog_and_skip_missing():
    records = [
        {"candidate": "a", "final_score": 0.2, "params_m": 5.0},
        {"candidate": "b", "final_score": float("nan"), "params_m": 1.0},
        {"candidate": "c", "final_score": 0.4},
    ]

    class E:  # catalog facts for c only
        cpu_latency_ms = 12.0

    lookup = {"c": E()}.get
    assert cost_points(records, "params_m") == [("a", 5.0, 0.2)]
    assert cost_points(records, "cpu_latency_ms", lookup) == [("c", 12.0, 0.4)]


def test_check_data_path_explains_each_problem(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "table.csv").write_text("text,label\na,b\n")
    assert "does not exist" in check_data_path(str(tmp_path / "nope"))
    assert ".txt" in check_data_path(str(tmp_path / "notes.txt"))
    assert check_data_path(str(tmp_path / "table.csv")) is None
    assert check_data_path(str(tmp_path)) is None
    assert check_data_path("digits", ("digits",)) is None
    assert "type a path" in check_data_path("  ")
    # While typing, a prefix of an existing name is not an error yet.
    assert check_data_path(str(tmp_path / "tab"), typing=True) is None
    assert "does not exist" in check_data_path(str(tmp_path / "tab"))
    assert "does not exist" in check_data_path(str(tmp_path / "zzz"), typing=True)
    assert check_data_path("dig", ("digits",), typing=True) is None


def test_path_suggester_completes_names_and_marks_folders(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "imagery.csv").write_text("x")
    suggester = PathSuggester()
    got = asyncio.run(suggester.get_suggestion(str(tmp_path / "imag")))
    assert got == str(tmp_path / "imagery.csv")  # sorted: "imagery.csv" < "images"
    assert asyncio.run(suggester.get_suggestion(str(tmp_path / "images"))) is None  # exact: done
    assert asyncio.run(suggester.get_suggestion(str(tmp_path / "imagesx"))) is None
    got = asyncio.run(suggester.get_suggestion(str(tmp_path) + "/im"))
    assert got.startswith(str(tmp_path))


def test_parse_options_reads_numbers_and_names_bad_fields():
    options, problems = parse_options(
        {"epochs": "3", "lr": "1e-4", "batch_size": "", "patience": "x"}
    )
    assert options == {"epochs": 3, "lr": 1e-4}
    assert list(problems) == ["patience"] and "whole number" in problems["patience"]
    _, problems = parse_options({"image_size": "8"})
    assert "16 pixels" in problems["image_size"]
    _, problems = parse_options({"epochs": "0"})
    assert "positive" in problems["epochs"]
    assert default_output("timm/resnet 50", "my data") == "runs/timm-resnet-50-my-data"


def test_early_stop_status_counts_epochs_without_gain():
    history = [
        {"epoch": 1, "val_accuracy": 0.5},
        {"epoch": 2, "val_accuracy": 0.7},
        {"epoch": 3, "val_accuracy": 0.6},
        {"epoch": 4, "val_accuracy": 0.65},
    ]
    text = early_stop_status(history, patience=2)
    assert "best epoch 2" in text and "2/2" in text and "early stop" in text
    assert "1/3" in early_stop_status(history[:3], patience=3)
    assert "waiting" in early_stop_status([], patience=3)
    losses = [{"epoch": 1, "val_loss": 1.0}, {"epoch": 2, "val_loss": 0.8}]
    assert "best epoch 2" in early_stop_status(losses, 3, metric="val_loss")


def test_split_metrics_separates_losses_from_accuracies():
    losses, scores = split_metrics(
        [
            {
                "epoch": 1,
                "train_loss": 2.0,
                "val_loss": 1.5,
                "val_accuracy": 0.4,
                "lr": 0.001,
                "early_stop": False,
            }
        ]
    )
    assert losses == {"train_loss": [(1, 2.0)], "val_loss": [(1, 1.5)]}
    assert scores == {"val_accuracy": [(1, 0.4)]}


def test_rank_progress_events_become_typed_messages():
    from advisor import events as ev

    start = event_to_message(ev.CandidateStarted("m", 0, 2))
    assert isinstance(start, CandidateProgress) and start.stage == "candidate_start"
    extract = event_to_message(ev.Extracting("m", 0, 2, done=3, total=8))
    assert (extract.stage, extract.done, extract.total) == ("extract", 3, 8)
    done = event_to_message(ev.CandidateDone("m", 0, 2, record={"logme": 1.0}, cached=True))
    assert isinstance(done, CandidateScored) and done.record == {"logme": 1.0} and done.cached
    failed = event_to_message(ev.CandidateFailed("m", 1, 2, reason="no weights"))
    assert isinstance(failed, CandidateFailed) and failed.reason == "no weights"
    boot = event_to_message(ev.BootstrapProgress(7, 30))
    assert isinstance(boot, RankingPhase) and (boot.phase, boot.done, boot.total) == (
        "bootstrapping",
        7,
        30,
    )
    assert event_to_message(ev.PhaseStarted("fusing")).phase == "fusing"
    assert event_to_message(ev.TrainingStep(1, 1, 1, 1)) is None  # not a ranking event


def test_eta_averages_the_rate_and_counts_down_between_completions():
    eta = Eta(alpha=0.5)
    eta.update(0, 10, now=0.0)
    assert eta.remaining(0.0) is None  # no rate yet
    eta.update(1, 10, now=10.0)  # 1 unit in 10 s
    assert eta.remaining(10.0) == pytest.approx(90.0)
    assert eta.remaining(40.0) == pytest.approx(60.0)  # counts down while a unit runs
    eta.update(2, 10, now=12.0)  # a fast unit (0.5/s) moves the rate halfway, not all the way
    assert eta.rate == pytest.approx(0.5 * 0.1 + 0.5 * 0.5)
    assert eta.remaining(12.0) == pytest.approx(8 / 0.3)
    eta.update(2, 10, now=15.0)  # no new unit: the estimate only counts down
    assert eta.remaining(15.0) == pytest.approx(8 / 0.3 - 3)
    assert eta.remaining(1e6) == 0.0


def test_verify_progress_names_epochs_and_examples():
    from advisor import events as ev
    from advisor.tui.components.verify_view import progress_text

    start = progress_text(ev.VerifyStarted("m", 0, 3), None, {"budget": 1000}, 300)
    assert "(1/3)" in start and "300 examples" in start
    step = progress_text(ev.TrainingStep(2, 3, 4, 10, loss=0.5), "m", {"budget": 200}, 1797)
    assert "epoch 2/3" in step and "step 4/10" in step and "200 examples" in step
    assert "loss 0.500" in step


def test_score_columns_prefers_known_probes_and_skips_bookkeeping():
    record = {
        "candidate": "m",
        "logme": 1.0,
        "knn": 0.8,
        "extract_seconds": 3.0,
        "cached": False,
        "unk_rate": 0.1,
        "logme_rank": 1,
    }
    assert score_columns(record) == ["logme", "knn"]
    assert score_columns(record, ["knn", "leep"]) == ["knn"]
    assert format_seconds(75.4) == "1:15" and format_seconds(None) == "—"


def test_sort_records_puts_missing_values_last_both_ways():
    records = [
        {"candidate": "a", "knn": 0.2},
        {"candidate": "b", "knn": None},
        {"candidate": "c", "knn": 0.9},
        {"candidate": "d", "knn": float("nan")},
    ]
    assert [r["candidate"] for r in sort_records(records, "knn", True)] == ["c", "a", "b", "d"]
    assert [r["candidate"] for r in sort_records(records, "knn", False)] == ["a", "c", "b", "d"]


def test_bars_fold_small_classes_into_one_bar():
    counts = {f"c{i}": 100 - i for i in range(20)}
    labels, values = bars_for(counts, max_bars=5)
    assert len(labels) == 5 and labels[-1] == "+16 more"
    assert sum(values) == sum(counts.values())


def test_detail_markup_shows_scores_ranks_and_why():
    record = {
        "candidate": "m[x]",
        "rank": 2,
        "final_score": 0.5,
        "logme": 1.25,
        "logme_rank": 3,
        "rank_low": 1,
        "rank_high": 3,
        "p_best": 0.25,
        "why": ["strong LogME", "small"],
    }
    text = detail_markup(record, ["logme"], None, total=4)
    assert "rank [b]2[/] of 4" in text and "1–3" in text and "P(best) 0.25" in text
    assert "1.25" in text and "• strong LogME" in text
    assert "m\\[x]" in text  # markup in ids is escaped
    assert why_lines("a\n\nb") == ["a", "b"]


def test_write_ranking_picks_format_from_suffix_and_writes_atomically(tmp_path):
    from advisor.ranking.result import Ranking

    ranking = Ranking(
        records=[{"candidate": "a", "rank": 1, "final_score": 1.0, "knn": 0.9}], probes=["knn"]
    )
    written = write_ranking(ranking, str(tmp_path / "r.json"))
    assert json.loads(written.read_text())["ranking"][0]["candidate"] == "a"
    assert (
        "candidate" in write_ranking(ranking, str(tmp_path / "r.csv")).read_text().splitlines()[0]
    )
    assert "|" in write_ranking(ranking, str(tmp_path / "r.md")).read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.json", "r.md"]  # no temp left
    assert "suffix" in export_problem(str(tmp_path / "r.txt"))
    assert "does not exist" in export_problem(str(tmp_path / "missing" / "r.json"))
    with pytest.raises(ValueError, match="folder"):
        write_ranking(ranking, str(tmp_path))
