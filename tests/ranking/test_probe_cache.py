"""The probe-result cache (advisor/ranking/probe_cache.py) on real digits pixels.

A hit must give exactly what recomputing gives; a damaged file, another seed, other rows,
other options or other features must recompute; a warm re-rank computes no probe at all
(counted by ``probe_cache.STATS.computed``, which ticks right before a probe runs).
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from sklearn.datasets import load_digits

from advisor.features import FeatureSet
from advisor.ranking import probe_cache, scoring
from advisor.ranking.probe_cache import STATS, ProbeCache

PROBES = ["logme", "knn", "linear_probe"]


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return x[:240].astype(np.float32), y[:240]


def featureset(digits, noise: float = 0.0, name: str = "c") -> FeatureSet:
    x, y = digits
    x = x + np.random.default_rng(1).normal(0, noise + 1e-3, x.shape).astype(np.float32)
    return FeatureSet(x, None, y, name, 0.0, False, {})


@pytest.fixture()
def specs():
    return scoring.plan_probes(PROBES, has_source_head=False)


def computed(run) -> tuple[object, int]:
    before = STATS.computed
    out = run()
    return out, STATS.computed - before


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a
    )


def test_a_hit_gives_what_recomputing_gives(digits, specs, tmp_path):
    fs = featureset(digits)
    fresh = scoring.score_candidate(fs, specs).scores  # no cache at all
    first, n_first = computed(lambda: scoring.score_candidate(fs, specs, cache=tmp_path).scores)
    assert n_first == len(PROBES) and same(first, fresh)
    again, n_again = computed(lambda: scoring.score_candidate(fs, specs, cache=tmp_path).scores)
    assert n_again == 0 and same(again, fresh)
    # Another process: nothing in memory, the file answers.
    probe_cache.clear_memo()
    reads, hits = STATS.disk_reads, STATS.hits
    disk, n_disk = computed(lambda: scoring.score_candidate(fs, specs, cache=tmp_path).scores)
    assert n_disk == 0 and same(disk, fresh)
    assert STATS.disk_reads - reads == 1 and STATS.hits - hits == len(PROBES)
    # Equal arrays in another object are the same evidence.
    twin = featureset(digits)
    _, n_twin = computed(lambda: scoring.score_candidate(twin, specs, cache=tmp_path))
    assert n_twin == 0


@pytest.mark.parametrize("damage", ["garbage", "tampered", "foreign"])
def test_a_damaged_entry_is_detected_and_recomputed(digits, specs, tmp_path, damage):
    fs = featureset(digits)
    good = scoring.score_candidate(fs, specs, cache=tmp_path).scores
    files = list(tmp_path.glob("*/*.json"))
    assert len(files) == 1
    raw = json.loads(files[0].read_text())
    if damage == "garbage":
        files[0].write_text('{"format": 1, "entr')
    elif damage == "tampered":  # a changed score without a matching checksum
        key = next(iter(raw["entries"]))
        raw["entries"][key]["score"] = 123.0
        files[0].write_text(json.dumps(raw))
    else:  # a whole, valid file under another group's name
        raw["group"] = "0" * 64
        files[0].write_text(json.dumps(raw))
    probe_cache.clear_memo()
    corrupt = STATS.corrupt
    again, n = computed(lambda: scoring.score_candidate(fs, specs, cache=tmp_path).scores)
    assert STATS.corrupt - corrupt == 1 and n == len(PROBES) and same(again, good)
    assert json.loads(files[0].read_text())["entries"]  # rewritten whole


def test_other_seed_rows_options_or_features_miss(digits, specs, tmp_path):
    fs = featureset(digits)
    scoring.score_candidate(fs, specs, cache=tmp_path)
    _, n_seed = computed(lambda: scoring.score_candidate(fs, specs, seed=1, cache=tmp_path))
    assert n_seed == len(PROBES)
    _, n_rows = computed(
        lambda: scoring.score_candidate(fs, specs, cache=tmp_path, rows="other-rows")
    )
    assert n_rows == len(PROBES)
    knn = next(s for s in specs if s.name == "knn")
    other_k = dataclasses.replace(knn, options={**knn.options, "k": 3})
    out, n_opts = computed(lambda: scoring.score_candidate(fs, [other_k], cache=tmp_path).scores)
    assert n_opts == 1 and same(out, scoring.score_candidate(fs, [other_k]).scores)
    noisy = featureset(digits, noise=2.0)
    _, n_noisy = computed(lambda: scoring.score_candidate(noisy, specs, cache=tmp_path))
    assert n_noisy == len(PROBES)
    # A wrapped spec (not the registry's own) is never cached.
    wrapped = dataclasses.make_dataclass("Wrapped", [])
    assert not probe_cache.cacheable(wrapped())


def test_set_level_results_belong_to_their_candidate_set(digits, tmp_path):
    specs = scoring.plan_probes(["ncti"], has_source_head=False)
    two = {"a": featureset(digits, 0.0, "a"), "b": featureset(digits, 4.0, "b")}
    first, n_first = computed(lambda: scoring.score_set_level(two, specs, cache=tmp_path))
    again, n_again = computed(lambda: scoring.score_set_level(two, specs, cache=tmp_path))
    assert n_first == 1 and n_again == 0 and again == first
    assert first == scoring.score_set_level(two, specs)  # what recomputing gives
    three = {**two, "c": featureset(digits, 8.0, "c")}
    _, n_three = computed(lambda: scoring.score_set_level(three, specs, cache=tmp_path))
    assert n_three == 1  # NCTI compares candidates: a new set is new evidence


def test_batch_writes_each_group_once_and_survives_a_raise(digits, specs, tmp_path):
    store = ProbeCache(tmp_path)
    fs = featureset(digits)
    writes = STATS.writes
    with pytest.raises(RuntimeError), store.batch():
        for seed in range(3):
            scoring.score_candidate(fs, specs[:1], seed=seed, cache=store, group="g" * 64)
        raise RuntimeError("cancelled")
    assert STATS.writes - writes == 1
    probe_cache.clear_memo()
    assert len(ProbeCache(tmp_path).get("g" * 64)) == 3
