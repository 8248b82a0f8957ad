"""Real pretrained backbones (offline weights packages) fine-tuned for real on small subsets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from finetune_helpers import relabel

import advisor
from advisor.cli.main import main
from advisor.data import load_data, split, subsample

pytestmark = pytest.mark.slow


def test_efficientnet_lite0_learns_digits_via_cli(tmp_path, capsys):
    data = subsample(load_data("digits"), 240, seed=0)[0]
    folder = tmp_path / "digits"
    for i in range(len(data)):  # a real image folder, as a user would give it
        target = folder / data.class_names[data.labels[i]]
        target.mkdir(parents=True, exist_ok=True)
        data.image(i).save(target / f"{i}.png")
    out = tmp_path / "run"
    main(
        [
            "finetune",
            str(folder),
            "--model",
            "tf_efficientnet_lite0.in1k",
            "--output",
            str(out),
            "--epochs",
            "3",
            "--image-size",
            "64",
            "--augment",
            "light",
            "--format",
            "json",
        ]
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["test_accuracy"] > 0.4  # 10 classes: chance is 0.1
    assert summary["frozen_backbone"] is False and summary["epochs_run"] == 3
    config = json.loads((out / "model" / "config.json").read_text())
    assert config["architecture"] == "tf_efficientnet_lite0" and config["data_config"][
        "input_size"
    ] == [3, 64, 64]
    main(["predict", str(out), str(folder / "3"), "--format", "json"])
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(list((folder / "3").iterdir()))
    assert np.mean([r["label"] == "3" for r in rows]) > 0.4


def test_minilm_learns_wordnet_glosses_and_predicts_texts(tmp_path):
    nouns = load_data("wordnet-nouns")
    data = relabel(nouns, ["noun.animal", "noun.food", "noun.artifact", "noun.person"])
    data = subsample(data, 240, seed=0)[0]
    result = advisor.finetune(
        data,
        "sentence-transformers/all-MiniLM-L6-v2",
        output=tmp_path / "run",
        epochs=2,
        max_length=48,
        seed=0,
    )
    assert result.test_accuracy > 0.6  # 4 classes: chance is 0.25
    # epoch 0 is the linear-probe head (LP-FT); fine-tuning starts from it
    assert [row["phase"] for row in result.history] == ["probe", "full", "full"]
    assert result.history[0]["train_loss"] is None and result.best_epoch in (0, 1, 2)
    # the exported model (rebuilt offline from encoder/ + weights) reproduces the test report
    predictor = advisor.load_predictor(result.run_dir)
    _, _, test = split(data, val=0.15, test=0.15, seed=0)
    predicted = predictor.predict(test.texts)
    accuracy = np.mean(
        [p == test.class_names[y] for p, y in zip(predicted, test.labels, strict=True)]
    )
    assert accuracy == pytest.approx(result.test_accuracy, abs=1e-9)


def test_text_fine_tune_starts_from_the_features_the_ranking_scored():
    """The frozen strategy's head and LP-FT's probe head read the model's own pooled vectors:
    they must be the ranking's cached features (all-MiniLM-L6-v2's pipeline L2-normalises)."""
    import torch

    from advisor.features import extract
    from advisor.finetuning.build import build_text
    from advisor.finetuning.config import resolve_recipe
    from advisor.finetuning.head_init import pooled_features
    from advisor.models import load_backbone

    data = subsample(load_data("tweets"), 40, seed=0)[0]
    backbone = load_backbone("sentence-transformers/all-MiniLM-L6-v2", device="cpu")
    assert backbone.normalize  # else this test checks nothing about normalisation
    ranked = extract(backbone, data, cache=False).features
    recipe = resolve_recipe("text", {})
    built = build_text(backbone, data, data, data, recipe, seed=0)
    pooled, _ = pooled_features(
        built.model, built.probe_set, built.collate, batch_size=16, device=torch.device("cpu")
    )
    np.testing.assert_allclose(np.linalg.norm(pooled.numpy(), axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(pooled.numpy(), ranked, atol=2e-4)
