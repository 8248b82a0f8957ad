"""advisor.rank on real data with real weights: EfficientNet-Lite0 against a random-init control.

One ranking is computed per module (digits, 100 examples) and reused; the re-rank from the
feature cache must reproduce it exactly without a forward pass.
"""

import json
import math
import threading

import pytest

import advisor
from advisor import events as ev
from advisor.errors import AdvisorError, Cancelled
from catalog import Entry
from tests.helpers.datasets import make_features_npz

pytestmark = pytest.mark.slow

LITE0 = "efficientnet_lite0"
BUDGET = 100
PROBES = ["logme", "hscore", "knn", "leep"]


@pytest.fixture(scope="module")
def digits():
    return advisor.load_data("digits")


@pytest.fixture(scope="module")
def random_control():
    """A tiny timm network with random weights: no pretrained knowledge at all."""
    from advisor.models import load_backbone

    entry = Entry(
        id="test_efficientnet.random",
        modality="image",
        source="timm",
        architecture="test_efficientnet",
        family="efficientnet",
    )
    return load_backbone(entry, pretrained=False, device="cpu")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("rank-cache")


@pytest.fixture(scope="module")
def first_run(digits, random_control, cache_dir):
    events = []
    ranking = advisor.rank(
        digits,
        candidates=[LITE0, random_control],
        probes=PROBES,
        budget=BUDGET,
        cache_dir=cache_dir,
        seed=0,
        progress=events.append,
        bootstrap=8,
    )
    return ranking, events


def test_pretrained_outranks_random_init(first_run):
    ranking, _ = first_run
    assert [r["rank"] for r in ranking.records] == [1, 2]
    assert isinstance(ranking.best, str) and LITE0 in ranking.best
    top, control = ranking.records
    assert top["candidate"] == ranking.best
    assert control["candidate"] == "test_efficientnet.random"
    # Not only the fused score: the label-aware probes agree on their own.
    for probe in ("logme", "knn"):
        assert top[f"{probe}_rank"] == 1, probe
    assert top["knn"] > control["knn"] + 0.1


def test_records_have_the_documented_keys(first_run):
    ranking, _ = first_run
    best = ranking.record(ranking.best)
    for key in [
        "candidate",
        "rank",
        "final_score",
        *PROBES,
        *(f"{p}_rank" for p in PROBES),
        "params_m",
        "gmacs",
        "embed_dim",
        "imagenet_top1",
        "extract_seconds",
        "cached",
        "probe_seconds",
        "availability",
        "why",
    ]:
        assert key in best, key
    assert best["availability"] == "offline" and best["embed_dim"] == 1280
    assert best["extract_seconds"] > 0 and best["cached"] is False
    assert math.isfinite(best["final_score"]) and best["why"].startswith("Strongest")


def test_bootstrap_gives_rank_intervals(first_run):
    pytest.importorskip("advisor.ranking.uncertainty", reason="the trust work is not installed")
    ranking, _ = first_run
    assert ranking.settings["bootstrap_resamples"] == 8
    for record in ranking.records:
        assert 1 <= record["rank_low"] <= record["rank_high"] <= 2
        assert 0.0 <= record["p_best"] <= 1.0
    top, runner_up = ranking.records
    # The order and P(best) agree, or the ranking says they differ and flags both.
    if runner_up["p_best"] > top["p_best"]:
        assert top["too_close"] and runner_up["too_close"]
        assert any(runner_up["candidate"] in note for note in ranking.notes)


def test_leep_needs_a_source_head(first_run):
    ranking, _ = first_run
    by_id = {r["candidate"]: r for r in ranking.records}
    assert math.isfinite(ranking.records[0]["leep"])  # the ImageNet head of Lite0
    # timm's test model also has a (random) classifier head, so LEEP is computed for it too,
    # but it carries no knowledge: LEEP must prefer the real one.
    assert by_id["test_efficientnet.random"]["leep_rank"] in (2, None)


def test_settings_record_how_to_reproduce(first_run, digits):
    ranking, _ = first_run
    s = ranking.settings
    assert s["data"]["fingerprint"] == digits.fingerprint()
    assert s["data"]["n_used"] == BUDGET and s["data"]["n_total"] == len(digits)
    assert sum(s["data"]["class_counts_used"].values()) == BUDGET
    assert s["budget"] == BUDGET and s["seed"] == 0 and len(s["subsample_indices_sha256"]) == 16
    assert s["probes"] == PROBES and s["versions"]["torch"]
    json.loads(ranking.to_json())  # strict JSON


def test_progress_events_are_typed_and_follow_the_contract(first_run):
    _, events = first_run
    per_candidate = [type(e) for e in events if isinstance(e, ev.CandidateEvent)]
    per_candidate = [t for t in per_candidate if t is not ev.Extracting]
    assert per_candidate == [ev.CandidateStarted, ev.Probing, ev.CandidateDone] * 2
    for event in events:
        assert isinstance(event, ev.RANK_EVENTS)
        if isinstance(event, ev.CandidateEvent):
            assert event.candidates == 2 and event.position in (0, 1)
    done = [e for e in events if isinstance(e, ev.CandidateDone)]
    assert [e.position for e in done] == [0, 1]
    assert math.isfinite(done[0].record["logme"])
    extracting = [e for e in events if isinstance(e, ev.Extracting)]
    assert extracting and all(0 <= e.done <= (e.total or e.done) for e in extracting)
    # After the candidates: fusing, then bootstrapping with one event per resample.
    tail = events[events.index(done[-1]) + 1 :]
    assert [e.phase for e in tail if isinstance(e, ev.PhaseStarted)] == ["fusing", "bootstrapping"]
    resamples = [(e.done, e.total) for e in tail if isinstance(e, ev.BootstrapProgress)]
    assert resamples == [(i, 8) for i in range(1, 9)]


def test_cache_hit_rerank_is_identical_and_free(first_run, digits, random_control, cache_dir):
    ranking, _ = first_run
    again = advisor.rank(
        digits,
        candidates=[LITE0, random_control],
        probes=PROBES,
        budget=BUDGET,
        cache_dir=cache_dir,
        seed=0,
        bootstrap=8,
    )
    assert again.candidates == ranking.candidates
    for old, new in zip(ranking.records, again.records, strict=True):
        assert new["cached"] is True and new["extract_seconds"] == 0.0
        for key in ["final_score", *PROBES, "p_best", "rank_low", "rank_high"]:
            if key not in old:  # uncertainty keys exist only with the trust work installed
                continue
            assert new[key] == old[key] or (math.isnan(new[key]) and math.isnan(old[key])), key


def test_a_failing_candidate_is_reported_and_the_others_rank(digits, cache_dir, tmp_path):
    broken = Entry(
        id="my_broken_checkpoint",
        modality="image",
        source="local",
        architecture="resnet18",
        local_path=str(tmp_path / "missing.safetensors"),
    )
    ranking = advisor.rank(
        digits,
        candidates=[LITE0, broken],
        probes=["logme"],
        budget=BUDGET,
        cache_dir=cache_dir,
        bootstrap=False,
    )
    assert ranking.candidates == [ranking.best]
    assert LITE0 in ranking.best
    assert "missing.safetensors" in ranking.failures["my_broken_checkpoint"]


def test_every_candidate_failing_is_an_error(digits, cache_dir, tmp_path):
    broken = Entry(
        id="only_broken",
        modality="image",
        source="local",
        architecture="resnet18",
        local_path=str(tmp_path / "nope.pth"),
    )
    with pytest.raises(AdvisorError, match="no candidate could be ranked.*only_broken"):
        advisor.rank(
            digits,
            candidates=[broken],
            probes=["logme"],
            budget=BUDGET,
            cache_dir=cache_dir,
            bootstrap=False,
        )


def test_cancel_stops_before_work(digits, cache_dir):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        advisor.rank(
            digits,
            candidates=[LITE0],
            probes=["logme"],
            budget=BUDGET,
            cache_dir=cache_dir,
            cancel=cancel,
        )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"probes": ["logme", "no_such_probe"]}, "no_such_probe"),
        ({"budget": 0}, "budget"),
        ({"candidates": []}, "candidates is empty"),
        ({"candidates": [42]}, "not a catalog id"),
        ({"bootstrap": -1}, "bootstrap"),
    ],
)
def test_bad_arguments_raise_clear_errors(digits, kwargs, message):
    with pytest.raises(AdvisorError, match=message):
        advisor.rank(digits, **{"candidates": [LITE0], **kwargs})


def test_text_model_on_image_data_is_skipped_with_reason(digits, cache_dir):
    ranking = advisor.rank(
        digits,
        candidates=[LITE0, "all-MiniLM-L6-v2"],
        probes=["logme"],
        budget=BUDGET,
        cache_dir=cache_dir,
        bootstrap=False,
    )
    assert len(ranking) == 1
    (skipped,) = ranking.excluded.values()
    assert "excluded" not in ranking.settings
    assert "text model but the data are image" in skipped


def test_precomputed_features_rank_as_one_pseudo_candidate(tmp_path):
    path = make_features_npz(tmp_path / "features.npz", n_per_class=20, num_classes=3)
    ranking = advisor.rank(str(path), probes=["logme", "knn"], bootstrap=False)
    assert ranking.candidates == ["features"]
    assert ranking.settings["data"]["n_used"] == 60
    assert ranking.records[0]["knn"] > 0.9  # digit pixels of 0, 1 and 2 separate well
    with pytest.raises(AdvisorError, match="precomputed features"):
        advisor.rank(str(path), candidates=[LITE0])


def test_best_candidate_is_on_the_quality_cost_front(first_run):
    ranking, _ = first_run
    top = ranking.records[0]
    assert top["pareto"] is True  # nothing beats the top score
    assert ranking.pareto_cost in ("params_m", "latency_ms")
    assert top["latency_ms"] > 0


def test_cost_budgets_skip_candidates_with_reasons(first_run, digits, random_control, cache_dir):
    small = advisor.rank(
        digits,
        candidates=[LITE0, random_control],
        probes=["logme"],
        budget=BUDGET,
        cache_dir=cache_dir,
        bootstrap=False,
        max_params_m=1.0,
    )
    assert small.candidates == ["test_efficientnet.random"]  # size unknown: kept
    assert "4.65M parameters is over max_params_m=1" in small.excluded["tf_efficientnet_lite0.in1k"]
    with pytest.raises(AdvisorError, match="no candidate could be ranked.*ms/example"):
        advisor.rank(
            digits,
            candidates=[LITE0],
            probes=["logme"],
            budget=BUDGET,
            cache_dir=cache_dir,
            bootstrap=False,
            max_latency_ms=1e-9,
        )
