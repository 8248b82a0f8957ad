"""fingerprint(): stable across processes, sensitive to content and labels; summary()."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from advisor.data import LabelledData, load_data
from tests.helpers.datasets import make_features_npz, make_image_folder, make_text_csv

ROOT = Path(__file__).resolve().parents[2]


def _fingerprints_in_fresh_process(specs: list[str]) -> list[str]:
    code = (
        "import sys\nfrom advisor.data import load_data\n"
        "for spec in sys.argv[1:]:\n    print(load_data(spec).fingerprint())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *specs],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    return out.stdout.split()


def test_fingerprint_is_stable_across_processes(tmp_path):
    folder = make_image_folder(tmp_path / "imgs", 3, ("0", "1"))
    table = make_text_csv(tmp_path / "t.csv", 4, source="embedded")
    features = make_features_npz(tmp_path / "f.npz")
    specs = [str(folder), str(table), str(features)]
    here = [load_data(spec).fingerprint() for spec in specs]
    assert all(len(h) == 64 for h in here) and len(set(here)) == 3
    assert _fingerprints_in_fresh_process(specs) == here


def test_image_fingerprint_follows_file_content_not_location(tmp_path):
    folder = make_image_folder(tmp_path / "a", 3, ("0", "1"))
    copy = shutil.copytree(folder, tmp_path / "b")
    assert load_data(folder).fingerprint() == load_data(copy).fingerprint()
    other = make_image_folder(tmp_path / "c", 3, ("0", "1"), seed=9)
    assert load_data(other).fingerprint() != load_data(folder).fingerprint()


def test_image_fingerprint_changes_when_a_file_changes(tmp_path):
    folder = make_image_folder(tmp_path / "a", 3, ("0", "1"))
    before = load_data(folder).fingerprint()
    shutil.copy(folder / "1" / "0000.png", folder / "0" / "0000.png")
    shutil.copy(folder / "1" / "0001.png", folder / "1" / "0000.png")
    assert load_data(folder).fingerprint() != before


def test_fingerprint_covers_labels_texts_and_class_names():
    def make(texts, labels, names):
        return LabelledData("x", "text", np.array(labels), names, "mem", texts=texts).fingerprint()

    base = make(["a b", "c"], [0, 1], ["neg", "pos"])
    assert base == make(["a b", "c"], [0, 1], ["neg", "pos"])
    assert base != make(["a b", "c"], [1, 0], ["neg", "pos"])
    assert base != make(["a b", "c"], [0, 1], ["pos", "neg"])
    assert base != make(["a", "b c"], [0, 1], ["neg", "pos"])  # no ambiguity at boundaries
    assert base != make(["a b", "c "], [0, 1], ["neg", "pos"])


def test_subset_fingerprints_differ_and_reuse_file_hashes(tmp_path):
    data = load_data(make_image_folder(tmp_path, 4, ("0", "1")))
    full = data.fingerprint()
    half = data.subset(np.arange(4))
    assert half.fingerprint() != full
    assert half._file_hashes is data._file_hashes  # files hashed once, at load


def test_feature_fingerprint_depends_on_values(tmp_path):
    a = load_data(make_features_npz(tmp_path / "a.npz"))
    b = load_data(make_features_npz(tmp_path / "b.npz"))
    c = load_data(make_features_npz(tmp_path / "c.npz", seed=1))
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


def test_summary_reports_counts_balance_examples_and_skips(tmp_path):
    folder = make_image_folder(tmp_path, 6, ("2", "5"))
    for k in range(4):
        (folder / "5" / f"{k:04d}.png").unlink()
    (folder / "2" / "broken.png").write_bytes(b"\x89PNG broken")
    summary = load_data(folder).summary()
    assert summary["n"] == 8 and summary["num_classes"] == 2
    assert summary["class_counts"] == {"2": 6, "5": 2}
    assert summary["imbalance_ratio"] == 3.0
    assert summary["smallest_class"] == "5" and summary["largest_class"] == "2"
    assert [e["label"] for e in summary["examples"]] == ["2", "5"]
    assert all(e["example"].endswith(".png") for e in summary["examples"])
    assert summary["skipped"] == 1 and summary["modality"] == "image"
    json.dumps(summary)  # JSON-ready


def test_summary_of_texts_shows_texts():
    data = LabelledData(
        "x", "text", np.array([0, 1, 1]), ["a", "b"], "mem", texts=["short one", "x" * 300, "third"]
    )
    examples = data.summary()["examples"]
    assert examples[0] == {"label": "a", "example": "short one"}
    assert examples[1]["example"].endswith("...") and len(examples[1]["example"]) == 100


def test_subset_by_positions_or_mask():
    data = LabelledData(
        "x", "text", np.array([0, 1, 1, 0]), ["a", "b"], "mem", texts=["w", "x", "y", "z"]
    )
    assert data.subset([3, 1]).texts == ["z", "x"]
    assert data.subset(np.array([True, False, False, True])).texts == ["w", "z"]
    assert data.subset(np.array([], dtype=np.int64)).class_counts() == {"a": 0, "b": 0}
