"""The fusion weights `advisor rank` actually uses with its default probes, and the recorded
out-of-sample evidence behind them (benchmarks/published.py, docs/trust.md)."""

import json
from pathlib import Path

import pandas as pd
import pytest

import probes
from advisor.ranking.fusion import fuse_scores
from advisor.ranking.fusion_params import FusionParams, load_params
from advisor.verification.metrics import ranking_measures

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "published.json"


def test_default_probes_take_their_groups_fitted_weights_and_ranker():
    """`advisor rank`'s default probes fuse with the reliabilities and ranker fitted for
    their task group; NCE and source entropy read the source head as LEEP does and take its
    record, and the most reliable source leads."""
    params = load_params()
    shipped = json.loads((ROOT / "catalog" / "data" / "fusion_params.json").read_text())
    assert set(shipped["groups"]) == {"image", "text", "segmentation"}
    for group, has_head in (("image", True), ("text", False)):
        fitted = params.for_group(group)
        raw = shipped["groups"][group]
        assert fitted.reliability == raw["reliability"] and fitted.ranker == raw["ranker"]
        computed = probes.default_probes("multiclass", has_source_probs=has_head)
        weights, prior = fitted.for_probes(computed)
        records = {p: raw["reliability"][params.proxies.get(p, p)] for p in computed}
        leader = max([*records.values(), raw["reliability"]["prior"]])
        # the prior's weight on the probes' scale (share = w / (w + the probes'); 1 - share cancels)
        prior_weight = prior / (1 - prior) * sum(weights.values()) if prior < 1 else 1.0
        assert max([*weights.values(), prior_weight]) == pytest.approx(1.0, rel=1e-4)
        for probe, record in records.items():
            assert (weights[probe] == 1.0) == (record == leader), probe
            assert (weights[probe] == 0.0) == (record <= 0), probe
    image = params.for_group("image").for_probes(["nce", "leep"])[0]
    assert image["nce"] == image["leep"] > 0
    assert "frozen-backbone accuracy" in shipped["provenance"]["linear_probe"]


def test_a_probe_the_fit_gives_no_say_still_ranks_what_the_prior_cannot():
    """`--probes logme` on images: the image fit leans on the prior, but a candidate the
    catalog knows nothing about is still ranked by LogME (the most reliable source computed
    for it), not tied."""
    from catalog import load_catalog

    catalog = load_catalog()
    known = {"tf_efficientnet_lite0.in1k": catalog.get("tf_efficientnet_lite0.in1k")}
    frame = pd.DataFrame({"logme": [2.0, 1.0, -1.0]}, index=[*known, "net_a", "net_b"])
    final = fuse_scores(frame, {**known, "net_a": None, "net_b": None}).final
    assert final["net_a"] > final["net_b"]


def test_a_proxy_takes_its_relatives_weight_from_the_matching_subset():
    params = FusionParams(
        default_probe_weight=0.25,
        prior_weight=0.7,
        proxies={"nce": "leep"},
        subsets={
            "leep": {"probe_weights": {"leep": 1.0}, "prior_weight": 0.9},
            "logme": {"probe_weights": {"logme": 1.0}, "prior_weight": 0.8},
            "leep+logme": {"probe_weights": {"leep": 0.5, "logme": 1.0}, "prior_weight": 0.4},
        },
    )
    assert params.for_probes(["nce", "logme"]) == ({"nce": 0.5, "logme": 1.0}, 0.4)
    assert params.for_probes(["nce"]) == ({"nce": 1.0}, 0.9)
    assert params.for_probes(["nce", "leep", "knn"]) == (
        {"nce": 1.0, "leep": 1.0, "knn": 0.25},
        0.9,
    )
    # No published probe or proxy computed: every probe at the default, the global prior weight.
    assert params.for_probes(["knn", "linear_probe"]) == ({"knn": 0.25, "linear_probe": 0.25}, 0.7)
    # Without the proxy, NCE is just another unfitted probe.
    plain = FusionParams(default_probe_weight=0.25, subsets=params.subsets)
    assert plain.for_probes(["nce", "logme"]) == ({"nce": 0.25, "logme": 1.0}, 0.8)


def test_nleep_scores_a_stratified_subsample_above_its_cap():
    """Above SAMPLE_CAPS["nleep"] rows, N-LEEP sees a capped, class-stratified subsample:
    the score equals N-LEEP on exactly those rows, and other probes still see every row."""
    from types import SimpleNamespace

    import numpy as np
    from sklearn.datasets import load_digits

    from advisor.data.sampling import half_sample
    from advisor.ranking import scoring
    from probes import REGISTRY, logme, nleep

    x, y = load_digits(return_X_y=True)
    fs = SimpleNamespace(features=x.astype(float), labels=y, source_probs=None)
    cap = scoring.SAMPLE_CAPS["nleep"]
    assert len(y) > cap
    got = scoring.score_candidate(fs, [REGISTRY["nleep"], REGISTRY["logme"]], seed=3)
    rows = half_sample(y, np.random.default_rng(3), fraction=cap / len(y))
    assert abs(len(rows) - cap) <= 10 and set(np.unique(y[rows])) == set(np.unique(y))
    assert got.scores["nleep"] == pytest.approx(
        REGISTRY["nleep"].compute(features=x[rows], labels=y[rows], seed=3, task="multiclass"),
        rel=1e-9,
    )
    assert got.scores["nleep"] != pytest.approx(nleep(x, y, seed=3), rel=1e-6)
    assert got.scores["logme"] == pytest.approx(logme(x.astype(float), y), rel=1e-9)


def test_recorded_folds_reproduce_and_their_track_records_never_saw_the_held_out_target():
    """benchmarks/results/published.json: every LODO fold's fused ranking is recomputed from
    its recorded parameters, and its track record equals one built without that target."""
    from benchmarks import track_record as tr
    from benchmarks.tables import all_tables

    recorded = json.loads(RESULTS.read_text())
    tables = all_tables()
    rows = tr.relative_rows(tables)
    full = tr.records(rows)
    for name in ("keras_zoo", "zoo"):
        for target in tables[name]:
            fold = recorded[name]["folds"][target.name]
            params = FusionParams.from_dict(fold["params"])
            held_out = tr.records(rows, exclude={(name, target.name)})

            def own(record, ids=tuple(target.entries)):
                # A model seen on no other target has no record in the fold (None here).
                return {m: record["models"].get(m) for m in ids}

            assert own(params.track_record) == pytest.approx(own(held_out), abs=1e-6)
            assert own(params.track_record) != pytest.approx(own(full), abs=1e-6)
            final = fuse_scores(
                target.scores, target.entries, params=params, task_group=fold["group"]
            ).final
            assert ranking_measures(final, target.accuracy)["weighted_tau"] == pytest.approx(
                recorded[name]["per_method"]["fused"][target.name]["weighted_tau"], abs=1e-5
            )
