"""advisor.rank(layers=...): layermean, bestlayer, per-layer scores and the frozen-feature layer.

Real computations: all-MiniLM-L6-v2 (offline package) on ~40 real texts, and a tiny
random-init timm EfficientNet on real digits. The probe values are recomputed here from
the cached layer features with the probes themselves.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import advisor
from advisor import validation as v
from advisor.features import FeatureCache, extract
from probes import REGISTRY
from tests.helpers.datasets import make_text_csv, small_digits, small_texts
from tests.models.entries import MINILM, offline_entry, tiny_image_entry

PROBES = ["logme", "knn"]


@pytest.fixture(scope="module")
def texts():
    return small_texts(n_per_class=14, seed=0)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("layer-cache")


def _rank(data, candidates, cache_dir, layers, probes=PROBES):
    ranking = advisor.rank(
        data,
        candidates=candidates,
        probes=probes,
        budget=None,
        cache_dir=cache_dir,
        bootstrap=False,
        layers=layers,
    )
    return ranking, ranking.records[0]


@pytest.fixture(scope="module")
def rankings(texts, cache_dir):
    modes = ("last", "layermean", "bestlayer")
    return {mode: _rank(texts, [MINILM], cache_dir, mode) for mode in modes}


@pytest.fixture(scope="module")
def layer_features(texts, cache_dir):
    """The layers exactly as rank() used them: read back from its feature cache."""
    fs = extract(offline_entry(MINILM), texts, cache=FeatureCache(cache_dir), layers=True)
    assert fs.cached
    return fs.layer_features()


def _probe(name, features, labels):
    return float(
        REGISTRY[name].compute(features=features, labels=labels, seed=0, task="multiclass")
    )


def test_last_is_todays_path(rankings, texts, cache_dir):
    ranking, record = rankings["last"]
    assert "layer_scores" not in record and "best_layer" not in record
    assert ranking.settings["layers"] == "last"
    plain = extract(offline_entry(MINILM), texts, cache=FeatureCache(cache_dir))
    assert plain.cached and plain.layers is None  # the default entry, not the layered one
    assert record["logme"] == pytest.approx(_probe("logme", plain.features, texts.labels))


def test_layermean_scores_the_mean_of_the_layer_features(rankings, layer_features, texts):
    _, record = rankings["layermean"]
    assert record["layers_used"] == [f"layer{i}" for i in range(1, 7)]
    mean = np.mean(np.stack(list(layer_features.values())), axis=0)
    for probe in PROBES:
        assert record[probe] == pytest.approx(_probe(probe, mean, texts.labels), rel=1e-5)


def test_bestlayer_takes_each_probes_best_layer(rankings, layer_features, texts):
    _, record = rankings["bestlayer"]
    layer_scores = record["layer_scores"]
    assert list(layer_scores) == list(layer_features)  # every layer, in network order
    for name, array in layer_features.items():  # each per-layer score is that layer's probe
        assert layer_scores[name]["logme"] == pytest.approx(
            _probe("logme", array, texts.labels), rel=1e-6
        )
    for probe in PROBES:
        assert record[probe] == max(s[probe] for s in layer_scores.values())
    assert record["best_layer_probe"] == "logme"
    assert record["best_layer"] == max(layer_scores, key=lambda n: layer_scores[n]["logme"])


def test_last_layer_scores_equal_the_default_ranking(rankings):
    _, last = rankings["last"]
    _, best = rankings["bestlayer"]
    for probe in PROBES:
        assert best["layer_scores"]["layer6"][probe] == pytest.approx(last[probe], rel=1e-5)


def test_layer_records_survive_json(rankings):
    ranking, record = rankings["bestlayer"]
    again = advisor.Ranking.from_json(ranking.to_json())
    assert again.records[0]["layer_scores"] == record["layer_scores"]
    assert again.records[0]["best_layer"] == record["best_layer"]
    assert again.settings["layers"] == "bestlayer"


def test_cnn_layers_report_stages_and_layermean_keeps_the_final_width(cache_dir):
    from advisor.models import load_backbone

    digits = small_digits(n_per_class=4, seed=0)
    tiny = load_backbone(tiny_image_entry(), device="cpu", pretrained=False)
    _, last = _rank(digits, [tiny], cache_dir, "last", [*PROBES, "leep"])
    _, mean = _rank(digits, [tiny], cache_dir, "layermean", [*PROBES, "leep"])
    _, best = _rank(digits, [tiny], cache_dir, "bestlayer", [*PROBES, "leep"])
    assert list(best["layer_scores"]) == ["stage2", "stage3", "stage4", "final"]
    # Stages are narrower than the 256-wide embedding, so only the final layer is averaged.
    assert mean["layers_used"] == ["final"]
    assert mean["logme"] == pytest.approx(last["logme"], rel=1e-6)
    assert best["logme"] == max(s["logme"] for s in best["layer_scores"].values())
    # LEEP reads only the source head, so no layer changes it.
    assert math.isfinite(best["leep"]) and best["leep"] == pytest.approx(last["leep"])
    assert "leep" not in best["layer_scores"]["final"]


def test_an_unknown_mode_is_a_parameter_error(texts):
    with pytest.raises(v.ParameterError, match=r"layers must be one of 'last'.*\(got 'middle'\)"):
        advisor.rank(texts, candidates=[MINILM], layers="middle")


def test_cli_names_the_layer_for_frozen_features(tmp_path, capsys, cache_dir):
    from tests.cli.runner import run_main

    data = make_text_csv(tmp_path / "texts.csv", n_per_class=14)
    code, out, err = run_main(
        capsys,
        "rank",
        data,
        "--models",
        MINILM,
        "--probes",
        "logme",
        "--layers",
        "bestlayer",
        "--no-bootstrap",
        "--cache-dir",
        cache_dir,
    )
    assert code == 0, err
    assert "layers: bestlayer; frozen features: the layer with the best logme score" in out
    assert f"{MINILM}: use layer layer" in out
