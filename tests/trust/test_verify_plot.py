"""The verification plot renders the predictions and measures it is given; it computes none."""

import os
import stat

import pandas as pd
import pytest


def test_plot_depends_on_no_verification_computation():
    grimp = pytest.importorskip("grimp", reason="grimp comes with import-linter (the 'dev' extra)")
    graph = grimp.build_graph("advisor", cache_dir=None)
    imported = graph.find_modules_directly_imported_by("advisor.verification.plot")
    assert not {m for m in imported if m.startswith("advisor.verification")}


def test_plot_draws_what_it_is_given(tmp_path, monkeypatch):
    import advisor.verification.metrics as metrics
    from advisor.verification.plot import plot_predictions

    def no_computing(*args, **kwargs):
        raise AssertionError("the plot must not compute measures")

    monkeypatch.setattr(metrics, "ranking_measures", no_computing)
    methods = {
        "advisor": pd.Series({"a": 1.0, "b": 0.5, "c": None}),
        "logme": pd.Series({"a": 0.2, "b": 0.9, "c": 0.1}),
    }
    accuracy = pd.Series({"a": 0.9, "b": 0.7, "c": 0.6})
    measures = {"advisor": {"weighted_tau": 0.5, "regret_points": 0.0}}  # logme: none given
    previous = os.umask(0o022)
    try:
        path = plot_predictions(methods, accuracy, measures, tmp_path / "verify.png", title="t")
    finally:
        os.umask(previous)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["verify.png"]
