"""What a Ranking records of its own fusion, and how its text outputs show it."""

import csv
import io
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import advisor
from advisor.ranking.candidates import load_catalog_arg
from advisor.ranking.fusion import fuse_scores
from advisor.ranking.fusion_params import load_params
from advisor.ranking.report import main_probes, settings_line
from advisor.ranking.result import Ranking, build_ranking
from advisor.validation import ParameterError
from catalog import Entry


def _contradicted_ranking() -> Ranking:
    """logme and knn agree with the ImageNet prior (m0 > m1 > ...); leep, the heaviest probe
    by its fitted weight, reverses them, so agreement gating takes its vote away."""
    n = 8
    good = np.linspace(1.0, 0.0, n)
    ids = [f"m{i}" for i in range(n)]
    frame = pd.DataFrame(
        {"logme": good, "knn": good + 0.01 * np.sin(np.arange(n)), "leep": good[::-1]}, index=ids
    )
    entries = {
        c: Entry(
            id=c,
            modality="image",
            source="timm",
            architecture="resnet50",
            params_m=10.0,
            imagenet_top1=80.0 - i,
            pretraining_data="in1k",
        )
        for i, c in enumerate(ids)
    }
    params = replace(
        load_params(),
        probe_weights={"logme": 1.0, "knn": 1.0, "leep": 4.0},
        prior_weight=0.1,
        probe_gate=0.25,
        reliability={},  # the fixed weights above, no stack: the gate is what is tested
        ranker={},
        groups={},
    )
    return build_ranking(frame, entries, fuse_scores(frame, entries, params=params))


def test_the_ranking_keeps_the_weights_its_fusion_used():
    ranking = _contradicted_ranking()
    assert ranking.best == "m0"  # the gated probe did not decide the order
    assert ranking.probe_weights["leep"] == 0.0
    assert ranking.probe_weights["logme"] > 0 and ranking.probe_weights["knn"] > 0
    # The table leads with the probes that decided it, not the one whose vote was cut.
    assert main_probes(ranking)[-1] == "leep"
    assert set(main_probes(ranking)[:2]) == {"logme", "knn"}


def test_the_effective_weights_survive_the_json_round_trip():
    ranking = _contradicted_ranking()
    again = Ranking.from_json(ranking.to_json())
    assert again.probe_weights == pytest.approx(ranking.probe_weights)
    assert main_probes(again) == main_probes(ranking)


def test_a_ranking_saved_without_weights_still_loads_and_orders_its_probes():
    saved = json.loads(
        advisor.fuse(
            [
                {"candidate": "a", "logme": 1.0, "knn": 0.2},
                {"candidate": "b", "logme": 2.0, "knn": 0.1},
            ]
        ).to_json()
    )
    del saved["probe_weights"]
    old = Ranking.from_json(json.dumps(saved))
    assert old.probe_weights == {}
    assert sorted(main_probes(old)) == ["knn", "logme"]


def test_csv_cells_holding_dicts_are_json():
    ranking = advisor.fuse([{"candidate": "a", "logme": 1.0}, {"candidate": "b", "logme": 2.0}])
    layer_scores = {"0": {"logme": 0.5}, "1": {"logme": float("nan")}}
    ranking.records[0]["layer_scores"] = layer_scores
    rows = list(csv.DictReader(io.StringIO(ranking.to_csv())))
    assert json.loads(rows[0]["layer_scores"]) == {"0": {"logme": 0.5}, "1": {"logme": None}}
    assert rows[1]["layer_scores"] == ""  # no layer scores: an empty cell, as before


@pytest.mark.parametrize("layers, shown", [("last", False), ("bestlayer", True)])
def test_the_settings_line_names_a_layer_mode_other_than_last(layers, shown):
    ranking = advisor.fuse([{"candidate": "a", "logme": 1.0}, {"candidate": "b", "logme": 2.0}])
    ranking.settings = {"seed": 0, "layers": layers}
    line = settings_line(ranking).splitlines()[0]
    assert (f"layers={layers}" in line) is shown


def test_one_reading_of_the_catalog_argument(tmp_path):
    toml = tmp_path / "mine.toml"
    toml.write_text(
        '[[model]]\nid = "my-net"\nmodality = "image"\nsource = "timm"\n'
        'architecture = "resnet18"\nhub_id = "timm/resnet18.a1_in1k"\nparams_m = 11\n',
        encoding="utf-8",
    )
    from_path = load_catalog_arg(toml)
    assert from_path.get("my-net").params_m == 11
    assert load_catalog_arg(from_path) is from_path
    assert load_catalog_arg([toml]).get("my-net").params_m == 11
    with pytest.raises(ParameterError, match=r"^catalog must be .*gone\.toml does not exist"):
        load_catalog_arg(tmp_path / "gone.toml")
    with pytest.raises(ParameterError, match=r"^catalog must be .*\(got 42\)"):
        load_catalog_arg(42)
    # rank and fuse read it the same way: the same file gives both its entry
    fused = advisor.fuse([{"candidate": "my-net", "logme": 1.0}], catalog=toml)
    assert fused.record("my-net")["params_m"] == 11
