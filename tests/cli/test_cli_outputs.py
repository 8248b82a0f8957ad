"""Outputs are checked before any work, and a refused run leaves nothing behind."""

import json

import numpy as np
import pytest

from advisor.finetuning.run_folder import CONFIG, RUN_MARKER
from tests.cli.runner import run_main


def _flat(text: str) -> str:
    return " ".join(text.split())  # rich wraps long messages


@pytest.mark.parametrize("where", ["missing-folder", "a-folder"])
@pytest.mark.parametrize("command", ["rank", "fuse"])
def test_a_bad_output_file_is_refused_before_any_work(
    command, where, tmp_path, features_npz, capsys
):
    scores = tmp_path / "scores.csv"
    scores.write_text("candidate,logme\na,1.0\nb,2.0\n")
    output = tmp_path / "nowhere" / "r.json" if where == "missing-folder" else tmp_path
    source = features_npz if command == "rank" else scores
    code, out, err = run_main(capsys, command, source, "--output", output)
    assert code == 2
    message = _flat(err)
    assert (
        ("does not exist" in message) if where == "missing-folder" else ("is a folder" in message)
    )
    assert "data:" not in err and "extracting" not in err  # refused before loading anything
    assert out == "" and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["features.npz", "scores.csv"])


def test_verify_refuses_an_output_that_is_a_file_before_ranking(tmp_path, features_npz, capsys):
    blocker = tmp_path / "verify-out"
    blocker.write_text("not a folder")
    code, _, err = run_main(capsys, "verify", features_npz, "--output", blocker)
    assert code == 2
    assert "is a file, not a folder" in _flat(err)
    assert "extracting" not in err and "fine-tuning" not in err
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        (["--test", "1.5"], "test must be a fraction in (0, 1), got 1.5"),
        (["--val", "0.4", "--test", "0.7"], "val + test must leave at least 10% for training"),
    ],
)
@pytest.mark.parametrize("mode", [[], ["--strategies"]])
def test_verify_refuses_bad_split_shares_before_ranking(
    mode, shares, message, tmp_path, features_npz, capsys
):
    out_dir = tmp_path / "verify-out"
    code, out, err = run_main(capsys, "verify", features_npz, *mode, *shares, "-o", out_dir)
    assert code == 2 and message in _flat(err)
    assert "Traceback" not in err and "fine-tuning" not in err and "ranked" not in err
    assert out == "" and not out_dir.exists()


def test_finetune_refuses_an_output_that_is_a_file(tmp_path, features_npz, capsys):
    blocker = tmp_path / "run"
    blocker.write_text("keep me")
    code, _, err = run_main(capsys, "finetune", features_npz, "--output", blocker)
    assert code == 2 and "is a file, not a folder" in _flat(err)
    assert blocker.read_text() == "keep me"


@pytest.fixture
def tiny_npz(tmp_path):
    """Two examples per class: too few for a train/val/test split (refused after the checks
    of the arguments, where the run folder used to be made already)."""
    path = tmp_path / "tiny.npz"
    np.savez(
        path,
        features=np.random.default_rng(0).random((6, 4)).astype(np.float32),
        labels=np.array([0, 0, 1, 1, 2, 2]),
    )
    return path


@pytest.mark.parametrize("extra", [[], ["--lr", "-1"]])
def test_a_refused_finetune_leaves_no_run_folder(extra, tmp_path, tiny_npz, features_npz, capsys):
    data = features_npz if extra else tiny_npz
    run_dir = tmp_path / "runs" / "first"
    code, _, err = run_main(capsys, "finetune", data, "--output", run_dir, *extra)
    assert code == 2, err
    assert not run_dir.exists() and not run_dir.parent.exists()


def test_a_refused_overwrite_keeps_the_old_run(tmp_path, tiny_npz, capsys):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / CONFIG).write_text(json.dumps({"kind": RUN_MARKER, "model": "features"}))
    (run_dir / "metrics.csv").write_text("epoch,val_accuracy\n1,0.9\n")
    code, _, err = run_main(capsys, "finetune", tiny_npz, "--output", run_dir, "--overwrite")
    assert code == 2 and "too few examples" in _flat(err)
    assert (run_dir / "metrics.csv").read_text() == "epoch,val_accuracy\n1,0.9\n"
    assert json.loads((run_dir / CONFIG).read_text())["model"] == "features"


def test_finetune_with_a_model_for_other_data_is_a_clear_message(tmp_path, capsys):
    # A text encoder chosen from a ranking of a text CSV, then given image data: used to
    # crash inside the data loader with "'NoneType' object is not subscriptable".
    run_dir = tmp_path / "run"
    code, out, err = run_main(
        capsys,
        "finetune",
        "digits",
        "--model",
        "sentence-transformers/all-MiniLM-L6-v2",
        "--output",
        run_dir,
    )
    assert code == 2, err
    message = _flat(err)
    assert "is a text model" in message and "image data" in message
    assert "Traceback" not in err and out == ""
    assert not run_dir.exists()


def test_a_cache_dir_that_is_a_file_is_refused_before_any_work(tmp_path, features_npz, capsys):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    code, _, err = run_main(capsys, "rank", features_npz, "--cache-dir", blocker)
    assert code == 2
    assert "--cache-dir" in err and "is a file, not a folder" in _flat(err)
    assert "data:" not in err
