"""Export -> advisor.load_predictor -> predict, frozen-feature heads, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from finetune_helpers import small_digits, tiny_backbone

import advisor
from advisor.cli.main import main
from advisor.data import LabelledData, load_data, split


def test_loaded_model_reproduces_the_test_report(reference_run):
    reference, _ = reference_run
    predictor = advisor.load_predictor(reference.run_dir)
    assert predictor.labels == [str(i) for i in range(10)] and predictor.input_kind == "image"
    _, _, test = split(small_digits(), val=0.15, test=0.15, seed=0)
    predicted = predictor.predict([test.image(i) for i in range(len(test))])
    truth = [test.class_names[y] for y in test.labels]
    accuracy = float(np.mean([p == t for p, t in zip(predicted, truth, strict=True)]))
    assert accuracy == pytest.approx(reference.test_accuracy, abs=1e-9)
    probs = predictor.predict_proba([test.image(0)])
    assert probs.shape == (1, 10) and probs.sum() == pytest.approx(1.0, abs=1e-5)


def test_cli_predict_labels_image_files_as_json(reference_run, tmp_path, capsys):
    reference, _ = reference_run
    _, _, test = split(small_digits(), val=0.15, test=0.15, seed=0)
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(3):
        test.image(i).save(folder / f"img{i}.png")
    main(["predict", str(reference.run_dir), str(folder), "--format", "json", "--top", "2"])
    rows = json.loads(capsys.readouterr().out)
    expected = advisor.load_predictor(reference.run_dir).predict(
        [str(folder / f"img{i}.png") for i in range(3)]
    )
    assert [r["label"] for r in rows] == expected
    assert all(len(r["top"]) == 2 and 0 <= r["score"] <= 1 for r in rows)


def test_cli_predict_missing_input_exits_2(reference_run, capsys):
    reference, _ = reference_run
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", str(reference.run_dir), "/no/such/image.png"])
    assert exit_info.value.code == 2
    assert "does not exist" in " ".join(capsys.readouterr().err.split())


def test_cli_finetune_json_summary_and_errors(tmp_path, capsys):
    rng = np.random.default_rng(0)
    labels = np.array(["pos", "neg"] * 100)
    features = rng.normal(size=(200, 4)).astype(np.float32)
    features[:, 0] += np.where(labels == "pos", 3.0, -3.0)  # one clearly informative column
    table = tmp_path / "data.npz"
    np.savez(table, features=features, labels=labels)
    out = tmp_path / "run"
    main(["finetune", str(table), "--output", str(out), "--epochs", "10", "--format", "json"])
    summary = json.loads(capsys.readouterr().out)
    assert summary["test_accuracy"] > 0.9 and summary["frozen_backbone"] is True
    assert summary["run_dir"] == str(out) and summary["best_epoch"] >= 1
    with pytest.raises(SystemExit) as exit_info:  # the folder exists now
        main(["finetune", str(table), "--output", str(out)])
    assert exit_info.value.code == 2
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "already exists" in err and "--resume" in err and "Traceback" not in err


def test_features_head_learns_digits_pixels(tmp_path):
    digits = load_data("digits")
    data = LabelledData(
        name="digit-pixels",
        modality="features",
        labels=digits.labels,
        class_names=digits.class_names,
        source="test",
        features=digits.image_arrays.reshape(len(digits), -1).astype(np.float32),
    )
    result = advisor.finetune(data, output=tmp_path / "run", epochs=5)
    assert result.frozen_backbone and result.test_accuracy > 0.85
    predictor = advisor.load_predictor(result.export_dir)
    predicted = predictor.predict(data.features[:200])
    assert (
        np.mean(
            [p == data.class_names[y] for p, y in zip(predicted, data.labels[:200], strict=True)]
        )
        > 0.85
    )
    assert predictor.predict_proba(data.features[:5]).shape == (5, 10)


def test_freeze_backbone_trains_a_head_on_backbone_features(tmp_path):
    result = advisor.finetune(
        small_digits(),
        tiny_backbone(),
        output=tmp_path / "run",
        freeze_backbone=True,
        epochs=2,
        seed=0,
    )
    assert result.frozen_backbone and result.config["frozen_backbone"]
    # the export folds the feature head into the backbone: it labels raw images, and
    # agrees with the head's own test report
    predictor = advisor.load_predictor(result.run_dir)
    assert predictor.input_kind == "image"
    _, _, test = split(small_digits(), val=0.15, test=0.15, seed=0)
    predicted = predictor.predict([test.image(i) for i in range(len(test))])
    accuracy = np.mean(
        [p == test.class_names[y] for p, y in zip(predicted, test.labels, strict=True)]
    )
    assert accuracy == pytest.approx(result.test_accuracy, abs=1e-9)


def test_cli_finetune_table_output(tmp_path, capsys):
    rng = np.random.default_rng(1)
    labels = np.array(["a", "b", "c"] * 40)
    features = (
        rng.normal(size=(120, 3)).astype(np.float32) + np.eye(3)[[ord(x) - 97 for x in labels]] * 4
    )
    np.savez(tmp_path / "f.npz", features=features, labels=labels)
    main(["finetune", str(tmp_path / "f.npz"), "--output", str(tmp_path / "run"), "--epochs", "4"])
    captured = capsys.readouterr()
    out = captured.out
    assert "test_accuracy:" in out and "confusion" in out and "val_accuracy" in out
    # stderr is no terminal here (as in a log file or CI): one plain line per epoch boundary
    ends = [line for line in captured.err.splitlines() if "val acc" in line]
    assert [line.split(":")[0] for line in ends] == [f"epoch {e}/4 fine-tune" for e in (1, 2, 3, 4)]
    assert all(line.endswith("s)") for line in ends)
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert f"test_accuracy: {report['test_accuracy']:.4g}" in out


def _damaged_copy(reference_run, tmp_path, damage):
    """A copy of the reference export with `damage(folder)` applied to it."""
    import shutil

    reference, _ = reference_run
    folder = tmp_path / "model"
    shutil.copytree(reference.run_dir / "model", folder)
    damage(folder)
    return folder


def _predict_error(folder, capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", str(folder), "/no/such/image.png"])
    assert exit_info.value.code == 2
    return "".join(capsys.readouterr().err.split())  # the console wraps long paths anywhere


def _squashed(text: str) -> str:
    return "".join(text.split())


def test_predict_names_a_missing_weights_file(reference_run, tmp_path, capsys):
    folder = _damaged_copy(reference_run, tmp_path, lambda f: (f / "model.safetensors").unlink())
    message = _predict_error(folder, capsys)
    assert _squashed(f"exported model {folder} has no model.safetensors") in message
    assert (
        _squashed("holds config.json, labels.json and model.safetensors") in message
    )  # the layout
    assert "donotfit" not in message


@pytest.mark.parametrize(
    "keep", [lambda size: size // 2, lambda size: 20], ids=["truncated", "cut-header"]
)
def test_predict_says_a_cut_weights_file_is_damaged(reference_run, tmp_path, capsys, keep):
    def cut(folder):
        weights = folder / "model.safetensors"
        data = weights.read_bytes()
        weights.write_bytes(data[: keep(len(data))])

    folder = _damaged_copy(reference_run, tmp_path, cut)
    message = _predict_error(folder, capsys)
    assert (
        _squashed(f"weights file {folder / 'model.safetensors'} is damaged or incomplete")
        in message
    )
    assert _squashed("export the model again") in message and "donotfit" not in message


def test_predict_says_when_weights_really_do_not_fit(reference_run, tmp_path, capsys):
    """Real weights for another head size: the architecture the config describes differs."""

    def more_classes(folder):
        config = json.loads((folder / "config.json").read_text())
        config["num_classes"] += 1
        (folder / "config.json").write_text(json.dumps(config))
        labels = json.loads((folder / "labels.json").read_text())
        (folder / "labels.json").write_text(json.dumps(labels + ["extra"]))

    folder = _damaged_copy(reference_run, tmp_path, more_classes)
    message = _predict_error(folder, capsys)
    assert _squashed(f"weights in {folder} do not fit the saved architecture") in message
    assert _squashed("size mismatch") in message
