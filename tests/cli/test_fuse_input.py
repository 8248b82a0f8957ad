"""``advisor.fuse`` and ``advisor fuse`` refuse scores they cannot fuse, with a clear message."""

import json

import pandas as pd
import pytest

import advisor
from advisor.errors import AdvisorError
from tests.cli.runner import run_main

LITE0, LITE2 = "tf_efficientnet_lite0.in1k", "tf_efficientnet_lite2.in1k"


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("csv", "expected"),
    [
        ("candidate,logme\na,1.0\nb,abc\n", "column 'logme' holds text where a number belongs"),
        ("candidate,logme\na,1.0\nb,inf\n", "column 'logme' holds infinite scores"),
        ("candidate,logme\na,1.0\nb,-inf\n", "infinite"),
        ("candidate,accuracy\na,0.5\nb,0.7\n", "column 'accuracy' is not a probe name"),
        ("logme,leep\n1.0,2.0\n2.0,3.0\n", "has no candidate column"),
        ("candidate,logme\n,1.0\nb,2.0\n", "no candidate id on row(s) [1]"),
        ("candidate,logme,LogME\na,1,2\nb,2,3\n", "two 'logme' columns"),
        ("candidate,logme\na,\nb,\n", "has no scores"),
    ],
)
def test_the_cli_refuses_garbage_and_writes_nothing(csv, expected, tmp_path, capsys):
    scores = tmp_path / "scores.csv"
    scores.write_text(csv)
    output = tmp_path / "ranking.json"
    code, out, err = run_main(capsys, "fuse", scores, "--format", "json", "--output", output)
    assert code == 2, err
    assert expected in _flat(err)
    assert not output.exists() and out == ""


def test_an_unknown_column_names_the_valid_probes(tmp_path, capsys):
    scores = tmp_path / "scores.csv"
    scores.write_text("candidate,my_metric\na,1\nb,2\n")
    _, _, err = run_main(capsys, "fuse", scores)
    assert "logme" in err and "nleep" in err and "knn" in err


def test_the_settings_line_shows_only_what_applies(tmp_path, capsys):
    scores = tmp_path / "scores.csv"
    scores.write_text(f"candidate,logme,leep,notes\n{LITE0},1.2,-0.8,fast\n{LITE2},1.5,-0.6,big\n")
    code, out, err = run_main(capsys, "fuse", scores)
    assert code == 0, err
    settings = next(line for line in out.splitlines() if line.startswith("settings:"))
    assert "None" not in settings and "budget" not in settings and "data=" not in settings
    assert str(scores) in settings and "probes=logme,leep" in settings
    assert "left out: notes" in out  # a text column is not silently taken for a probe


def test_json_output_is_the_library_result(tmp_path, capsys):
    scores = tmp_path / "scores.csv"
    scores.write_text(f"candidate,logme\n{LITE0},1.0\n{LITE2},1.0\nmine,0.1\n")
    code, out, _ = run_main(capsys, "fuse", scores, "--format", "json")
    assert code == 0
    from_cli = json.loads(out)
    from_library = advisor.fuse(scores)
    assert [r["candidate"] for r in from_cli["ranking"]] == from_library.candidates
    # Equal probe scores: the prior (Lite2 has the higher ImageNet top-1) breaks the tie.
    assert from_library.candidates[:2] == [LITE2, LITE0]
    assert from_cli["settings"]["source"] == str(scores)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"scores": 42}, "scores must be a DataFrame"),
        ({"scores": []}, "scores must be a non-empty list of dicts"),
        ({"scores": pd.DataFrame({"logme": [1.0, 2.0]})}, "no candidate column"),
        ({"scores": pd.DataFrame({"logme": [1.0, 2.0, 3.0]}).iloc[[0, 2]]}, "no candidate column"),
        (
            {
                "scores": [
                    {"candidate": "a", "logme": float("nan")},
                    {"candidate": "b", "logme": 1e400},
                ]
            },
            "infinite",
        ),
        ({"candidates": 7}, "candidates must be None, a list of row ids or a mapping"),
        ({"catalog": 3.5}, "catalog must be a catalog TOML path, a Catalog or None"),
        ({"catalog": "/no/such/catalog.toml"}, "catalog must be an existing catalog file"),
    ],
)
def test_the_library_names_the_bad_argument(kwargs, expected):
    arguments = {"scores": [{"candidate": "a", "logme": 1.0}, {"candidate": "b", "logme": 2.0}]}
    arguments.update(kwargs)
    scores = arguments.pop("scores")
    with pytest.raises(AdvisorError) as info:
        advisor.fuse(scores, **arguments)
    assert expected in str(info.value)


def test_options_are_keyword_only():
    rows = [{"candidate": "a", "logme": 1.0}, {"candidate": "b", "logme": 2.0}]
    with pytest.raises(TypeError):
        advisor.fuse(rows, ["a"])  # the options must be named
    assert advisor.fuse(rows, candidates=["b", "a"]).candidates == ["b", "a"]


def test_a_named_index_or_a_candidate_column_gives_the_ids():
    by_index = pd.DataFrame({"logme": [1.0, 2.0]}, index=["x", "y"])
    by_column = pd.DataFrame({"Candidate": ["x", "y"], "logme": [1.0, 2.0]})
    assert advisor.fuse(by_index).candidates == advisor.fuse(by_column).candidates == ["y", "x"]


def test_an_empty_cell_is_a_probe_not_computed():
    rows = [
        {"candidate": "a", "logme": 1.0, "leep": None},
        {"candidate": "b", "logme": 2.0, "leep": -1.0},
    ]
    ranking = advisor.fuse(rows)
    assert ranking.candidates == ["b", "a"]
    assert ranking.record("a")["leep"] != ranking.record("a")["leep"]  # NaN: not computed


def test_catalog_files_give_the_facts_of_the_users_own_models(tmp_path, capsys):
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"")
    toml = tmp_path / "mine.toml"
    toml.write_text(
        '[[model]]\nid = "my_model"\nmodality = "image"\nsource = "local"\n'
        f'architecture = "resnet18"\nlocal_path = "{weights.as_posix()}"\nparams_m = 12.5\n'
    )
    scores = tmp_path / "scores.csv"
    scores.write_text("candidate,logme\nmy_model,1.0\nother,2.0\n")
    code, out, err = run_main(capsys, "fuse", scores, "--catalog", toml, "--format", "json")
    assert code == 0, err
    records = {r["candidate"]: r for r in json.loads(out)["ranking"]}
    assert records["my_model"]["params_m"] == 12.5 and records["other"]["params_m"] is None
    assert "other" in err  # the note: not in the catalog, fused on probes only
    assert advisor.fuse(scores, catalog=toml).record("my_model")["params_m"] == 12.5
