"""What each method predicted for the fine-tuned candidates (the advisor, the prior alone,
each probe), and how well each prediction agreed with the real accuracy."""

from __future__ import annotations

import pandas as pd

from advisor.verification.metrics import ranking_measures


def method_scores(ranking, candidates: list[str], entries=None) -> dict[str, pd.Series]:
    """Predicted score per method over ``candidates``: the advisor, the prior, each probe."""
    from advisor.ranking.fusion import fuse_scores
    from advisor.ranking.table_input import entries_for

    by_id = {r["candidate"]: r for r in ranking.records}
    out = {"advisor": pd.Series({c: by_id[c].get("final_score") for c in candidates}, dtype=float)}
    frame = pd.DataFrame(index=candidates)
    known = entries_for(frame)
    known.update({c: e for c, e in (entries or {}).items() if c in known})
    prior = fuse_scores(frame, known).final
    if prior.isna().all() and all(known.get(c) is not None for c in candidates):
        # No catalog fact separates them (e.g. text encoders trained on the same corpus): the
        # prior ties them all, and its regret is the expectation over the tie.
        prior = pd.Series(0.0, index=prior.index)
    if prior.notna().sum() >= 2:
        out["prior"] = prior
    for probe in ranking.probes:
        values = pd.Series({c: by_id[c].get(probe) for c in candidates}, dtype=float)
        if values.notna().sum() >= 2:
            out[probe] = values
    return out


def accuracy_of(rows: list[dict]) -> pd.Series:
    """Fine-tuned test score per candidate of the verification rows: accuracy (0-1), or the
    task's own figure (R^2, mean AP) for regression and multilabel."""
    return pd.Series(
        {r["candidate"]: r.get("test_score", r["test_accuracy"]) for r in rows}, dtype=float
    )


def measure_methods(methods: dict[str, pd.Series], accuracy: pd.Series) -> dict[str, dict]:
    """method -> ranking measures of its prediction against ``accuracy``."""
    return {name: ranking_measures(pred, accuracy) for name, pred in methods.items()}


def score_methods(ranking, rows: list[dict], entries=None) -> dict[str, dict]:
    accuracy = accuracy_of(rows)
    return measure_methods(method_scores(ranking, list(accuracy.index), entries), accuracy)
