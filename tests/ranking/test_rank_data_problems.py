"""advisor.rank on flawed data: what was left out reaches the notes, the JSON and the CLI;
files unreadable only at extraction are left out for every candidate; a ranking with no
evidence, or of a regression target, is refused with the reason."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import advisor
from advisor.data import load_data
from advisor.errors import AdvisorError, DataError
from advisor.models import load_backbone
from tests.helpers.datasets import make_features_npz, make_image_folder, text_examples
from tests.models.entries import tiny_image_entry

PROBES = ["knn", "logme"]


@pytest.fixture(scope="module")
def tiny_pair():
    """Two tiny random-init networks with different weights (so different cache keys)."""
    return [
        load_backbone(
            tiny_image_entry(id=f"tiny_{name}.test"), device="cpu", pretrained=False, seed=seed
        )
        for name, seed in (("a", 0), ("b", 1))
    ]


def _scores(ranking) -> dict[str, tuple[float, float]]:
    return {r["candidate"]: tuple(r[p] for p in PROBES) for r in ranking.records}


def test_images_unreadable_at_extraction_are_left_out_for_every_candidate(tmp_path, tiny_pair):
    folder = make_image_folder(tmp_path / "imgs", n_per_class=5, size=40)  # 15 real PNGs
    (folder / "0" / "notes.png").write_text("not an image")  # caught at load time
    data = load_data(folder)
    damaged = [data.image_paths[2], data.image_paths[11]]  # damaged after loading
    for path in damaged:
        Path(path).write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    cache = tmp_path / "cache"

    ranking = advisor.rank(
        data, tiny_pair, probes=PROBES, budget=None, bootstrap=False, cache_dir=cache
    )
    assert sorted(c.split("@")[0] for c in ranking.candidates) == ["tiny_a.test", "tiny_b.test"]
    assert ranking.failures == {} and ranking.settings["data"]["n_used"] == 13
    assert "skipped 1 file (cannot be decoded): 0/notes.png" in ranking.notes
    assert any(
        n.startswith("skipped 2 files (") and "0/0002.png, 2/0001.png" in n for n in ranking.notes
    )
    assert ranking.notes == json.loads(ranking.to_json())["notes"]

    # The same 13 images loaded afresh (the damaged files gone) are the same data: every
    # candidate's features come from the cache, so both saw exactly those rows.
    for path in damaged:
        Path(path).unlink()
    clean = load_data(folder)
    again = advisor.rank(
        clean, tiny_pair, probes=PROBES, budget=None, bootstrap=False, cache_dir=cache
    )
    assert all(r["cached"] for r in again.records)
    assert _scores(again) == _scores(ranking)


def test_a_ranking_with_no_probe_scored_is_an_error_naming_why(tmp_path):
    path = tmp_path / "flat.npz"
    np.savez(path, features=np.zeros((30, 4)), labels=np.repeat([0, 1, 2], 10))
    with pytest.raises(AdvisorError) as info:
        advisor.rank(str(path), probes=PROBES, bootstrap=False)
    message = str(info.value)
    assert message.startswith("no probe could score any candidate, so there is no ranking")
    assert "knn, logme: features is constant" in message


def test_continuous_labels_declared_as_classes_stop_the_ranking_before_any_work(tmp_path):
    path = tmp_path / "prices.csv"
    texts = [t for t, _ in text_examples(12, source="embedded")]  # 36 real sentences
    values = np.random.default_rng(0).uniform(10, 90, size=40).round(2)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "target"])
        writer.writerows([f"{texts[k % len(texts)]} #{k}", v] for k, v in enumerate(values))
    # Auto-detection now reads such a column as a regression (tests/data/test_tasks.py); the
    # refusal stays for a user who says the labels are classes.
    with pytest.raises(DataError, match="column 'target' of prices.csv look like a regression"):
        advisor.rank(str(path), probes=PROBES, bootstrap=False, task="classification")


def test_a_class_with_one_example_is_dropped_and_noted(tmp_path):
    path = make_features_npz(tmp_path / "f.npz", n_per_class=12, num_classes=3)
    with np.load(path) as archive:
        features, labels = archive["features"], archive["labels"]
    lonely = tmp_path / "lonely.npz"
    np.savez(
        lonely,
        features=np.vstack([features, features[:1] + 1.0]),
        labels=np.append(labels.astype(str), "rare"),
    )
    ranking = advisor.rank(str(lonely), probes=PROBES, bootstrap=False)
    assert ranking.notes[0] == "dropped 1 class (too few examples): 'rare'"
    assert ranking.settings["data"]["n_used"] == 36
    assert np.isfinite(ranking.records[0]["knn"])


@pytest.mark.slow
def test_cli_prints_what_was_skipped_and_the_json_carries_it(tmp_path, capsys):
    from advisor.cli.main import main

    folder = make_image_folder(tmp_path / "imgs", n_per_class=4, classes=("0", "1"), ext=".jpg")
    victim = folder / "1" / "0002.jpg"
    victim.write_bytes(victim.read_bytes()[:-60])
    try:
        main(
            [
                "rank",
                str(folder),
                "--models",
                "efficientnet_lite0",
                "--probes",
                "knn",
                "--no-bootstrap",
                "--format",
                "json",
                "--cache-dir",
                str(tmp_path / "cache"),
            ]
        )
    except SystemExit as exc:
        assert not exc.code
    out, err = capsys.readouterr()
    assert "note: skipped 1 file (truncated): 1/0002.jpg" in err
    assert "skipped 1 file (truncated): 1/0002.jpg" in json.loads(out)["notes"]


def test_auto_on_data_smaller_than_a_round_is_one_fixed_round_without_a_saving_note(tmp_path):
    path = make_features_npz(tmp_path / "f.npz", n_per_class=12, num_classes=3)
    ranking = advisor.rank(str(path), probes=PROBES, budget="auto", bootstrap=False)
    assert ranking.settings["anytime"]["planned"] == [36]  # one round: all 36 rows
    assert ranking.settings["data"]["n_used"] == 36
    assert not [n for n in ranking.notes if n.startswith("anytime:")], ranking.notes
