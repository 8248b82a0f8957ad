"""``verify --strategies`` on precomputed features (real digit pixels): every applicable
strategy is really trained, and the report compares prediction and measurement."""

from __future__ import annotations

import json

import numpy as np


def _pixels(tmp_path):
    from advisor.data import load_data

    digits = load_data("digits")
    path = tmp_path / "pixels.npz"
    features = digits.image_arrays.reshape(len(digits), -1).astype(np.float32) / 255
    np.savez(path, features=features, labels=digits.labels)
    return str(path)


def _verify(data, ranking, tmp_path, *, budget: int):
    from advisor.verification.strategies import verify_strategies

    return verify_strategies(
        data,
        ranking=ranking,
        budget=budget,
        rank_budget=300,
        epochs=5,
        output=tmp_path / "out",
        cache_dir=tmp_path / "ft-cache",
    )


def test_strategies_report_predicted_against_measured(tmp_path, capsys):
    import advisor
    from advisor.cli.strategy_table import render_strategies
    from advisor.verification.strategies import summarize

    data = _pixels(tmp_path)
    ranking = advisor.rank(data, budget=300, probes=["knn"], bootstrap=False)
    report = _verify(data, ranking, tmp_path, budget=400)
    assert [r["strategy"] for r in report.rows] == ["frozen"]  # features: nothing to tune
    row = report.rows[0]
    assert 0.5 < row["measured"] <= 1.0 and row["low"] <= row["predicted"] <= row["high"]
    assert report.n_train == 220 and report.n_test == 120  # 55/15/30 of 400
    checks = report.checks()
    assert checks["recommended"] == checks["measured_best"] == "frozen"
    assert checks["recommended_ok"] is True
    assert abs(checks["curve_error_points"] - 100 * (row["predicted"] - row["measured"])) < 1e-9
    assert checks["curve_covered"] == (row["low"] <= row["measured"] <= row["high"])
    saved = json.loads(report.json_path.read_text())
    assert saved["checks"] == json.loads(json.dumps(checks))
    text = render_strategies(report)
    assert "frozen *" in text and "learning curve at 220 labels" in text
    summary = summarize([report])
    assert summary["cases"] == 1 and summary["recommended_ok_share"] == 1.0
    assert summary["curve_covered_share"] == float(checks["curve_covered"])
    again = _verify(data, ranking, tmp_path, budget=400)
    assert again.rows[0]["cached"] and again.rows[0]["measured"] == row["measured"]


def test_a_regression_case_is_measured_in_its_own_metric(tmp_path):
    """The built-in regression example (digit slant) on pixel features: the frozen run is
    measured in R², the metric the learning curve predicts, not in accuracy."""
    import advisor
    from advisor.data import load_data

    slant = load_data("digits-regression")
    path = tmp_path / "slant.npz"
    pixels = slant.image_arrays.reshape(len(slant), -1).astype(np.float32) / 16
    np.savez(path, features=pixels, targets=slant.targets)
    ranking = advisor.rank(str(path), budget=300, bootstrap=False)
    report = _verify(str(path), ranking, tmp_path, budget=500)
    row = report.rows[0]
    assert row["metric"] == "r2"
    assert 0.3 < row["measured"] <= 1.0  # pixels predict the slant well, in R²
    assert abs(report.checks()["curve_error_points"]) < 15
