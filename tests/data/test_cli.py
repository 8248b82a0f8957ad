"""`advisor datasets` and `advisor inspect`: results on stdout; bad input exits 2, no traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.cli.main import main
from advisor.data import BUILTIN_DATASETS, load_data
from tests.helpers.datasets import make_image_folder, make_text_csv

ROOT = Path(__file__).resolve().parents[2]


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = 0
    try:
        main(list(argv))
    except SystemExit as exc:
        code = exc.code or 0
    out, err = capsys.readouterr()
    return code, out, err


def test_datasets_json_lists_builtins_with_availability(capsys):
    code, out, _ = _run(capsys, "datasets", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["name"] for r in rows] == list(BUILTIN_DATASETS)
    for row in rows:
        assert row["available"] == BUILTIN_DATASETS[row["name"]].available()
        assert {"modality", "size", "num_classes", "install", "location"} <= row.keys()


def test_datasets_table_shows_status(capsys):
    code, out, _ = _run(capsys, "datasets")
    assert code == 0
    for name in BUILTIN_DATASETS:
        assert name in out
    assert "installed" in out or "apt-get" in out


def test_inspect_json_matches_the_library(tmp_path, capsys):
    path = make_text_csv(tmp_path / "t.csv", 5, source="embedded")
    with path.open("a") as f:
        f.write('"",negative\n')
    code, out, _ = _run(capsys, "inspect", str(path), "--format", "json")
    assert code == 0
    report = json.loads(out)
    data = load_data(path)
    assert report["n"] == 15 and report["class_counts"] == data.class_counts()
    assert report["fingerprint"] == data.fingerprint()
    assert report["skipped"] == 1
    assert report["skipped_items"] == [["line 17", "empty text: column 'text' is blank"]]


def test_inspect_table_for_an_image_folder(tmp_path, capsys):
    folder = make_image_folder(tmp_path / "imgs", 3, ("4", "8"))
    (folder / "8" / "junk.png").write_bytes(b"junk")
    code, out, _ = _run(capsys, "inspect", str(folder))
    assert code == 0
    assert "6 examples, 2 classes" in out and "0000.png" in out
    assert "skipped 1" in out and "8/junk.png" in out


def test_inspect_column_option(tmp_path, capsys):
    path = make_text_csv(tmp_path / "t.csv", 3, source="embedded", label_column="mood")
    code, out, _ = _run(capsys, "inspect", str(path), "--label-column", "mood", "-f", "json")
    assert code == 0 and json.loads(out)["num_classes"] == 3


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["inspect", "/no/such/place"], "does not exist"),
        (["inspect", "{csv}", "--label-column", "polarity"], "label column 'polarity' not found"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(tmp_path, argv, expected):
    csv_path = make_text_csv(tmp_path / "t.csv", 2, source="embedded")
    argv = [a.replace("{csv}", str(csv_path)) for a in argv]
    env = {k: v for k, v in os.environ.items() if k != "ADVISOR_DEBUG"}
    result = subprocess.run(
        [sys.executable, "-m", "advisor.cli.main", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, "COLUMNS": "200"},
    )
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
