"""The cheaper bootstrap gives what the full one gives, on real digits pixels.

The oracle is the bootstrap as it was defined before the probe cache: every probe
recomputed on every stratified half-sample, then fused (written out here). Skipping probes
the fusion's fit gives no weight, serving replicates from the cache, and stopping early
when the leader wins every early replicate must not change the answer beyond that stop.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

from advisor.data.sampling import half_sample
from advisor.features import FeatureSet
from advisor.ranking import probe_cache
from advisor.ranking.fusion import fuse_scores
from advisor.ranking.fusion_params import FusionParams
from advisor.ranking.scoring import compute_probe_scores
from advisor.ranking.uncertainty import bootstrap_ranks, inert_probes, summarise

PROBES = ["logme", "knn", "hscore"]
# Fusion parameters under which kNN and H-score have no say (weight 0, no ranker term).
WEIGHTLESS = FusionParams(
    probe_weights={"logme": 1.0, "knn": 0.0, "hscore": 0.0},
    prior_weight=0.3,
    ranker={"logme": 0.5},
)


@pytest.fixture(autouse=True)
def weightless_fit(monkeypatch):
    from advisor.ranking import fusion, fusion_params

    monkeypatch.setattr(fusion, "load_params", lambda: WEIGHTLESS)
    monkeypatch.setattr(fusion_params, "load_params", lambda: WEIGHTLESS)


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return x[:300].astype(np.float32), y[:300]


def sets(digits, noise: dict) -> dict:
    x, y = digits
    rng = np.random.default_rng(0)
    return {
        name: FeatureSet(
            x + rng.normal(0, s + 1e-3, x.shape).astype(np.float32), None, y, name, 1.0, False, {}
        )
        for name, s in noise.items()
    }


def oracle(featuresets, n_boot: int, seed: int = 0) -> pd.DataFrame:
    """Every probe on every replicate (features are 64 wide: no projection applies)."""
    candidates = list(featuresets)
    labels = next(iter(featuresets.values())).labels
    entries = dict.fromkeys(featuresets)
    point = fuse_scores(compute_probe_scores(featuresets, PROBES, seed=seed), entries).final
    rng = np.random.default_rng(seed)
    ranks, wins = np.zeros((n_boot, len(candidates))), np.zeros(len(candidates))
    for b in range(n_boot):
        rows = half_sample(labels, rng, 0.5)
        subsets = {
            c: replace(fs, features=fs.features[rows], labels=fs.labels[rows])
            for c, fs in featuresets.items()
        }
        final = fuse_scores(compute_probe_scores(subsets, PROBES, seed=seed + b + 1), entries)
        values = final.final.reindex(candidates).to_numpy(float)
        ranks[b] = pd.Series(values).rank(ascending=False, method="min").to_numpy()
        best = np.flatnonzero(values == values.max())
        wins[best] += 1.0 / len(best)
    return summarise(candidates, ranks, wins / n_boot, point)


def cheap(featuresets, n_boot: int, cache=None, early_stop=None) -> pd.DataFrame:
    entries = dict.fromkeys(featuresets)
    scores = compute_probe_scores(featuresets, PROBES, cache=cache)
    return bootstrap_ranks(
        featuresets,
        PROBES,
        entries,
        n_boot=n_boot,
        seed=0,
        point=fuse_scores(scores, entries).final,
        scores=scores,
        cache=cache,
        early_stop=early_stop,
    )


COLUMNS = ["rank_low", "rank_high", "p_best", "too_close"]


def test_skipping_weightless_probes_changes_nothing(digits, tmp_path):
    featuresets = sets(digits, {"clean": 0.0, "mid_a": 3.0, "mid_b": 3.1, "bad": 9.0})
    scores = compute_probe_scores(featuresets, PROBES)
    assert inert_probes(scores, PROBES, dict.fromkeys(featuresets)) == ["knn", "hscore"]
    before = probe_cache.STATS.computed
    new = cheap(featuresets, 12, cache=tmp_path)
    computed = probe_cache.STATS.computed - before
    # the full-sample pass, then logme alone per replicate: the others weigh 0
    assert computed == len(PROBES) * len(featuresets) + 12 * len(featuresets)
    want = oracle(featuresets, 12)
    pd.testing.assert_frame_equal(new[COLUMNS], want[COLUMNS])
    assert new.attrs["leader"] == want.attrs["leader"]


def test_a_cached_bootstrap_is_the_computed_one(digits, tmp_path):
    featuresets = sets(digits, {"clean": 0.0, "mid": 3.0, "bad": 9.0})
    first = cheap(featuresets, 6, cache=tmp_path)
    before = probe_cache.STATS.computed
    probe_cache.clear_memo()  # as a new process would: the files answer
    again = cheap(featuresets, 6, cache=tmp_path)
    assert probe_cache.STATS.computed == before
    pd.testing.assert_frame_equal(again[COLUMNS], first[COLUMNS])
    pd.testing.assert_frame_equal(cheap(featuresets, 6)[COLUMNS], first[COLUMNS])  # uncached


def test_a_clear_leader_stops_early_and_a_close_call_does_not(digits):
    clear = sets(digits, {"clean": 0.0, "bad": 9.0, "worse": 14.0})
    stopped = cheap(clear, 30, early_stop=10)
    assert stopped.attrs["resamples"] == 10 and stopped.at["clean", "p_best"] == 1.0
    # The stop keeps the first ten replicates as they were.
    pd.testing.assert_frame_equal(stopped[COLUMNS], cheap(clear, 10)[COLUMNS])
    x, y = digits
    twins = {
        "a": FeatureSet(x, None, y, "a", 1.0, False, {}),
        "b": FeatureSet(x[:, ::-1].copy(), None, y, "b", 1.0, False, {}),
        "noisy": sets(digits, {"noisy": 9.0})["noisy"],
    }
    full = cheap(twins, 12, early_stop=10)
    assert full.attrs["resamples"] == 12
