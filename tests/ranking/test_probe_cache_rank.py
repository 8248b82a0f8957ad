"""advisor.rank through the probe cache: a warm re-rank computes no probe, and changing the
candidate set computes only what is new (counted by ``probe_cache.STATS.computed``)."""

from __future__ import annotations

import math

import pytest

import advisor
from advisor.ranking import probe_cache
from catalog import Entry
from tests.helpers.datasets import small_digits

pytestmark = pytest.mark.slow
PROBES = ["logme", "knn", "linear_probe"]


@pytest.fixture(scope="module")
def backbones():
    """Tiny timm networks with random weights (no download; each its own features)."""
    from advisor.models import load_backbone

    return {
        name: load_backbone(
            Entry(
                id=f"test_efficientnet.{name}",
                modality="image",
                source="timm",
                architecture="test_efficientnet",
                family="efficientnet",
            ),
            pretrained=False,
            seed=seed,
            device="cpu",
        )
        for seed, name in enumerate("abc")
    }


def rank(data, models, cache_dir, **options):
    before = probe_cache.STATS.computed
    ranking = advisor.rank(
        data, candidates=models, probes=PROBES, cache_dir=cache_dir, bootstrap=4, **options
    )
    return ranking, probe_cache.STATS.computed - before


def values(ranking) -> list:
    keys = ["candidate", "final_score", "p_best", "rank_low", "rank_high", *PROBES]
    return [[r[k] for k in keys] for r in ranking.records]


def test_a_warm_rerank_computes_no_probe(backbones, tmp_path):
    data = small_digits(8)
    a, b, c = backbones["a"], backbones["b"], backbones["c"]
    cold, n_cold = rank(data, [a, b], tmp_path)
    assert n_cold > 0 and all(math.isfinite(r["p_best"]) for r in cold.records)
    warm, n_warm = rank(data, [a, b], tmp_path)
    assert n_warm == 0 and values(warm) == values(cold)
    # A new process: the memo is empty, the files answer.
    probe_cache.clear_memo()
    disk, n_disk = rank(data, [a, b], tmp_path)
    assert n_disk == 0 and values(disk) == values(cold)
    # A cost budget that changes nothing: the fusion only.
    _, n_budget = rank(data, [a, b], tmp_path, max_params_m=1000.0)
    assert n_budget == 0
    # One candidate swapped: only its probes run (the same rows, so a's replicates hit).
    swapped, n_swapped = rank(data, [a, c], tmp_path)
    assert 0 < n_swapped < n_cold
    assert len(swapped.candidates) == 2 and swapped.candidates != cold.candidates
    _, n_again = rank(data, [a, c], tmp_path)
    assert n_again == 0


def test_set_level_probes_show_progress_and_are_cached(backbones, tmp_path):
    from advisor import events as ev

    data = small_digits(8)
    models = [backbones["a"], backbones["b"]]
    seen = []
    options = {"probes": ["logme", "ncti"], "cache_dir": tmp_path, "bootstrap": 3}
    first = advisor.rank(data, candidates=models, progress=seen.append, **options)
    phases = [(e.phase, e.detail) for e in seen if isinstance(e, ev.PhaseStarted)]
    assert phases[0][0] == "fusing" and ("set-level", "ncti, 1 of 1") in phases
    assert phases[-1][0] == "bootstrapping"
    before = probe_cache.STATS.computed
    again = advisor.rank(data, candidates=models, **options)
    assert probe_cache.STATS.computed == before
    assert [r["ncti"] for r in again.records] == [r["ncti"] for r in first.records]
