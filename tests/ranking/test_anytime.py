"""budget="auto": nested rounds on real digits, each row embedded once, stopping and dropping.

The library runs share one feature cache: EfficientNet-Lite0 (pretrained, offline) against
two tiny random-init networks, so the later runs read the first run's rows from the cache.
"""

import math

import numpy as np
import pytest

import advisor
from advisor import events as ev
from advisor.data import subsample
from advisor.ranking import anytime, anytime_rows
from advisor.ranking.anytime_rows import round_plan
from catalog import Entry

pytestmark = pytest.mark.slow

LITE0 = "efficientnet_lite0"
PROBES = ["logme", "knn"]


@pytest.fixture(scope="module")
def digits():
    return advisor.load_data("digits")


def test_rounds_nest_and_end_on_the_fixed_budget_rows(digits):
    plan = round_plan(digits.labels, cap=1000, seed=3)
    assert [len(rows) for rows in plan] == [200, 400, 1000]  # 800 -> 1000 is merged
    for before, after in zip(plan, plan[1:], strict=False):
        assert np.isin(before, after).all()  # every row of a round is in the next
    counts = np.bincount(digits.labels[plan[0]], minlength=10)
    assert counts.min() >= 10 and counts.max() <= 30  # stratified, as subsample is
    _, fixed = subsample(digits, budget=1000, seed=3)
    np.testing.assert_array_equal(plan[-1], fixed)  # the cap round is budget=1000's rows
    everything = round_plan(digits.labels, cap=10_000, seed=0)[-1]
    np.testing.assert_array_equal(everything, np.arange(len(digits)))


def _random_net(seed: int):
    from advisor.models import load_backbone

    entry = Entry(
        id=f"test_efficientnet.random{seed}",
        modality="image",
        source="timm",
        architecture="test_efficientnet",
        family="efficientnet",
    )
    return load_backbone(entry, pretrained=False, device="cpu", seed=seed)


@pytest.fixture(scope="module")
def nets():
    return [_random_net(1), _random_net(2)]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("anytime-cache")


def _rank(digits, candidates, cache_dir, budget, events=None, **options):
    return advisor.rank(
        digits,
        candidates=candidates,
        probes=PROBES,
        budget=budget,
        cache_dir=cache_dir,
        bootstrap=8,
        progress=None if events is None else events.append,
        **options,
    )


def _embedded(events) -> dict[str, list[int]]:
    """Rows each candidate embedded, per extraction (cache hits left out)."""
    done: dict[str, list[int]] = {}
    for event in events:
        if isinstance(event, ev.Extracting) and not event.cached and event.total:
            if event.done == event.total:
                done.setdefault(event.candidate, []).append(event.total)
    return done


def test_each_round_embeds_only_its_new_rows(digits, nets, cache_dir, monkeypatch):
    monkeypatch.setattr(anytime, "P_STOP", 2.0)  # never clear: run every round to the cap
    monkeypatch.setattr(anytime, "STABLE_ROUNDS", 99)
    monkeypatch.setattr(anytime, "ROUND_RESAMPLES", 4)  # keeps the test fast
    monkeypatch.setattr(anytime_rows, "START", 60)
    events = []
    ranking = _rank(digits, nets, cache_dir, "auto:240", events, min_per_class=2)
    rounds = [(e.round, e.rounds, e.examples) for e in events if isinstance(e, ev.AnytimeRound)]
    assert rounds == [(1, 3, 60), (2, 3, 120), (3, 3, 240)]
    assert "cap of 240" in ranking.settings["anytime"]["stop"]
    for candidate in ranking.candidates:
        assert _embedded(events)[candidate] == [60, 60, 120]  # each row once
        assert ranking.record(candidate)["examples"] == 240
    assert ranking.settings["budget"] == "auto:240"
    assert ranking.settings["data"]["n_used"] == 240
    assert ranking.settings["anytime"]["examples_embedded"] == 480

    again = []  # a rerun reads every round's rows from the cache
    rerun = _rank(digits, nets, cache_dir, "auto:240", again, min_per_class=2)
    assert _embedded(again) == {}
    assert [r["final_score"] for r in rerun.records] == [r["final_score"] for r in ranking.records]


@pytest.fixture(scope="module")
def clear_call(digits, nets, cache_dir):
    events = []
    ranking = _rank(digits, [LITE0, *nets], cache_dir, "auto:800", events)
    return ranking, events


def test_stops_once_the_leader_is_clear(clear_call):
    ranking, events = clear_call
    assert LITE0 in ranking.best
    (only,) = [e for e in events if isinstance(e, ev.AnytimeRound)]
    assert only.round == 1 and only.rounds == 3 and only.examples == 200
    assert only.p_best >= anytime.P_STOP and "P(best)" in only.stop
    info = ranking.settings["anytime"]
    assert info["examples_embedded"] == 600 and info["examples_at_cap"] == 3 * 800
    assert 0 < info["extract_seconds"] < info["extract_seconds_at_cap"]
    assert ranking.notes[0].startswith("anytime: stopped after round 1 of 3")


def test_a_dropped_candidate_stays_with_its_round(digits, nets, cache_dir, clear_call, monkeypatch):
    monkeypatch.setattr(anytime, "P_STOP", 2.0)
    monkeypatch.setattr(anytime, "TOP_K", 1)  # only first place counts: the nets are out
    events = []
    ranking = _rank(digits, [LITE0, *nets], cache_dir, "auto:800", events)
    assert _embedded(events) == {}  # round 1's rows come from the cache of the last test
    assert len(ranking) == 3 and LITE0 in ranking.best
    leader, *dropped = ranking.records
    assert leader["stopped_round"] is None and leader["examples"] == 200
    for position, record in enumerate(dropped, start=2):
        assert record["rank"] == position and record["stopped_round"] == 1
        assert record["examples"] == 200 and math.isnan(record["final_score"])
        assert math.isfinite(record["round_score"])  # its fused score in round 1
        assert record["knn"] < leader["knn"]  # its probe scores from round 1 are kept
        assert any(
            note.startswith(f"{record['candidate']} stopped at round 1") for note in ranking.notes
        )
    (only,) = [e for e in events if isinstance(e, ev.AnytimeRound)]
    assert only.leader == leader["candidate"] and only.candidates_left == 1
    assert set(only.dropped) == {r["candidate"] for r in dropped}
    assert only.stop == "one candidate is left"


def test_the_bottom_half_stops_from_round_two():
    order = [f"c{i}" for i in range(8)]
    ranked = {"order": order, "rank_low": {c: 1 for c in order}}
    assert anytime._out(ranked, 1) == []  # round 1: only the clearly out
    assert anytime._out(ranked, 2) == order[4:]
    assert anytime._out({"order": order[:4], "rank_low": {}}, 3) == ["c3"]  # keeps TOP_K
    hopeless = {"order": order, "rank_low": {**{c: 1 for c in order}, "c5": 4}}
    assert anytime._out(hopeless, 1) == ["c5"]


def test_a_stopped_candidate_counts_in_the_scales_shifted_to_the_final_round():
    import pandas as pd

    round_1 = pd.DataFrame(
        {"logme": [0.5, 0.4, 0.1], "knn": [0.80, 0.70, 0.20]}, index=["a", "b", "out"]
    )
    final = pd.DataFrame({"logme": [0.6, 0.6], "knn": [0.90, 0.74]}, index=["a", "b"])
    out = Entry(id="out", modality="image", source="timm", architecture="resnet18")
    entries = {"a": None, "b": None, "out": out}
    reference = anytime.scale_reference({1: round_1}, {"out": {"round": 1}}, entries, final)
    # The finalists' median change since round 1: logme +0.15, knn +0.07.
    assert reference.scores.loc["out"].to_dict() == pytest.approx({"logme": 0.25, "knn": 0.27})
    assert reference.entries == {"out": out}
    assert anytime.scale_reference({1: round_1}, {}, entries, final) is None


@pytest.mark.parametrize("bad", ["auto:1", "fast", "auto:x", 1, 2.5])
def test_rank_refuses_a_budget_that_is_not_a_size_or_auto(bad):
    from advisor.validation import ParameterError

    with pytest.raises(ParameterError, match=r"budget must be an integer >= 2, 'auto'"):
        advisor.rank("digits", budget=bad)
