"""advisor.rank end to end for every task, on the built-in examples: regression (digit slant),
multilabel (WordNet lemma classes) and text pairs (WordNet glosses), in the library and the
CLI; the probes of each task, the notes, fusion and the bootstrap."""

from __future__ import annotations

import json

import numpy as np
import pytest

import advisor
from advisor.data import subsample
from catalog import Entry
from tests.cli.runner import run_main

LITE0 = "tf_efficientnet_lite0.in1k"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"


def builtin(name, n, seed=0):
    data = advisor.load_data(name)
    return subsample(data, n, seed=seed)[0]


@pytest.fixture(scope="module")
def random_control():
    from advisor.models import load_backbone

    entry = Entry(
        id="test_efficientnet.random",
        modality="image",
        source="timm",
        architecture="test_efficientnet",
        family="efficientnet",
    )
    return load_backbone(entry, pretrained=False, device="cpu")


def test_digit_slant_regression_ranks_with_the_regression_probes(tmp_path, random_control):
    data = builtin("digits-regression", 120)
    ranking = advisor.rank(
        data,
        candidates=[LITE0, random_control],
        budget=None,
        bootstrap=4,
        cache_dir=tmp_path,
    )
    assert ranking.probes == ["logme", "knn_regression", "ridge", "source_entropy"]
    assert {r["candidate"] for r in ranking.records} == {LITE0, "test_efficientnet.random"}
    for record in ranking.records:
        assert all(np.isfinite(record[p]) for p in ("logme", "knn_regression", "ridge"))
        assert record["ridge"] > 0.2  # both embeddings carry the slant (R^2 of held-out rows)
        assert np.isfinite(record["final_score"])
    assert all(0.0 <= r["p_best"] <= 1.0 for r in ranking.records)  # the bootstrap ran
    assert any("fitted on classification benchmarks only" in n for n in ranking.notes)
    assert any("not defined for regression" in n and "leep" in n for n in ranking.notes)
    assert ranking.settings["data"]["task"] == "regression"


def test_a_probe_the_task_does_not_define_is_reported_not_skipped(tmp_path, random_control):
    data = builtin("digits-regression", 80)
    ranking = advisor.rank(
        data, candidates=[random_control], probes=["ridge", "knn"], bootstrap=False, budget=None
    )
    assert ranking.probes == ["ridge", "knn"]
    (cid,) = [r["candidate"] for r in ranking.records]
    assert np.isnan(ranking.record(cid)["knn"])
    assert ranking.probe_errors[cid]["knn"].startswith("not defined for regression")


def test_wordnet_multilabel_cli_ranks_with_linear_map_and_logme(tmp_path, capsys):
    out = tmp_path / "ranking.json"
    code, _, err = run_main(
        capsys,
        "rank",
        "wordnet-multilabel",
        "--models",
        MINILM,
        "--budget",
        "120",
        "--bootstrap",
        "0",
        "--format",
        "json",
        "--output",
        str(out),
    )
    assert code == 0, err
    ranking = json.loads(out.read_text())
    record = ranking["ranking"][0]
    assert ranking["probes"] == ["logme", "linear_map"]
    assert 0.0 < record["linear_map"] <= 1.0 and np.isfinite(record["logme"])
    assert any("not defined for multilabel" in n for n in ranking["notes"])


def test_wordnet_pairs_rank_and_say_how_a_pair_became_features(tmp_path):
    data = builtin("wordnet-pairs", 100)
    ranking = advisor.rank(data, candidates=[MINILM], bootstrap=False, budget=None)
    record = ranking.records[0]
    assert "linear_probe" in ranking.probes and 0.5 <= record["linear_probe"] <= 1.0
    (note,) = [n for n in ranking.notes if n.startswith("text pairs:")]
    assert "[u, v, |u-v|, u*v]" in note or "pair encoding" in note
    assert ranking.settings["data"]["text_pairs"] is True


def test_cli_regression_csv_end_to_end(tmp_path, capsys):
    """`advisor rank FILE.csv --task regression --text-column text --label-column y`."""
    rng = np.random.default_rng(0)
    words = ["tiny", "small", "medium", "large", "huge", "enormous"]
    rows = []
    for i in range(60):
        size = int(rng.integers(len(words)))
        rows.append((f"a {words[size]} box number {i}", size + float(rng.normal(0, 0.2))))
    path = tmp_path / "sizes.csv"
    path.write_text("text,y\n" + "".join(f"{t},{y:.3f}\n" for t, y in rows))
    code, out, err = run_main(
        capsys,
        "rank",
        str(path),
        "--task",
        "regression",
        "--text-column",
        "text",
        "--label-column",
        "y",
        "--models",
        MINILM,
        "--bootstrap",
        "0",
        "--format",
        "json",
    )
    assert code == 0, err
    assert "regression" in err  # the task it was given is said before the work
    ranking = json.loads(out)
    record = ranking["ranking"][0]
    assert ranking["probes"] == ["logme", "knn_regression", "ridge"]
    assert record["ridge"] > 0.3  # the size word predicts the target
