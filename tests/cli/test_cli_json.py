"""Every `--format json` of the command line is strict JSON (no NaN, no Infinity)."""

import json
import math

import advisor
from advisor.finetuning.result import FinetuneResult
from tests.cli.runner import run_main


def _strict(text: str):
    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_a_diverged_finetune_prints_strict_json(tmp_path, features_npz, capsys, monkeypatch):
    # A run whose loss blew up: the best validation loss is inf, a class was never predicted.
    diverged = FinetuneResult(
        run_dir=tmp_path / "run",
        export_dir=None,
        test_accuracy=math.nan,
        test_macro_f1=math.nan,
        best_epoch=1,
        best_val_metric=math.inf,
        history=[],
        per_class_accuracy={"0": 0.5, "1": math.nan},
        confusion=[[1, 0], [1, 0]],
        config={"model": "features", "recipe": {"metric": "val_loss"}},
        frozen_backbone=False,
        cancelled=False,
        epochs_run=1,
    )
    monkeypatch.setattr(advisor, "finetune", lambda *a, **k: diverged)
    code, out, err = run_main(
        capsys, "finetune", features_npz, "--output", tmp_path / "run", "--format", "json"
    )
    assert code == 0, err
    summary = _strict(out)
    assert summary["best_val_metric"] is None and summary["test_accuracy"] is None
    assert summary["per_class_accuracy"] == {"0": 0.5, "1": None}


def test_catalog_json_keeps_non_ascii_text_readable(tmp_path, capsys):
    toml = tmp_path / "mine.toml"
    toml.write_text(
        '[[model]]\nid = "mon-réseau"\nmodality = "image"\nsource = "timm"\n'
        'architecture = "resnet18"\nhub_id = "timm/resnet18.a1_in1k"\n'
        'notes = "entraîné à Zürich"\n',
        encoding="utf-8",
    )
    code, out, err = run_main(
        capsys, "catalog", "show", "mon-réseau", "--catalog", toml, "--format", "json"
    )
    assert code == 0, err
    assert "entraîné à Zürich" in out and _strict(out)["id"] == "mon-réseau"
    code, out, err = run_main(capsys, "catalog", "list", "--catalog", toml, "--format", "json")
    assert code == 0, err
    assert any(row["id"] == "mon-réseau" for row in _strict(out))


def test_dataset_listing_is_strict_json(capsys):
    code, out, err = run_main(capsys, "datasets", "--format", "json")
    assert code == 0, err
    assert {row["name"] for row in _strict(out)} >= {"digits"}
