"""Ranking on Ray: each candidate a Ray task, the same ranking as the local engine.

Two real offline candidates (EfficientNet-Lite0 and torchvision's MobileNetV2) on a digits
subsample; a worker killed in the middle of its extraction is retried by Ray.
"""

from __future__ import annotations

import math
import os

import pytest

import advisor
from advisor import events as ev

pytestmark = [pytest.mark.ray, pytest.mark.slow]

CANDIDATES = ["efficientnet_lite0", "torchvision/mobilenet_v2"]
OPTIONS = dict(candidates=CANDIDATES, budget=150, bootstrap=False, seed=0)


@pytest.fixture(scope="module")
def digits():
    return advisor.load_data("digits")


@pytest.fixture(scope="module")
def local_ranking(digits, tmp_path_factory):
    return advisor.rank(digits, cache_dir=tmp_path_factory.mktemp("local-cache"), **OPTIONS)


def assert_same_ranking(ray_ranking, local_ranking):
    assert [r["candidate"] for r in ray_ranking.records] == [
        r["candidate"] for r in local_ranking.records
    ]
    for ours, theirs in zip(ray_ranking.records, local_ranking.records, strict=True):
        for key in [*local_ranking.probes, "final_score"]:
            a, b = ours[key], theirs[key]
            assert (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-6, (key, a, b)


def test_ray_ranks_like_local_and_leaves_the_features_for_a_rerun(
    ray_cluster, digits, local_ranking, tmp_path
):
    events = []
    ranking = advisor.rank(
        digits, cache_dir=tmp_path, engine="ray", progress=events.append, **OPTIONS
    )
    assert_same_ranking(ranking, local_ranking)
    assert ranking.records[0]["cached"] is False
    for candidate in ranking.candidates:  # each worker's progress reached this process
        kinds = [type(e) for e in events if getattr(e, "candidate", None) == candidate]
        assert kinds[0] is ev.CandidateStarted and kinds[-1] is ev.CandidateDone
        assert ev.Extracting in kinds and ev.Probing in kinds
    again = advisor.rank(digits, cache_dir=tmp_path, **OPTIONS)  # here, from the cache
    assert all(r["cached"] for r in again.records)
    assert_same_ranking(again, local_ranking)


def kill_once_during_extraction(fn, flag: str):
    """The unit's function, but its worker process dies at its first extraction batch the
    first time any worker gets there (``flag`` records that it happened)."""

    def run(common, unit, emit, cancel):
        def emit_or_die(event):
            if isinstance(event, ev.Extracting) and event.done > 0 and not os.path.exists(flag):
                open(flag, "w").close()
                os._exit(1)  # no cleanup, no exception: as a killed process
            emit(event)

        return fn(common, unit, emit_or_die, cancel)

    return run


def test_a_worker_killed_mid_extraction_is_retried_with_the_same_ranking(
    ray_cluster, digits, local_ranking, tmp_path
):
    from advisor.engines.ray_engine import RayEngine

    flag = str(tmp_path / "killed")

    class KillOnce(RayEngine):
        def score(self, fn, units, **options):
            return super().score(kill_once_during_extraction(fn, flag), units, **options)

    ranking = advisor.rank(
        digits, cache_dir=tmp_path / "cache", engine=KillOnce(max_retries=2), **OPTIONS
    )
    assert os.path.exists(flag)  # a worker really died
    assert not ranking.failures
    assert_same_ranking(ranking, local_ranking)
