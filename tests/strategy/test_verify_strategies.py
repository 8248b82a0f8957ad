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


def test_strategies_report_predicted_against_measured(tmp_path, capsys):
    import advisor
    from advisor.cli.strategy_table import render_strategies
    from advisor.verification.strategies import summarize, verify_strategies

    data = _pixels(tmp_path)
    ranking = advisor.rank(data, budget=300, probes=["knn"], bootstrap=False)
    report = verify_strategies(
        data,
        ranking=ranking,
        budget=400,
        rank_budget=300,
        epochs=5,
        output=tmp_path / "out",
        cache_dir=tmp_path / "ft-cache",
    )
    assert [r["strategy"] for r in report.rows] == ["frozen"]  # features: nothing to tune
    row = report.rows[0]
    assert 0.5 < row["measured"] <= 1.0 and row["low"] <= row["predicted"] <= row["high"]
    assert report.n_train == 220 and report.n_test == 120  # 55/15/30 of 400
    checks = report.checks()
    assert checks["recommended"] == checks["measured_best"] == "frozen"
    assert checks["recommended_ok"] is True
    assert abs(checks["curve_error_points"] - 100 * (row["predicted"] - row["measured"])) < 1e-9
    saved = json.loads(report.json_path.read_text())
    assert saved["checks"] == json.loads(json.dumps(checks))
    text = render_strategies(report)
    assert "frozen *" in text and "learning curve at 220 labels" in text
    summary = summarize([report])
    assert summary["cases"] == 1 and summary["recommended_ok_share"] == 1.0
    again = verify_strategies(
        data,
        ranking=ranking,
        budget=400,
        rank_budget=300,
        epochs=5,
        output=tmp_path / "out",
        cache_dir=tmp_path / "ft-cache",
    )
    assert again.rows[0]["cached"] and again.rows[0]["measured"] == row["measured"]
