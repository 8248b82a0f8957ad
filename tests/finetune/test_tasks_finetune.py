"""Fine-tuning per task: regression (R^2, MAE, Spearman), multilabel (mean AP, micro-F1, subset
accuracy, a validation-tuned threshold) and text pairs, with export, predict, early stopping
on the task's metric, exact resume and one read of the test split."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from finetune_helpers import TINY_RECIPE, tiny_backbone

import advisor
from advisor import events as ev
from advisor.data import LabelledData, load_data, subsample
from advisor.errors import AdvisorError


def digits(n=300, seed=0):
    return subsample(load_data("digits"), n, seed=seed)[0]


def digit_values(data, modality="features"):
    """Real digits as regression: predict the digit's value (0-9) from its pixels."""
    value = np.asarray([float(data.class_names[c]) for c in data.labels])
    pixels = data.image_arrays.reshape(len(data), -1).astype(np.float32)
    return LabelledData(
        name=f"digit-values-{modality}",
        modality=modality,
        labels=None,
        class_names=[],
        source="digits",
        features=pixels if modality == "features" else None,
        image_arrays=None if modality == "features" else data.image_arrays,
        task="regression",
        targets=value[:, None],
        target_names=["value"],
    )


def digit_properties(data):
    """Real digits as multilabel: each digit's arithmetic properties."""
    value = np.asarray([int(data.class_names[c]) for c in data.labels])
    names = ["even", "prime", "at_least_5", "square"]
    targets = np.column_stack(
        [value % 2 == 0, np.isin(value, [2, 3, 5, 7]), value >= 5, np.isin(value, [0, 1, 4, 9])]
    ).astype(np.uint8)
    return LabelledData(
        name="digit-properties",
        modality="features",
        labels=None,
        class_names=[],
        source="digits",
        features=data.image_arrays.reshape(len(data), -1).astype(np.float32),
        task="multilabel",
        targets=targets,
        target_names=names,
    )


def count_test_reads(monkeypatch):
    """Every dataset `evaluate` reads, in order (validation sets recur; the test set must not)."""
    from advisor.finetuning import loop

    seen: list[int] = []
    original = loop.evaluate

    def counting(model, dataset, *args, **kwargs):
        seen.append(id(dataset))
        return original(model, dataset, *args, **kwargs)

    monkeypatch.setattr(loop, "evaluate", counting)
    return seen


def test_regression_on_digit_pixels_learns_exports_and_predicts_values(tmp_path, monkeypatch):
    data = digit_values(digits())
    reads = count_test_reads(monkeypatch)
    result = advisor.finetune(data, output=tmp_path / "run", epochs=4, seed=0)
    assert result.task == "regression" and result.config["recipe"]["metric"] == "val_r2"
    assert set(result.test_metrics) == {"test_r2", "test_mae", "test_spearman"}
    # a linear head on raw pixels: the value is far from linear in them (5-fold ridge R^2 is
    # about 0.45 on these 300 digits), but it must beat predicting the mean
    assert result.test_score == result.test_metrics["test_r2"] > 0.05
    assert result.test_metrics["test_spearman"] > 0.3 and result.test_metrics["test_mae"] < 2.5
    probe_row = result.history[0]  # epoch 0: the least-squares head on frozen features
    assert probe_row["epoch"] == 0 and result.best_val_metric >= probe_row["val_r2"] > 0.2
    assert all("val_r2" in row and "val_accuracy" not in row for row in result.history)
    # the test split is read once, after training, and never for validation
    assert reads.count(reads[-1]) == 1 and len(set(reads)) == 2
    report = json.loads((result.run_dir / "report.json").read_text())
    assert report["test_r2"] == pytest.approx(result.test_score)
    header = (result.run_dir / "metrics.csv").read_text().splitlines()[0]
    assert "val_r2" in header and "val_accuracy" not in header

    predictor = advisor.load_predictor(result.run_dir)
    assert predictor.task == "regression"
    values = predictor.predict(data.features[:40])
    assert all(isinstance(v, float) for v in values)
    truth = data.targets[:40, 0]
    assert np.corrcoef(values, truth)[0, 1] > 0.5  # real values in the digits' own units
    assert 2.0 < float(np.mean(values)) < 7.0
    with pytest.raises(AdvisorError, match="no class probabilities"):
        predictor.predict_proba(data.features[:2])


def test_regression_metric_choice_and_huber_loss(tmp_path):
    data = digit_values(digits(200))
    with pytest.raises(AdvisorError, match="metric must be one of val_r2"):
        advisor.finetune(data, output=tmp_path / "bad", metric="val_accuracy")
    result = advisor.finetune(
        data, output=tmp_path / "huber", epochs=2, loss="huber", metric="val_mae"
    )
    assert result.config["recipe"]["loss"] == "huber"
    maes = [row["val_mae"] for row in result.history]
    assert result.best_val_metric == pytest.approx(min(maes))  # lower MAE is better


def test_multilabel_threshold_is_tuned_on_validation_and_exported(tmp_path, monkeypatch):
    data = digit_properties(digits())
    reads = count_test_reads(monkeypatch)
    result = advisor.finetune(data, output=tmp_path / "run", epochs=4, seed=0)
    assert result.task == "multilabel" and result.config["recipe"]["metric"] == "val_map"
    assert set(result.test_metrics) == {"test_map", "test_micro_f1", "test_subset_accuracy"}
    assert result.test_score == result.test_metrics["test_map"] > 0.6
    assert reads.count(reads[-1]) == 1 and len(set(reads)) == 2
    best = next(r for r in result.history if r["epoch"] == result.best_epoch)
    assert 0.0 < best["val_threshold"] < 1.0
    config = json.loads((result.export_dir / "config.json").read_text())
    assert config["task"] == "multilabel" and config["threshold"] == best["val_threshold"]

    predictor = advisor.load_predictor(result.run_dir)
    probs = predictor.predict_proba(data.features[:30])
    sets = predictor.predict(data.features[:30])
    for row, chosen in zip(probs, sets, strict=True):
        names = zip(data.target_names, row, strict=True)
        expected = [n for n, p in names if p >= best["val_threshold"]]
        assert chosen == expected


def test_multilabel_cancel_then_resume_is_exact(tmp_path):
    data = digit_properties(digits(200))
    options = dict(epochs=3, seed=1, checkpoint_every=2, batch_size=32)
    reference = advisor.finetune(data, output=tmp_path / "ref", **options)
    cancel = threading.Event()

    def stop(event):
        if isinstance(event, ev.TrainingStep) and event.epoch == 2 and event.step == 2:
            cancel.set()

    first = advisor.finetune(data, output=tmp_path / "run", progress=stop, cancel=cancel, **options)
    assert first.cancelled
    resumed = advisor.finetune(data, output=tmp_path / "run", resume=True, seed=1)
    assert resumed.test_metrics == pytest.approx(reference.test_metrics)
    assert [r["val_threshold"] for r in resumed.history] == [
        r["val_threshold"] for r in reference.history
    ]


def test_image_regression_with_the_linear_probe_head(tmp_path, capsys):
    data = digit_values(digits(150), modality="image")
    events = []
    result = advisor.finetune(
        data,
        tiny_backbone(),
        output=tmp_path / "run",
        epochs=2,
        progress=events.append,
        **TINY_RECIPE,
    )
    probe = next(e for e in events if isinstance(e, ev.EpochDone) and e.epoch == 0)
    assert np.isfinite(probe.metrics["val_r2"])  # the head was fitted by least squares first
    assert not result.frozen_backbone and np.isfinite(result.test_score)
    predictor = advisor.load_predictor(result.run_dir)
    from PIL import Image

    values = predictor.predict([Image.fromarray(data.image_arrays[i]) for i in range(4)])
    assert len(values) == 4 and all(np.isfinite(values))

    from tests.cli.runner import run_main

    files = []
    for i in range(2):
        files.append(tmp_path / f"digit{i}.png")
        Image.fromarray(data.image_arrays[i]).save(files[-1])
    code, out, err = run_main(capsys, "predict", result.run_dir, *files, "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["value"] for r in rows] == pytest.approx(values[:2], rel=1e-5)


def test_text_pairs_go_through_the_tokenizers_pair_encoding():
    from transformers import AutoTokenizer

    from advisor.finetuning.batches import TextExamples, TokenizeCollate
    from catalog import load_catalog, resolve

    entry = load_catalog().get("sentence-transformers/all-MiniLM-L6-v2")
    tokenizer = AutoTokenizer.from_pretrained(str(resolve(entry).path), local_files_only=True)
    data = LabelledData(
        name="pairs",
        modality="text",
        labels=np.array([0, 1, 0, 1]),
        class_names=["different", "same"],
        source="test",
        texts=["a dog barks", "the cat sleeps", "rain falls", "a bird sings"],
        text_pairs=["stocks fell", "a cat is asleep", "the sun shines", "a bird is singing"],
    )
    examples = TextExamples(data)
    items = [examples[(0, i)] for i in range(4)]
    assert items[1] == (("the cat sleeps", "a cat is asleep"), 1)
    encoded, labels = TokenizeCollate(tokenizer, 64)(items)
    expected = tokenizer(data.texts, data.text_pairs, padding=True, return_tensors="pt")
    assert encoded["input_ids"].tolist() == expected["input_ids"].tolist()
    sep = tokenizer.sep_token_id
    assert (encoded["input_ids"][0] == sep).sum() == 2  # [CLS] a [SEP] b [SEP]
    assert labels.tolist() == [0, 1, 0, 1]


def tiny(arch):
    """A factory of fresh tiny random-init backbones (verify fine-tunes each from scratch)."""
    from advisor.models import load_backbone
    from catalog import Entry

    entry = Entry(id=f"{arch}.tiny", modality="image", source="timm", architecture=arch)
    return lambda: load_backbone(entry, pretrained=False, device="cpu")


def digit_properties_images(data):
    sets = digit_properties(data)
    return LabelledData(
        name="digit-properties-images",
        modality="image",
        labels=None,
        class_names=[],
        source="digits",
        image_arrays=data.image_arrays,
        task="multilabel",
        targets=sets.targets,
        target_names=sets.target_names,
    )


@pytest.mark.parametrize("task", ["regression", "multilabel"])
def test_verify_scores_the_ranking_on_the_tasks_own_metric(tmp_path, task):
    if task == "regression":
        data, score = subsample(load_data("digits-regression"), 120, seed=0)[0], "r2"
    else:
        data, score = digit_properties_images(digits(120)), "map"
    models = {
        f"{arch}.tiny@random-init": tiny(arch) for arch in ("test_efficientnet", "test_resnet")
    }
    ranking = advisor.rank(
        data, candidates=[make() for make in models.values()], budget=None, bootstrap=False
    )
    report = advisor.verify(
        data,
        ranking=ranking,
        models=models,
        epochs=1,
        budget=None,
        output=tmp_path / "verify",
        cache_dir=tmp_path / "cache",
        plot=False,
        **TINY_RECIPE,
    )
    assert not report.failures and len(report.candidates) == 2
    for row in report.candidates:
        assert row["score_name"] == score and np.isfinite(row["test_score"])
    expected = {"r2": "test R^2", "map": "test mean average precision"}[score]
    assert expected in report.protocol
    assert report.measures["advisor"]["n"] == 2
    saved = json.loads(report.json_path.read_text())
    assert saved["candidates"][0]["test_score"] == report.candidates[0]["test_score"]


def test_text_pair_classification_fine_tunes_exports_and_predicts_pairs(tmp_path):
    """wordnet-pairs: a head on the frozen pair encoding, folded into the encoder for export;
    the exported model reads (a, b) pairs through the same pair encoding."""
    data = subsample(load_data("wordnet-pairs"), 60, seed=0)[0]
    result = advisor.finetune(
        data,
        "sentence-transformers/all-MiniLM-L6-v2",
        output=tmp_path / "run",
        epochs=2,
        freeze_backbone=True,
    )
    assert result.config["pairs"] is True and np.isfinite(result.test_accuracy)
    predictor = advisor.load_predictor(result.run_dir)
    assert predictor.config["pairs"] is True
    pairs = list(zip(data.texts[:6], data.text_pairs[:6], strict=True))
    labels = predictor.predict(pairs)
    assert len(labels) == 6 and set(labels) <= set(data.class_names)
    probs = predictor.predict_proba(pairs)
    # the pair changes the prediction: the first text alone is another input
    alone = predictor.predict_proba([a for a, _ in pairs])
    assert not np.allclose(probs, alone)
