"""`advisor.verify` on a tiny real setup: two real offline backbones, real fine-tuning."""

import json

import pandas as pd
import pytest

import advisor
from advisor.errors import AdvisorError
from advisor.ranking.fusion import fuse_scores
from advisor.ranking.result import build_ranking

LITE0, LITE1 = "tf_efficientnet_lite0.in1k", "tf_efficientnet_lite1.in1k"


def tiny_ranking():
    """A ranking as `advisor fuse` would build it from probe scores computed elsewhere."""
    scores = pd.DataFrame({"logme": [1.0, 2.0], "knn": [0.3, 0.2]}, index=[LITE0, LITE1])
    entries = dict.fromkeys(scores.index)
    return build_ranking(scores, entries, fuse_scores(scores, entries))


@pytest.mark.slow
def test_verify_fine_tunes_scores_and_caches(tmp_path):
    ranking = tiny_ranking()
    kwargs = dict(
        ranking=ranking,
        top=2,
        epochs=1,
        budget=60,
        output=tmp_path / "out",
        cache_dir=tmp_path / "cache",
        image_size=32,
        batch_size=16,
    )
    report = advisor.verify("digits", **kwargs)
    assert [r["candidate"] for r in report.candidates] == ranking.candidates
    for row in report.candidates:
        assert 0.0 <= row["test_accuracy"] <= 1.0 and not row["cached"]
    saved = json.loads((tmp_path / "out" / "verify.json").read_text())
    assert set(saved["measures"]) >= {"advisor", "logme", "knn"}
    best = max(report.candidates, key=lambda r: r["test_accuracy"])
    advisor_pick = report.measures["advisor"]
    assert advisor_pick["chosen"] == ranking.best
    expected_regret = 100 * (best["test_accuracy"] - report.candidates[0]["test_accuracy"])
    assert advisor_pick["regret_points"] == pytest.approx(expected_regret)
    assert (tmp_path / "out" / "verify.png").stat().st_size > 1000

    again = advisor.verify("digits", **kwargs)  # same protocol: served from the cache
    assert all(r["cached"] for r in again.candidates)
    assert [r["test_accuracy"] for r in again.candidates] == [
        r["test_accuracy"] for r in report.candidates
    ]


def test_verify_rejects_a_top_below_two():
    with pytest.raises(AdvisorError, match="top must be"):
        advisor.verify("digits", ranking=tiny_ranking(), top=1)


def test_prior_that_ties_every_candidate_is_kept_as_a_tie():
    """Text encoders on the same corpus share every catalog fact: the prior row stays, as a
    tie whose regret is the expectation over the tied picks."""
    from advisor.verification.metrics import ranking_measures
    from advisor.verification.run import method_scores

    minilm, mpnet = (
        "sentence-transformers/all-MiniLM-L6-v2",
        "sentence-transformers/all-mpnet-base-v2",
    )
    scores = pd.DataFrame({"logme": [1.0, 2.0]}, index=[minilm, mpnet])
    entries = dict.fromkeys(scores.index)
    ranking = build_ranking(scores, entries, fuse_scores(scores, entries))
    methods = method_scores(ranking, [minilm, mpnet])
    assert methods["prior"].tolist() == [0.0, 0.0]
    measures = ranking_measures(methods["prior"], pd.Series({minilm: 0.50, mpnet: 0.60}))
    assert measures["chosen"] == f"{minilm} | {mpnet}"
    assert measures["regret_points"] == pytest.approx(5.0)


def test_verify_says_why_when_fewer_than_two_fine_tunes_finish(tmp_path):
    """Every fine-tune failing is a clear error naming the failures, not a numpy traceback."""

    def broken():
        raise RuntimeError("this backbone cannot be built")

    with pytest.raises(AdvisorError, match=r"only 0 of 2 fine-tunes finished.*cannot be built"):
        advisor.verify(
            "digits",
            ranking=tiny_ranking(),
            top=2,
            epochs=1,
            budget=60,
            output=tmp_path / "out",
            cache_dir=tmp_path / "cache",
            models={LITE0: broken, LITE1: broken},
        )
