"""The terminal report prints the inputs a ranking had, and nothing for those it had not."""

import advisor
from advisor.ranking.report import rich_table, settings_line

ROWS = [{"candidate": "a", "logme": 1.0}, {"candidate": "b", "logme": 2.0}]


def test_a_ranked_run_shows_its_data_budget_seed_and_subsample():
    ranking = advisor.fuse(ROWS)
    ranking.settings = {
        "data": {"name": "digits", "n_used": 200, "n_total": 1797, "num_classes": 10},
        "budget": 200,
        "seed": 3,
        "subsample_indices_sha256": "abc123",
        "bootstrap_resamples": 30,
    }
    line = settings_line(ranking).splitlines()[0]
    assert line == (
        "settings: data=digits (200/1797 examples, 10 classes) budget=200 seed=3 "
        "subsample=abc123 probes=logme bootstrap=30"
    )


def test_fused_scores_show_their_source_and_no_cost_column(tmp_path):
    scores = tmp_path / "mine.csv"
    scores.write_text("candidate,logme\na,1.0\nb,2.0\n")
    ranking = advisor.fuse(scores)
    assert settings_line(ranking).splitlines()[0] == f"settings: scores={scores} probes=logme"
    table = rich_table(ranking)
    assert table.title == "Ranking (mine.csv)"
    assert [c.header for c in table.columns] == [
        "rank",
        "candidate",
        "final score",
        "logme",
        "params (M)",
    ]
