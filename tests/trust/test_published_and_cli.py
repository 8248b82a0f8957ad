"""Published-table replay is reproducible; ranking measures; `advisor fuse` on a CSV."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from advisor.ranking.fusion import fuse_scores
from advisor.ranking.fusion_params import FusionParams
from advisor.verification.metrics import mean_measures, ranking_measures

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "published.json"
sys.path.insert(0, str(ROOT))


def test_measures_on_a_hand_checked_example():
    accuracy = pd.Series({"a": 0.90, "b": 0.80, "c": 0.70, "d": 0.60})
    perfect = ranking_measures(pd.Series({"a": 4, "b": 3, "c": 2, "d": 1}), accuracy)
    assert perfect["weighted_tau"] == pytest.approx(1.0)
    assert perfect["kendall_tau"] == pytest.approx(1.0)
    assert perfect["regret_points"] == 0.0 and perfect["rel_at_1"] == 1.0
    wrong_top = ranking_measures(pd.Series({"a": 3, "b": 4, "c": 2, "d": 1}), accuracy)
    assert wrong_top["regret_points"] == pytest.approx(10.0)
    assert wrong_top["rel_at_1"] == pytest.approx(0.8 / 0.9)
    assert math.isnan(ranking_measures(pd.Series({"a": 1, "b": 2}), accuracy)["pearson"])
    tied = ranking_measures(pd.Series({"a": 2, "b": 2, "c": 1, "d": 0}), accuracy)
    assert tied["regret_points"] == pytest.approx(5.0)  # expected over the tied pair


def test_published_replay_reproduces_the_recorded_fused_numbers():
    """Recompute every target's fused ranking with the recorded leave-one-out weights."""
    from benchmarks.fusion_fit import fit_targets

    recorded = json.loads(RESULTS.read_text())["keras_zoo"]
    rows = []
    for target in fit_targets():
        fold = recorded["folds"][target.name]
        assert set(fold["reliability"]) >= set(target.scores) and fold["group"] == "image"
        # The fold's whole parameter set, its held-out-free track record included.
        params = FusionParams.from_dict(fold["params"])
        final = fuse_scores(target.scores, target.entries, params=params).final
        rows.append(ranking_measures(final, target.accuracy))
        assert rows[-1]["weighted_tau"] == pytest.approx(
            recorded["per_method"]["fused"][target.name]["weighted_tau"], abs=1e-5
        )
    mean_tau = mean_measures(rows)["weighted_tau"]
    assert math.isfinite(mean_tau)
    assert mean_tau == pytest.approx(recorded["mean"]["fused"]["weighted_tau"], abs=1e-5)


def test_single_probe_rows_match_scipy_directly():
    from scipy import stats

    from benchmarks.tables import keras_targets

    recorded = json.loads(RESULTS.read_text())["keras_zoo"]["per_method"]["logme"]
    for target in keras_targets()[:3]:
        tau = stats.weightedtau(target.accuracy, target.scores["logme"])[0]
        assert tau == pytest.approx(recorded[target.name]["weighted_tau"], abs=1e-5)


def _advisor(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "advisor.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_fuse_cli_ranks_a_csv_as_json(tmp_path):
    csv = tmp_path / "scores.csv"
    csv.write_text(
        "candidate,logme,leep\n"
        "tf_efficientnet_lite0.in1k,1.2,-0.8\n"
        "tf_efficientnet_lite2.in1k,1.5,-0.6\n"
        "my-own-model,0.3,-1.5\n"
    )
    done = _advisor("fuse", str(csv), "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    order = [r["candidate"] for r in result["ranking"]]
    assert order[0] == "tf_efficientnet_lite2.in1k" and order[-1] == "my-own-model"
    assert "my-own-model" in done.stderr  # the note about the unknown id
    assert all(math.isfinite(r["final_score"]) for r in result["ranking"])


def test_fuse_cli_bad_input_exits_2_without_traceback(tmp_path):
    csv = tmp_path / "scores.csv"
    csv.write_text("candidate,notes\na,x\nb,y\n")
    done = _advisor("fuse", str(csv))
    assert done.returncode == 2
    assert "numeric probe columns" in done.stderr and "Traceback" not in done.stderr
