"""The task options on the command line: the detected task is said, every bad input exits 2
with the problem and the fix, and a hub name offline fails fast."""

import csv
import json
import socket

import pytest

from tests.cli.runner import run_main
from tests.helpers.datasets import text_examples


def _table(path, header, rows):
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def _texts(n):
    pool = [t for t, _ in text_examples(12, source="embedded")]
    return [f"{pool[k % len(pool)]} ({k})" for k in range(n)]


def test_inspect_says_which_task_was_detected_and_why(tmp_path, capsys):
    sets = ["sport|news", "news", "tech"] * 10
    path = _table(tmp_path / "m.csv", ["text", "labels"], zip(_texts(30), sets, strict=True))
    code, out, err = run_main(capsys, "inspect", path)
    assert code == 0
    assert "note: detected multilabel: 10 of 30 labels in column 'labels'" in err
    assert "multilabel" in out and "3 labels" in out and "1.33 labels per example" in out
    code, out, err = run_main(capsys, "inspect", path, "--task", "multilabel", "-f", "json")
    assert code == 0 and "note: detected" not in err  # a given task needs no reason
    report = json.loads(out)
    assert report["task"] == "multilabel" and report["target_names"] == ["news", "sport", "tech"]


def test_repeated_label_columns_and_text_pairs(tmp_path, capsys):
    texts = _texts(30)
    rows = [(texts[k], texts[-k - 1], k / 7 + 0.01, k % 3 + 0.5) for k in range(30)]
    path = _table(tmp_path / "r.csv", ["a", "b", "y", "z"], rows)
    argv = ["inspect", path, "--text-column", "a", "--text-pair-column", "b"]
    code, out, err = run_main(capsys, *argv, "--label-column", "y", "--label-column", "z", "-f",
                              "json")  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert report["task"] == "regression" and report["target_names"] == ["y", "z"]
    assert report["pairs"] is True and " || " in report["examples"][0]["example"]
    assert "note: detected regression: 2 numeric target columns ('y', 'z')" in err


def test_datasets_lists_the_task_examples(capsys):
    code, out, _ = run_main(capsys, "datasets", "-f", "json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0
    assert rows["digits-regression"]["task"] == "regression"
    assert rows["wordnet-multilabel"]["task"] == "multilabel"
    assert rows["wordnet-pairs"]["pairs"] is True


@pytest.mark.parametrize(
    ("header", "rows", "options", "words"),
    [
        (["text", "label"], [("x", "pos"), ("y", "neg")] * 10, ["--task", "regression"],
         ["--task regression needs numbers", "use --task classification"]),
        (["text", "y"], [("x", 1.5), ("y", "inf")] * 10, ["--task", "regression"],
         ["NaN or infinite", "drop those rows"]),
        (["text", "y"], [("x", 2.5)] * 20, ["--task", "regression"],
         ["zero variance", "values vary"]),
        (["text", "labels"], [("x", "a|b"), ("y", "")] * 10, ["--task", "multilabel"],
         ["have no labels", "e.g. 'none'"]),
        (["text", "a", "b"], [("x", 1, 0)] * 20, ["--label-column", "a", "--label-column", "b"],
         ["label 'b' is 0 in every row", "drop that label"]),
        (["q", "p", "label"], [("x", "", 0), ("y", "z", 1)] * 10,
         ["--text-column", "q", "--text-pair-column", "p"], ["pair column 'p'", "fill them"]),
        (["text", "label"], [("x", "pos"), ("y", "neg")] * 10, ["--label-separator", "||"],
         ["label separator must be one character"]),
    ],
)  # fmt: skip
def test_bad_task_inputs_exit_2_with_the_fix(tmp_path, capsys, header, rows, options, words):
    texts = _texts(len(rows))
    rows = [(texts[k], *row[1:]) for k, row in enumerate(rows)]
    path = _table(tmp_path / "bad.csv", header, rows)
    for command in ("inspect", "rank", "finetune"):
        argv = [command, path, *(["-m", "some-model"] if command == "finetune" else []), *options]
        code, out, err = run_main(capsys, *argv)
        assert code == 2, (command, err)
        assert "Traceback" not in err and out == ""
        for word in words:
            assert word in " ".join(err.split()), (command, word, err)


def test_unknown_task_is_a_usage_error(tmp_path, capsys):
    path = _table(tmp_path / "t.csv", ["text", "label"], zip(_texts(4), "abab", strict=True))
    code, _, err = run_main(capsys, "rank", path, "--task", "ranking")
    assert code == 2 and "ranking" in err and "classification" in err


def test_hub_dataset_offline_exits_2_fast(monkeypatch, capsys, tmp_path):
    def no_connection(*args, **kwargs):
        raise OSError("network is unreachable")

    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(socket, "create_connection", no_connection)
    for argv in (
        ["rank", "--hf-dataset", "nyu-mll/glue:mrpc", "--split", "train"],
        ["verify", "hf://imdb"],
        ["finetune", "--hf-dataset", "imdb", "-m", "some-model"],
        ["race", "--hf-dataset", "imdb"],
        ["inspect", "hf://imdb"],
    ):
        code, out, err = run_main(capsys, *argv, "-o", str(tmp_path / "out"))
        if argv[0] == "inspect":
            code, out, err = run_main(capsys, *argv)
        assert code == 2, (argv, err)
        assert "cannot be downloaded" in err and "go online" in err and "save_to_disk" in err


def test_no_data_at_all_is_refused(capsys):
    code, _, err = run_main(capsys, "rank")
    assert code == 2 and "pass DATA" in err and "--hf-dataset NAME" in err
